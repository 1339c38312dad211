package server

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs/redistest"

	"github.com/redis/go-redis/v9"

	"github.com/shopgraph/shopgraph/gateway/operation"
	"github.com/shopgraph/shopgraph/gateway/partner"
	partnerpg "github.com/shopgraph/shopgraph/gateway/partner/postgres"
	"github.com/shopgraph/shopgraph/gateway/quota"
	"github.com/shopgraph/shopgraph/gateway/transport"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
)

// partnerSubgraphs answers catalog queries, failing with an internal-looking error when asked
// for weight, and records the headers that reached it.
type partnerSubgraphs struct {
	calls   atomic.Int32
	mu      sync.Mutex
	headers []http.Header
}

func (s *partnerSubgraphs) Fetch(ctx context.Context, subgraph string, body []byte) ([]byte, error) {
	s.calls.Add(1)
	s.mu.Lock()
	s.headers = append(s.headers, transport.Headers(ctx))
	s.mu.Unlock()
	if strings.Contains(string(body), "weight") {
		return []byte(`{"data":{"products":null},"errors":[{"message":"pq: relation \"catalog.product_weight\" does not exist","path":["products"],"extensions":{"code":"INTERNAL_SERVER_ERROR","exception":{"stacktrace":["store.go:42"]}}}]}`), nil
	}
	return []byte(`{"data":{"products":[{"id":"1","name":"Mug"},{"id":"2","name":"Tee"}]}}`), nil
}

func downRedis(t testing.TB) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

type partnerEnv struct {
	srv   *httptest.Server
	subs  *partnerSubgraphs
	store *partnerpg.Store
	keys  *partner.Keys
}

var testScopes = partner.Scopes{"products": {"products", "product"}, "search": {"search"}}

// newPartnerEnv serves the test supergraph with a partner endpoint on a fresh database and
// its own Redis prefix. edit adjusts the configuration.
func newPartnerEnv(t *testing.T, edit func(*Config)) *partnerEnv {
	t.Helper()
	rdb := redistest.Client(t)
	store := partnerpg.NewStore(pgtest.NewPool(t, nil, partnerpg.Domain))
	sdl, err := os.ReadFile("../supergraph/testdata/store.graphql")
	if err != nil {
		t.Fatal(err)
	}
	prefix := fmt.Sprintf("test:server:%x:", rand.Uint64())
	env := &partnerEnv{subs: &partnerSubgraphs{}, store: store, keys: partner.NewKeys(store, partner.KeysOptions{TTL: 300 * time.Millisecond})}
	cfg := Config{SupergraphSDL: string(sdl), Subgraphs: env.subs, Partner: &PartnerConfig{
		Keys: env.keys, Scopes: testScopes,
		Policy: Policy{Quota: quota.New(rdb, quota.Options{Prefix: prefix}), MaxCost: 1000},
	}}
	if edit != nil {
		edit(&cfg)
	}
	h, err := NewHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	env.srv = httptest.NewServer(h)
	t.Cleanup(env.srv.Close)
	return env
}

func (e *partnerEnv) key(t *testing.T, k partner.NewKey) (*partner.Key, string) {
	t.Helper()
	if k.Name == "" {
		k.Name = "acme"
	}
	key, secret, err := partner.Create(context.Background(), e.store, k)
	if err != nil {
		t.Fatal(err)
	}
	return key, secret
}

type partnerResult struct {
	result
	header http.Header
}

func (e *partnerEnv) post(t *testing.T, path, query string, header ...string) partnerResult {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"query": query})
	r, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(string(b)))
	r.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return partnerResult{result{resp.StatusCode, resp.Header.Get("Content-Type"), body}, resp.Header}
}

func bearer(secret string) []string { return []string{"Authorization", "Bearer " + secret} }

func firstError(body map[string]any) map[string]any {
	errs, _ := body["errors"].([]any)
	if len(errs) == 0 {
		return nil
	}
	e, _ := errs[0].(map[string]any)
	return e
}

func TestPartnerKeyLifecycle(t *testing.T) {
	env := newPartnerEnv(t, nil)
	const q = `{ products(first: 2) { name } }`
	if res := env.post(t, "/partner/graphql", q); res.status != http.StatusUnauthorized || firstCode(res.body) != CodeUnauthenticated {
		t.Errorf("no key: %d %v", res.status, res.body)
	}
	if res := env.post(t, "/partner/graphql", q, bearer("sg_unknown")...); res.status != http.StatusUnauthorized || firstCode(res.body) != CodeInvalidAPIKey {
		t.Errorf("unknown key: %d %v", res.status, res.body)
	}
	key, secret := env.key(t, partner.NewKey{Scopes: []string{"products"}})
	for _, h := range [][]string{bearer(secret), {"X-API-Key", secret}} {
		res := env.post(t, "/partner/graphql", q, h...)
		if res.status != http.StatusOK || firstError(res.body) != nil {
			t.Fatalf("%s: %d %v", h[0], res.status, res.body)
		}
	}
	// The key never reaches a subgraph.
	env.subs.mu.Lock()
	for _, h := range env.subs.headers {
		if h.Get("Authorization") != "" || h.Get("X-API-Key") != "" {
			t.Errorf("a subgraph saw the API key: %v", h)
		}
	}
	env.subs.mu.Unlock()
	if env.subs.calls.Load() == 0 {
		t.Fatal("no subgraph call")
	}

	if ok, err := env.store.Revoke(context.Background(), key.ID); err != nil || !ok {
		t.Fatalf("revoke: %v %v", ok, err)
	}
	revoked := time.Now()
	for {
		res := env.post(t, "/partner/graphql", q, bearer(secret)...)
		if res.status == http.StatusUnauthorized && firstCode(res.body) == CodeInvalidAPIKey {
			break
		}
		if res.status != http.StatusOK {
			t.Fatalf("revoked key: %d %v", res.status, res.body)
		}
		if time.Since(revoked) > env.keys.TTL()+time.Second {
			t.Fatalf("revoked key still works after %v (bound %v)", time.Since(revoked), env.keys.TTL())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestPartnerQuota(t *testing.T) {
	env := newPartnerEnv(t, nil)
	_, secret := env.key(t, partner.NewKey{Scopes: []string{"products"}, Quota: quota.Rate{Limit: 3, Period: time.Hour}})
	const q = `{ products(first: 2) { name } }`
	for i := range 3 {
		res := env.post(t, "/partner/graphql", q, bearer(secret)...)
		if res.status != http.StatusOK {
			t.Fatalf("request %d: %d %v", i+1, res.status, res.body)
		}
		if res.header.Get("RateLimit-Limit") != "3" || res.header.Get("RateLimit-Remaining") != fmt.Sprint(2-i) || res.header.Get("RateLimit-Reset") == "" {
			t.Errorf("request %d headers: %v", i+1, res.header)
		}
	}
	res := env.post(t, "/partner/graphql", q, bearer(secret)...)
	if res.status != http.StatusTooManyRequests || firstCode(res.body) != CodeRateLimited {
		t.Fatalf("request 4: %d %v", res.status, res.body)
	}
	if res.header.Get("Retry-After") == "" || res.header.Get("RateLimit-Remaining") != "0" {
		t.Errorf("request 4 headers: %v", res.header)
	}
	if n := env.subs.calls.Load(); n != 3 {
		t.Errorf("%d subgraph calls, want 3", n)
	}
}

// Many clients of one key at once: exactly the quota gets through, the rest are refused.
// Identical admitted requests in flight together would share one execution: dedupe is off, so
// every admitted request reaches the subgraph and the count shows what the quota let through.
func TestPartnerQuotaUnderConcurrency(t *testing.T) {
	env := newPartnerEnv(t, func(cfg *Config) { cfg.DisableDedupe = true })
	const limit, clients = 10, 40
	_, secret := env.key(t, partner.NewKey{Scopes: []string{"products"}, Quota: quota.Rate{Limit: limit, Period: time.Hour}})
	var ok, limited, other atomic.Int32
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, _ := http.NewRequest(http.MethodPost, env.srv.URL+"/partner/graphql", strings.NewReader(`{"query":"{ products(first: 2) { name } }"}`))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("X-API-Key", secret)
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				other.Add(1)
				return
			}
			resp.Body.Close()
			switch resp.StatusCode {
			case http.StatusOK:
				ok.Add(1)
			case http.StatusTooManyRequests:
				limited.Add(1)
			default:
				other.Add(1)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != limit || limited.Load() != clients-limit || other.Load() != 0 {
		t.Errorf("ok %d, limited %d, other %d; want %d, %d, 0", ok.Load(), limited.Load(), other.Load(), limit, clients-limit)
	}
	if n := env.subs.calls.Load(); n != limit {
		t.Errorf("%d subgraph calls, want %d", n, limit)
	}
}

// Redis down: the partner endpoint fails closed, the storefront fails open.
func TestQuotaWithRedisDown(t *testing.T) {
	down := downRedis(t)
	env := newPartnerEnv(t, func(c *Config) {
		c.Partner.Quota = quota.New(down, quota.Options{})
		c.Storefront = Policy{Quota: quota.New(down, quota.Options{FailOpen: true}), QuotaRate: quota.Rate{Limit: 100, Period: time.Second}}
	})
	_, secret := env.key(t, partner.NewKey{Scopes: []string{"products"}, Quota: quota.Rate{Limit: 100, Period: time.Minute}})
	const q = `{ products(first: 2) { name } }`
	res := env.post(t, "/partner/graphql", q, bearer(secret)...)
	if res.status != http.StatusServiceUnavailable || firstCode(res.body) != CodeQuotaUnavailable || res.header.Get("Retry-After") == "" {
		t.Errorf("partner: %d %v %v", res.status, res.body, res.header)
	}
	res = env.post(t, "/graphql", q)
	if res.status != http.StatusOK || firstError(res.body) != nil || res.header.Get("RateLimit-Limit") != "100" {
		t.Errorf("storefront: %d %v %v", res.status, res.body, res.header)
	}
	if n := env.subs.calls.Load(); n != 1 {
		t.Errorf("%d subgraph calls, want 1 (the storefront's)", n)
	}
}

func TestPartnerOperationRules(t *testing.T) {
	env := newPartnerEnv(t, func(c *Config) { c.Partner.Limits = operation.Limits{MaxDepth: 3, MaxAliases: 2} })
	_, products := env.key(t, partner.NewKey{Scopes: []string{"products"}, MaxCost: 20})
	_, search := env.key(t, partner.NewKey{Scopes: []string{"search"}})
	_, both := env.key(t, partner.NewKey{Scopes: []string{"products", "search"}})
	for _, tc := range []struct {
		name, secret, query, code string
	}{
		{"within cost", products, `{ products(first: 19) { name } }`, ""},
		// products: 19 × Product (1) + reviews 10 × 1 each
		{"over the key's max cost", products, `{ products(first: 19) { name reviews { body } } }`, CodeCostLimitExceeded},
		{"over the endpoint's max cost (key without one)", both, `{ products(first: 100) { reviews { body } } }`, CodeCostLimitExceeded},
		{"within the endpoint's max cost", both, `{ products(first: 100) { name } }`, ""},
		{"a field outside the key's scopes", search, `{ products { name } }`, CodeForbidden},
		{"a second root field outside the scopes", products, `{ products(first: 1) { name } search(text: "x") { __typename } }`, CodeForbidden},
		{"__typename needs no scope", search, `{ __typename }`, ""},
		{"introspection __schema", products, `{ __schema { types { name } } }`, CodeIntrospectionDisabled},
		{"introspection __type", products, `{ __type(name: "Product") { name } }`, CodeIntrospectionDisabled},
		{"depth over the partner limit", products, `{ products(first: 1) { reviews { author { name } } } }`, operation.CodeDepthLimit},
		{"aliases over the partner limit", products, `{ a: product(id: "1") { name } b: product(id: "2") { name } c: product(id: "3") { name } }`, operation.CodeAliasLimit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := env.subs.calls.Load()
			res := env.post(t, "/partner/graphql", tc.query, bearer(tc.secret)...)
			if got := firstCode(res.body); got != tc.code {
				t.Fatalf("code %q, want %q: %v", got, tc.code, res.body)
			}
			if tc.code != "" && env.subs.calls.Load() != before {
				t.Errorf("a refused operation reached a subgraph")
			}
		})
	}
	// The refusal says what the operation would cost and what the key allows.
	res := env.post(t, "/partner/graphql", `{ products(first: 19) { name reviews { body } } }`, bearer(products)...)
	ext, _ := firstError(res.body)["extensions"].(map[string]any)
	c, _ := ext["cost"].(map[string]any)
	if c["estimated"] != float64(19*(1+10)) || c["max"] != float64(20) {
		t.Errorf("cost extension %v", ext)
	}
	res = env.post(t, "/partner/graphql", `{ search(text: "x") { __typename } }`, bearer(products)...)
	if msg, _ := firstError(res.body)["message"].(string); !strings.Contains(msg, "Query.search") {
		t.Errorf("FORBIDDEN message %q does not name the field", msg)
	}
	// The storefront keeps its own rules: introspection on, deeper operations allowed.
	for _, q := range []string{`{ __type(name: "Product") { name } }`, `{ products(first: 1) { reviews { author { name } } } }`} {
		if res := env.post(t, "/graphql", q); firstCode(res.body) == CodeIntrospectionDisabled || firstCode(res.body) == operation.CodeDepthLimit {
			t.Errorf("storefront refused %s: %v", q, res.body)
		}
	}
}

func TestPartnerErrorsAreMasked(t *testing.T) {
	env := newPartnerEnv(t, nil)
	_, secret := env.key(t, partner.NewKey{Scopes: []string{"products"}})
	const q = `{ products(first: 2) { weight } }`
	res := env.post(t, "/partner/graphql", q, bearer(secret)...)
	e := firstError(res.body)
	b, _ := json.Marshal(e)
	if e == nil || strings.Contains(string(b), "pq:") || strings.Contains(string(b), "catalog") || strings.Contains(string(b), "stacktrace") || strings.Contains(string(b), "serviceName") {
		t.Errorf("partner error not masked: %s", b)
	}
	if firstCode(res.body) != "INTERNAL_SERVER_ERROR" {
		t.Errorf("masked error lost its code: %s", b)
	}
	// The storefront shows the subgraph's message.
	res = env.post(t, "/graphql", q)
	if b, _ := json.Marshal(firstError(res.body)); !strings.Contains(string(b), "pq:") {
		t.Errorf("storefront error: %s", b)
	}
}

func TestStorefrontPolicy(t *testing.T) {
	rdb := redistest.Client(t)
	env := newPartnerEnv(t, func(c *Config) {
		c.Storefront = Policy{
			MaxCost: 50, Quota: quota.New(rdb, quota.Options{Prefix: fmt.Sprintf("test:storefront:%x:", rand.Uint64()), FailOpen: true}),
			QuotaRate: quota.Rate{Limit: 3, Period: time.Hour},
		}
	})
	if res := env.post(t, "/graphql", `{ products(first: 100) { name } }`); firstCode(res.body) != CodeCostLimitExceeded {
		t.Errorf("over the storefront's max cost: %v", res.body)
	}
	for range 2 {
		if res := env.post(t, "/graphql", `{ products(first: 2) { name } }`); res.status != http.StatusOK || firstError(res.body) != nil {
			t.Errorf("storefront: %d %v", res.status, res.body)
		}
	}
	if res := env.post(t, "/graphql", `{ products(first: 2) { name } }`); res.status != http.StatusTooManyRequests || firstCode(res.body) != CodeRateLimited {
		t.Errorf("fourth storefront request from one IP: %d %v", res.status, res.body)
	}
}

// A partner request end to end in process: key from the cache, quota in Redis, scopes, cost.
// Compare with BenchmarkServeHTTP, the same query on the storefront without policies.
func BenchmarkPartnerServeHTTP(b *testing.B) {
	rdb := redistest.Client(b)
	store := partnerpg.NewStore(pgtest.NewPool(b, nil, partnerpg.Domain))
	sdl, err := os.ReadFile("../supergraph/testdata/store.graphql")
	if err != nil {
		b.Fatal(err)
	}
	h, err := NewHandler(Config{SupergraphSDL: string(sdl), Subgraphs: &catalogOnly{}, DisableDedupe: true, Partner: &PartnerConfig{
		Keys: partner.NewKeys(store, partner.KeysOptions{TTL: time.Minute}), Scopes: testScopes,
		Policy: Policy{Quota: quota.New(rdb, quota.Options{Prefix: fmt.Sprintf("test:bench:%x:", rand.Uint64())}), MaxCost: 1000},
	}})
	if err != nil {
		b.Fatal(err)
	}
	_, secret, err := partner.Create(context.Background(), store, partner.NewKey{Name: "bench", Scopes: []string{"products"}, Quota: quota.Rate{Limit: 1 << 30, Period: time.Second}})
	if err != nil {
		b.Fatal(err)
	}
	body := `{"query":"query($n: Int) { products(first: $n) { id name } }","variables":{"n":2}}`
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest(http.MethodPost, "/partner/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-API-Key", secret)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
}
