package server

import (
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/shopgraph/shopgraph/gateway/cache"
	"github.com/shopgraph/shopgraph/gateway/partner"
	"github.com/shopgraph/shopgraph/gateway/quota"
	"github.com/shopgraph/shopgraph/gateway/telemetry"
)

func storeSDL(t testing.TB) string {
	t.Helper()
	sdl, err := os.ReadFile("../supergraph/testdata/store.graphql")
	if err != nil {
		t.Fatal(err)
	}
	return string(sdl)
}

func postQuery(t *testing.T, url, body string, header http.Header) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	h, err := NewHandler(Config{SupergraphSDL: storeSDL(t), Subgraphs: &catalogOnly{},
		Telemetry: telemetry.Options{Registry: reg, MaxOperationNames: 3, MaxClientNames: 1}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	ios := http.Header{"Apollographql-Client-Name": {"ios"}}
	for range 2 {
		postQuery(t, srv.URL+"/graphql", `{"query":"query Products { products { name } }","operationName":"Products"}`, ios)
	}
	postQuery(t, srv.URL+"/graphql", `{"query":"query Broken { nope }","operationName":"Broken"}`, http.Header{"Apollographql-Client-Name": {"web"}})
	postQuery(t, srv.URL+"/graphql", `{"query":`, nil)
	postQuery(t, srv.URL+"/graphql", `{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"`+strings.Repeat("ab", 32)+`"}}}`, nil)
	for _, name := range []string{"A", "B", "C"} { // past the cap of three names
		postQuery(t, srv.URL+"/graphql", `{"query":"query `+name+` { products { name } }"}`, nil)
	}

	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`shopgraph_gateway_requests_total{client="ios",endpoint="graphql",operation="Products",outcome="ok"} 2`,
		// the client cap is one name: "web" is counted as other
		`shopgraph_gateway_requests_total{client="other",endpoint="graphql",operation="Broken",outcome="GRAPHQL_VALIDATION_FAILED"} 1`,
		// refused before parsing: the outcome comes from the HTTP status
		`shopgraph_gateway_requests_total{client="other",endpoint="graphql",operation="anonymous",outcome="BAD_REQUEST"} 1`,
		`shopgraph_gateway_requests_total{client="other",endpoint="graphql",operation="anonymous",outcome="PERSISTED_QUERY_NOT_FOUND"} 1`,
		// Products, Broken, anonymous fill the cap of three operation names
		`shopgraph_gateway_requests_total{client="other",endpoint="graphql",operation="other",outcome="ok"} 3`,
		`shopgraph_gateway_request_duration_seconds_count{endpoint="graphql",operation="Products"} 2`,
		// the document cache is read more than once per request; only its presence is fixed
		`shopgraph_gateway_plan_cache_total{cache="document",result="hit"} `,
		`shopgraph_gateway_plan_cache_total{cache="plan",result="hit"} 1`,
		`shopgraph_gateway_plan_cache_total{cache="plan",result="miss"} 4`,
		`shopgraph_gateway_subgraph_fetch_duration_seconds_count{subgraph="catalog"} 5`,
	} {
		if !strings.Contains(string(page), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", grepLines(string(page), "shopgraph_gateway_"))
	}
}

func grepLines(s, substr string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// gated holds every fetch until released, so identical queries are in flight together.
type gated struct {
	release chan struct{}
	calls   sync.WaitGroup
}

func (g *gated) Fetch(ctx context.Context, subgraph string, body []byte) ([]byte, error) {
	g.calls.Done()
	<-g.release
	return []byte(`{"data":{"products":[{"id":"1","name":"Mug"}]}}`), nil
}

func TestMetricsCountDedupeShares(t *testing.T) {
	reg := prometheus.NewRegistry()
	subs := &gated{release: make(chan struct{})}
	subs.calls.Add(1)
	g, err := New(Config{SupergraphSDL: storeSDL(t), Subgraphs: subs, Telemetry: telemetry.Options{Registry: reg}})
	if err != nil {
		t.Fatal(err)
	}
	const clients = 4
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ products { name } }"}`))
			req.Header.Set("Content-Type", "application/json")
			g.ServeHTTP(rec, req)
		}()
	}
	subs.calls.Wait() // the one fetch has started
	// the three other clients join the first before it is released
	for g.inbound.Waiters() < clients-1 {
		select {
		case <-t.Context().Done():
			t.Fatal("clients never joined")
		default:
		}
	}
	close(subs.release)
	wg.Wait()
	if got := counterValue(t, reg, "shopgraph_gateway_dedupe_shared_total", "client"); got != clients-1 {
		t.Errorf("client dedupe shares = %v, want %d", got, clients-1)
	}
}

func counterValue(t *testing.T, reg *prometheus.Registry, name, level string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "level" && l.GetValue() == level {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no %s{level=%q}", name, level)
	return 0
}

// TestTraces: one request yields the request span under the client's trace context, the stage
// spans under it, a fetch span under execute, and the subgraph gets the fetch span's traceparent.
func TestTraces(t *testing.T) {
	var mu sync.Mutex
	var sent []string
	catalog := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		sent = append(sent, r.Header.Get("Traceparent"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"data":{"products":[{"id":"1","name":"Mug"}]}}`)
	}))
	defer catalog.Close()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	sdl := strings.ReplaceAll(storeSDL(t), "http://catalog.test/graphql", catalog.URL)
	h, err := NewHandler(Config{SupergraphSDL: sdl, Telemetry: telemetry.Options{Registry: prometheus.NewRegistry(), TracerProvider: tp}})
	if err != nil {
		t.Fatal(err)
	}
	gw := httptest.NewServer(h)
	defer gw.Close()

	const traceID, clientSpan = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	status, body := postQuery(t, gw.URL+"/graphql", `{"query":"{ products { name } }"}`,
		http.Header{"Traceparent": {"00-" + traceID + "-" + clientSpan + "-01"}})
	if status != 200 || !strings.Contains(body, "Mug") {
		t.Fatalf("%d %s", status, body)
	}

	spans := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range rec.Ended() {
		spans[s.Name()] = s
		if got := s.SpanContext().TraceID().String(); got != traceID {
			t.Errorf("span %s in trace %s, want the client's %s", s.Name(), got, traceID)
		}
	}
	parentOf := func(name string) string {
		s, ok := spans[name]
		if !ok {
			t.Fatalf("no span %q among %v", name, keys(spans))
		}
		return s.Parent().SpanID().String()
	}
	idOf := func(name string) string { return spans[name].SpanContext().SpanID().String() }
	if got := parentOf("graphql.request"); got != clientSpan {
		t.Errorf("request span's parent %s, want the client's span %s", got, clientSpan)
	}
	for _, stage := range []string{"graphql.parse", "graphql.plan", "graphql.execute"} {
		if got := parentOf(stage); got != idOf("graphql.request") {
			t.Errorf("%s's parent %s, want the request span %s", stage, got, idOf("graphql.request"))
		}
	}
	if got := parentOf("graphql.fetch catalog"); got != idOf("graphql.execute") {
		t.Errorf("fetch span's parent %s, want the execute span", got)
	}
	want := "00-" + traceID + "-" + idOf("graphql.fetch catalog") + "-01"
	if len(sent) != 1 || sent[0] != want {
		t.Errorf("subgraph got traceparent %q, want %q", sent, want)
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestTraceparentPassesThroughWithoutTracing: with no tracer the client's trace context still
// reaches the subgraphs.
func TestTraceparentPassesThroughWithoutTracing(t *testing.T) {
	got := make(chan string, 1)
	catalog := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("Traceparent")
		_, _ = io.WriteString(w, `{"data":{"products":[]}}`)
	}))
	defer catalog.Close()
	h, err := NewHandler(Config{SupergraphSDL: strings.ReplaceAll(storeSDL(t), "http://catalog.test/graphql", catalog.URL)})
	if err != nil {
		t.Fatal(err)
	}
	gw := httptest.NewServer(h)
	defer gw.Close()
	tp := "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	postQuery(t, gw.URL+"/graphql", `{"query":"{ products { name } }"}`, http.Header{"Traceparent": {tp}})
	if v := <-got; v != tp {
		t.Errorf("subgraph got traceparent %q, want %q", v, tp)
	}
}

func TestGraphiQLRoutes(t *testing.T) {
	srv, _ := newGateway(t)
	get := func(path, accept, encoding string) (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		if encoding != "" {
			req.Header.Set("Accept-Encoding", encoding)
		}
		tr := &http.Transport{DisableCompression: true}
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r io.Reader = resp.Body
		if resp.Header.Get("Content-Encoding") == "gzip" {
			if r, err = gzip.NewReader(resp.Body); err != nil {
				t.Fatal(err)
			}
		}
		b, _ := io.ReadAll(r)
		return resp, string(b)
	}
	browser := "text/html,application/xhtml+xml,*/*;q=0.8"
	for _, path := range []string{"/graphiql", "/", "/graphql"} {
		resp, body := get(path, browser, "")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
			!strings.Contains(body, `data-endpoint="/graphql"`) || resp.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("GET %s from a browser: %d %s %.100s", path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
	// a GraphQL GET still runs the query, even from a browser
	if resp, body := get("/graphql?query=%7Bproducts%7Bname%7D%7D", browser, ""); resp.StatusCode != 200 || !strings.Contains(body, "Mug") {
		t.Errorf("GET query: %d %s", resp.StatusCode, body)
	}
	resp, body := get("/graphiql/assets/graphiql.min.js", "", "gzip")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(body, "GraphiQL") ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") {
		t.Errorf("asset: %d %v %.80s", resp.StatusCode, resp.Header, body)
	}
	if resp, _ := get("/graphiql/assets/nope.js", "", ""); resp.StatusCode != 404 {
		t.Errorf("missing asset: %d", resp.StatusCode)
	}
}

// TestCacheMetrics: with the response cache on, /metrics carries its counters.
func TestCacheMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	h, err := NewHandler(Config{SupergraphSDL: storeSDL(t), Subgraphs: &catalogOnly{}, Cache: &cache.Config{},
		Telemetry: telemetry.Options{Registry: reg}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	postQuery(t, srv.URL+"/graphql", `{"query":"{ products { name } }"}`, nil)
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	for _, want := range []string{`shopgraph_gateway_cache_lookups_total{cache="response",result="miss",tier="memory"} `, `shopgraph_gateway_cache_memory_bytes `} {
		if !strings.Contains(string(page), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestPartnerMetrics: the partner endpoint counts under its own endpoint label, and quota and
// cost refusals reach the quota hook.
func TestPartnerMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	env := newPartnerEnv(t, func(c *Config) { c.Telemetry = telemetry.Options{Registry: reg} })
	_, secret := env.key(t, partner.NewKey{Scopes: []string{"products"}, Quota: quota.Rate{Limit: 1, Period: time.Minute}, MaxCost: 1})
	env.post(t, "/partner/graphql", `query Few { products(first: 2) { name } }`, bearer(secret)...) // over the cost of 1
	env.post(t, "/partner/graphql", `query Few { products(first: 2) { name } }`, bearer(secret)...) // over the rate of 1/m
	env.post(t, "/partner/graphql", `{ products { name } }`)                                        // no key

	resp, err := http.Get(env.srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`shopgraph_gateway_requests_total{client="unknown",endpoint="partner",operation="Few",outcome="COST_LIMIT_EXCEEDED"} 1`,
		`shopgraph_gateway_requests_total{client="unknown",endpoint="partner",operation="anonymous",outcome="RATE_LIMITED"} 1`,
		`shopgraph_gateway_requests_total{client="unknown",endpoint="partner",operation="anonymous",outcome="UNAUTHENTICATED"} 1`,
		`shopgraph_gateway_quota_rejections_total{reason="cost"} 1`,
		`shopgraph_gateway_quota_rejections_total{reason="rate"} 1`,
	} {
		if !strings.Contains(string(page), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", grepLines(string(page), "shopgraph_gateway_requests_total"))
	}
}

// With MetricsListen set, /metrics leaves the public routes and MetricsHandler serves it.
func TestMetricsOnAPrivateListener(t *testing.T) {
	g, err := New(Config{SupergraphSDL: storeSDL(t), Subgraphs: &catalogOnly{}, MetricsListen: "127.0.0.1:0",
		Telemetry: telemetry.Options{Registry: prometheus.NewRegistry()}})
	if err != nil {
		t.Fatal(err)
	}
	public := httptest.NewServer(g.Routes())
	defer public.Close()
	postQuery(t, public.URL+"/graphql", `{"query":"query Products { products { name } }","operationName":"Products"}`, nil)
	resp, err := http.Get(public.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Error("/metrics is still served on the public routes")
	}
	private := httptest.NewServer(g.MetricsHandler())
	defer private.Close()
	resp, err = http.Get(private.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), `operation="Products"`) {
		t.Errorf("private /metrics: status %d, page %.300s", resp.StatusCode, page)
	}
}
