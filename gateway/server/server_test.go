package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
)

// catalogOnly answers every catalog request with two products.
type catalogOnly struct{ calls atomic.Int32 }

func (c *catalogOnly) Fetch(ctx context.Context, subgraph string, body []byte) ([]byte, error) {
	c.calls.Add(1)
	if strings.Contains(string(body), "mutation") {
		return []byte(`{"data":{"rename":{"id":"u1"}}}`), nil
	}
	if strings.Contains(string(body), "panic") {
		panic("boom")
	}
	return []byte(`{"data":{"products":[{"id":"1","name":"Mug"},{"id":"2","name":"Tee"}]}}`), nil
}

func newGateway(t *testing.T) (*httptest.Server, *catalogOnly) {
	t.Helper()
	sdl, err := os.ReadFile("../supergraph/testdata/store.graphql")
	if err != nil {
		t.Fatal(err)
	}
	subs := &catalogOnly{}
	h, err := NewHandler(Config{SupergraphSDL: string(sdl), Subgraphs: subs})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, subs
}

type result struct {
	status int
	ctype  string
	body   map[string]any
}

func do(t *testing.T, req *http.Request) result {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return result{resp.StatusCode, resp.Header.Get("Content-Type"), body}
}

func firstCode(body map[string]any) string {
	errs, _ := body["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	ext, _ := errs[0].(map[string]any)["extensions"].(map[string]any)
	code, _ := ext["code"].(string)
	return code
}

func TestGraphQLOverHTTP(t *testing.T) {
	srv, _ := newGateway(t)
	post := func(body, accept string) *http.Request {
		r, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		if accept != "" {
			r.Header.Set("Accept", accept)
		}
		return r
	}
	get := func(q string) *http.Request {
		r, _ := http.NewRequest(http.MethodGet, srv.URL+"/graphql?query="+url.QueryEscape(q), nil)
		return r
	}
	tests := []struct {
		name   string
		req    *http.Request
		status int
		code   string
		ctype  string
	}{
		{"post query", post(`{"query":"{ products { name } }"}`, ""), 200, "", "application/json"},
		{"get query", get("{ products { name } }"), 200, "", "application/json"},
		{"graphql-response media type", post(`{"query":"{ products { name } }"}`, "application/graphql-response+json"), 200, "", "application/graphql-response+json"},
		{"mutation over GET", get(`mutation { rename(name: "x") { id } }`), 405, "METHOD_NOT_ALLOWED", ""},
		{"unparsable body", post(`{"query":`, ""), 400, "BAD_REQUEST", ""},
		{"missing query", post(`{}`, ""), 400, "BAD_REQUEST", ""},
		{"syntax error", post(`{"query":"{ products { "}`, ""), 400, "GRAPHQL_PARSE_FAILED", ""},
		{"validation error", post(`{"query":"{ nope }"}`, ""), 200, "GRAPHQL_VALIDATION_FAILED", ""},
		{"validation error, graphql-response", post(`{"query":"{ nope }"}`, "application/graphql-response+json"), 400, "GRAPHQL_VALIDATION_FAILED", ""},
		{"bad variables", post(`{"query":"query($id: ID!) { product(id: $id) { name } }","variables":{}}`, ""), 200, "BAD_USER_INPUT", ""},
		{"int variable", post(`{"query":"query($n: Int) { products(first: $n) { name } }","variables":{"n":5}}`, ""), 200, "", "application/json"},
		{"subscription", post(`{"query":"subscription { products { name } }"}`, ""), 200, "GRAPHQL_VALIDATION_FAILED", ""},
		{"inaccessible field", post(`{"query":"{ products { costCode } }"}`, ""), 200, "GRAPHQL_VALIDATION_FAILED", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := do(t, tt.req)
			if res.status != tt.status {
				t.Errorf("status %d, want %d (%v)", res.status, tt.status, res.body)
			}
			if got := firstCode(res.body); got != tt.code {
				t.Errorf("code %q, want %q", got, tt.code)
			}
			if tt.ctype != "" && !strings.HasPrefix(res.ctype, tt.ctype) {
				t.Errorf("content type %q, want %q", res.ctype, tt.ctype)
			}
		})
	}
}

func TestResponseData(t *testing.T) {
	srv, _ := newGateway(t)
	r, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(`{"query":"{ __typename products { name } }"}`))
	r.Header.Set("Content-Type", "application/json")
	res := do(t, r)
	b, _ := json.Marshal(res.body)
	if string(b) != `{"data":{"__typename":"Query","products":[{"name":"Mug"},{"name":"Tee"}]}}` {
		t.Errorf("body %s", b)
	}
}

func TestIntrospectionIsLocal(t *testing.T) {
	srv, subs := newGateway(t)
	r, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(`{"query":"{ __schema { queryType { name } } __type(name: \"Product\") { fields { name } } }"}`))
	r.Header.Set("Content-Type", "application/json")
	res := do(t, r)
	if subs.calls.Load() != 0 {
		t.Errorf("introspection called subgraphs %d times", subs.calls.Load())
	}
	b, _ := json.Marshal(res.body)
	if !strings.Contains(string(b), `"queryType":{"name":"Query"}`) || strings.Contains(string(b), "costCode") {
		t.Errorf("body %s", b)
	}
}

func TestHealth(t *testing.T) {
	srv, _ := newGateway(t)
	resp, err := http.Get(srv.URL + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("status %d", resp.StatusCode)
	}
}

func TestRunStopsWithContext(t *testing.T) {
	sdl, err := os.ReadFile("../supergraph/testdata/store.graphql")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Config{SupergraphSDL: string(sdl), ListenAddr: "127.0.0.1:0", Subgraphs: &catalogOnly{}})
	}()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}

func BenchmarkServeHTTP(b *testing.B) {
	sdl, err := os.ReadFile("../supergraph/testdata/store.graphql")
	if err != nil {
		b.Fatal(err)
	}
	h, err := NewHandler(Config{SupergraphSDL: string(sdl), Subgraphs: &catalogOnly{}, DisableDedupe: true})
	if err != nil {
		b.Fatal(err)
	}
	body := `{"query":"query($n: Int) { products(first: $n) { id name } }","variables":{"n":2}}`
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
}
