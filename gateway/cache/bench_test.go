package cache_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"

	"github.com/shopgraph/shopgraph/subgraphs/redistest"

	"github.com/shopgraph/shopgraph/gateway/cache"
	"github.com/shopgraph/shopgraph/gateway/server"
)

// benchGateway is a gateway over the in-memory stub, with the cache configured by opts (nil:
// no cache).
func benchGateway(b *testing.B, opts *cache.Options) (http.Handler, *cache.Store) {
	b.Helper()
	cfg := server.Config{SupergraphSDL: testSupergraph(b), Subgraphs: newStub(), DisableDedupe: true}
	var store *cache.Store
	if opts != nil {
		store = cache.NewStore(*opts)
		cfg.Cache = &cache.Config{Store: store}
	}
	gw, err := server.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return gw, store
}

// reportTiers reports where the responses came from, per request.
func reportTiers(b *testing.B, store *cache.Store) {
	if store == nil {
		return
	}
	st := store.Stats().Responses
	n := float64(b.N)
	b.ReportMetric(float64(st.LocalHits)/n, "local-hits/op")
	b.ReportMetric(float64(st.RedisHits)/n, "redis-hits/op")
}

func productURL(id string) string {
	return "/graphql?" + url.Values{"query": {productQuery}, "variables": {`{"id":"` + id + `"}`}}.Encode()
}

func serve(b *testing.B, h http.Handler, target string) {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
}

// BenchmarkCachedQuery answers one product query (a catalog root fetch and an inventory
// entity fetch) through the handler: without the cache, from the in-process tier, and from
// Redis (with no in-process tier).
func BenchmarkCachedQuery(b *testing.B) {
	rdb := redistest.Client(b)
	target := productURL("p1")
	for _, tc := range []struct {
		name string
		opts *cache.Options
	}{
		{"uncached", nil},
		{"local", &cache.Options{Redis: rdb, Prefix: testPrefix(), StaleFor: -1}},
		{"redis", &cache.Options{Redis: rdb, Prefix: testPrefix(), StaleFor: -1, NoLocal: true}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			h, store := benchGateway(b, tc.opts)
			serve(b, h, target) // warm the plan and the cache
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				serve(b, h, target)
			}
			reportTiers(b, store)
		})
	}
}

// BenchmarkMiss asks for a different product every time, so every request misses: the cost
// the cache adds is keying, tagging, storing in both tiers and the entity cache's lookups.
func BenchmarkMiss(b *testing.B) {
	rdb := redistest.Client(b)
	for _, tc := range []struct {
		name string
		opts *cache.Options
	}{
		{"uncached", nil},
		{"cached", &cache.Options{Redis: rdb, Prefix: testPrefix(), StaleFor: -1}},
		{"cached-in-process-only", &cache.Options{StaleFor: -1}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			h, _ := benchGateway(b, tc.opts)
			serve(b, h, productURL("warm"))
			b.ReportAllocs()
			b.ResetTimer()
			i := 0
			for b.Loop() {
				i++
				serve(b, h, productURL("m"+strconv.Itoa(i)))
			}
		})
	}
}

// BenchmarkUncacheable sends a query the cache cannot keep (a PRIVATE field asked by nobody
// in particular) to a gateway without and with the cache: with it, the request is prepared
// once and handed to the usual path.
func BenchmarkUncacheable(b *testing.B) {
	rdb := redistest.Client(b)
	target := "/graphql?" + url.Values{"query": {`{ me { email } }`}}.Encode()
	for _, tc := range []struct {
		name string
		opts *cache.Options
	}{
		{"uncached", nil},
		{"cached", &cache.Options{Redis: rdb, Prefix: testPrefix(), StaleFor: -1}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			h, _ := benchGateway(b, tc.opts)
			serve(b, h, target)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				serve(b, h, target)
			}
		})
	}
}

// BenchmarkPurgeStream purges a new tag each time, as the stock and order events of a busy
// store do: a purge must cost the same however many were made in the last minutes.
func BenchmarkPurgeStream(b *testing.B) {
	for _, before := range []int{0, 50_000} {
		b.Run("remembered="+strconv.Itoa(before), func(b *testing.B) {
			store := cache.NewStore(cache.Options{})
			ctx := b.Context()
			for i := range before {
				_ = store.Purge(ctx, "Variant:warm-"+strconv.Itoa(i))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				_ = store.Purge(ctx, "Variant:"+strconv.Itoa(i))
			}
		})
	}
}
