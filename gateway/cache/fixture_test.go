package cache_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"
	"github.com/redis/go-redis/v9"

	"github.com/shopgraph/shopgraph/gateway/cache"
	"github.com/shopgraph/shopgraph/gateway/compose"
	"github.com/shopgraph/shopgraph/gateway/server"
	"github.com/shopgraph/shopgraph/gateway/transport"
	"github.com/shopgraph/shopgraph/subgraphs/trust"
)

const specHeader = `extend schema
  @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@composeDirective"])
  @link(url: "https://shopgraph.dev/cache/v0.1", import: ["@cacheControl"])
  @composeDirective(name: "@cacheControl")
enum CacheControlScope { PUBLIC PRIVATE }
directive @cacheControl(maxAge: Int, scope: CacheControlScope, inheritMaxAge: Boolean) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION
`

// The test graph: a catalog of products (60 s), inventory's stock (5 s) and a PRIVATE
// customer.
var testSubgraphs = []compose.Subgraph{
	{Name: "catalog", URL: "http://catalog", SDL: specHeader + `
type Query {
  product(id: ID!): Product @cacheControl(maxAge: 60)
  products: [Product!]! @cacheControl(maxAge: 60)
  me: Customer @cacheControl(maxAge: 30, scope: PRIVATE)
  broken: Product @cacheControl(maxAge: 60)
}
type Mutation { setTitle(id: ID!, title: String!): Product }
type Product @key(fields: "id") @cacheControl(maxAge: 60) { id: ID! title: String! variants: [Variant!]! }
type Variant @key(fields: "sku") @cacheControl(maxAge: 60) { sku: String! price: Int! }
type Customer @key(fields: "id") { id: ID! email: String! }
`},
	{Name: "inventory", URL: "http://inventory", SDL: specHeader + `
type Product @key(fields: "id") { id: ID! stock: Int! @cacheControl(maxAge: 5) }
`},
}

func testSupergraph(t testing.TB) string {
	t.Helper()
	sdl, err := compose.Compose(testSubgraphs)
	if err != nil {
		t.Fatal(err)
	}
	return sdl
}

// stub answers both subgraphs in memory with objects that hold every field (and the key
// alias the cache adds), counting what it is asked.
type stub struct {
	mu       sync.Mutex
	calls    map[string]int
	reps     map[string]int // representations received, per subgraph
	titles   map[string]string
	fail     bool          // answer every request with a transport error
	errors   bool          // answer root queries with a GraphQL error
	gate     chan struct{} // when set, root queries wait for it
	arrivals chan struct{} // when set, receives one value per root query
}

func newStub() *stub {
	return &stub{calls: map[string]int{}, reps: map[string]int{}, titles: map[string]string{"p1": "Mug", "p2": "Tee", "p3": "Cap"}}
}

func (s *stub) count(subgraph string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[subgraph]
}

func (s *stub) repsSent(subgraph string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reps[subgraph]
}

func (s *stub) product(id string) map[string]any {
	sku := id + "-a"
	return map[string]any{"__typename": "Product", "id": id, "_sgk_id": id, "title": s.titles[id], "name": s.titles[id], // name: answers the alias name: title
		"variants": []any{map[string]any{"__typename": "Variant", "sku": sku, "_sgk_sku": sku, "price": 10}}}
}

var errSubgraphDown = errors.New("subgraph down")

func (s *stub) Fetch(ctx context.Context, subgraph string, body []byte) ([]byte, error) {
	var req struct {
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.calls[subgraph]++
	fail, withErrors, gate, arrivals := s.fail, s.errors, s.gate, s.arrivals
	reps, _ := req.Variables["representations"].([]any)
	s.reps[subgraph] += len(reps)
	s.mu.Unlock()
	if fail {
		return nil, errSubgraphDown
	}
	if len(reps) > 0 {
		out := make([]any, len(reps))
		for i, r := range reps {
			id := r.(map[string]any)["id"].(string)
			switch subgraph {
			case "inventory":
				out[i] = map[string]any{"__typename": "Product", "stock": len(id) * 10}
			default:
				s.mu.Lock()
				out[i] = s.product(id)
				s.mu.Unlock()
			}
		}
		return json.Marshal(map[string]any{"data": map[string]any{"_entities": out}})
	}
	if arrivals != nil {
		arrivals <- struct{}{}
	}
	if gate != nil {
		<-gate
	}
	if withErrors {
		return []byte(`{"data":{"broken":null},"errors":[{"message":"boom","path":["broken"]}]}`), nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	data := map[string]any{}
	switch {
	case strings.HasPrefix(req.Query, "mutation"):
		id, _ := req.Variables["id"].(string)
		title, _ := req.Variables["title"].(string)
		if id == "" { // literal arguments
			id, title = "p1", "Cup"
		}
		s.titles[id] = title
		data["setTitle"] = s.product(id)
	case strings.Contains(req.Query, "{me"):
		who := transport.Headers(ctx).Get(trust.HeaderCustomer)
		data["me"] = map[string]any{"__typename": "Customer", "id": who, "_sgk_id": who, "email": who + "@example.com"}
	case strings.Contains(req.Query, "products"):
		data["products"] = []any{s.product("p1"), s.product("p2"), s.product("p3")}
	default:
		id, _ := req.Variables["id"].(string)
		if id == "" {
			id = "p1"
		}
		data["product"] = s.product(id)
	}
	return json.Marshal(map[string]any{"data": data})
}

func testPrefix() string { return "test:edge-cache:" + ulid.Make().String() + ":" }

// gateway is one gateway replica under test.
type gateway struct {
	srv    *httptest.Server
	store  *cache.Store
	gw     *server.Gateway
	purged chan []string
}

type gatewayOptions struct {
	redis  redis.UniversalClient
	prefix string
	now    func() time.Time
	cache  cache.Config
	// noListen skips the purge subscription (a Redis that is down refuses it)
	noListen     bool
	wrap         func(http.Handler) http.Handler
	redisTimeout time.Duration
	// noDedupe turns off the gateway's own in-flight dedupe of client queries and fetches
	noDedupe bool
	writers  int // Options.Writers
}

var signingSecret = []byte("edge-cache-test-secret-0123456789")

// newGateway starts a gateway over sub whose cache uses the Redis and prefix given. Bearer
// tokens name the customer ("Bearer alice"), signed into headers as the identity edge does.
func newGateway(t testing.TB, sub *stub, o gatewayOptions) *gateway {
	t.Helper()
	g := &gateway{purged: make(chan []string, 64)}
	// a generous Redis budget: these tests are about what is cached, not how fast Redis is
	// on a loaded machine
	if o.redisTimeout == 0 {
		o.redisTimeout = 2 * time.Second
	}
	g.store = cache.NewStore(cache.Options{Redis: o.redis, Prefix: o.prefix, Now: o.now, RedisTimeout: o.redisTimeout,
		Writers: o.writers, OnPurge: func(tags []string) { g.purged <- tags }})
	if !o.noListen {
		ctx, cancel := context.WithCancel(context.Background())
		stop, err := g.store.Listen(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cancel(); stop() })
	}
	cfg := o.cache
	cfg.Store = g.store
	signer := trust.NewSigner(signingSecret)
	gw, err := server.New(server.Config{SupergraphSDL: testSupergraph(t), Subgraphs: sub, Cache: &cfg, DisableDedupe: o.noDedupe,
		SubgraphHeaders: func(r *http.Request) (http.Header, error) {
			who, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok {
				return nil, nil
			}
			h := http.Header{}
			signer.Sign(h, who)
			return h, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	g.gw = gw
	h := gw.Routes()
	if o.wrap != nil {
		h = o.wrap(h)
	}
	g.srv = httptest.NewServer(h)
	t.Cleanup(g.srv.Close)
	return g
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (g *gateway) get(t testing.TB, query string, vars map[string]any, header ...string) response {
	t.Helper()
	q := url.Values{"query": {query}}
	if vars != nil {
		b, _ := json.Marshal(vars)
		q.Set("variables", string(b))
	}
	req, _ := http.NewRequest(http.MethodGet, g.srv.URL+"/graphql?"+q.Encode(), nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	defer g.store.Wait() // the Redis write of a miss runs after the response: let it land
	return send(t, req)
}

func (g *gateway) post(t testing.TB, query string, vars map[string]any, header ...string) response {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, g.srv.URL+"/graphql", strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	defer g.store.Wait() // the Redis write of a miss runs after the response: let it land
	return send(t, req)
}

func send(t testing.TB, req *http.Request) response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return response{}
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return response{status: resp.StatusCode, header: resp.Header, body: []byte(b.String())}
}

func mustEqual[T comparable](t testing.TB, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}
