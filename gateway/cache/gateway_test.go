package cache_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs/redistest"

	"github.com/redis/go-redis/v9"

	"github.com/shopgraph/shopgraph/gateway/cache"
)

const productQuery = `query P($id: ID!) { product(id: $id) { title stock } }`

func TestHitAfterMiss(t *testing.T) {
	sub := newStub()
	g := newGateway(t, sub, gatewayOptions{redis: redistest.Client(t), prefix: testPrefix()})
	first := g.get(t, productQuery, map[string]any{"id": "p1"})
	second := g.get(t, productQuery, map[string]any{"id": "p1"})
	mustEqual(t, "second body", string(second.body), string(first.body))
	mustEqual(t, "body", string(first.body), `{"data":{"product":{"title":"Mug","stock":20}}}`)
	mustEqual(t, "catalog requests", sub.count("catalog"), 1)
	mustEqual(t, "inventory requests", sub.count("inventory"), 1)
	// min(product 60, title inherits, stock 5)
	mustEqual(t, "Cache-Control", first.header.Get("Cache-Control"), "public, max-age=5")
	if cc := second.header.Get("Cache-Control"); !strings.HasPrefix(cc, "public, max-age=") {
		t.Fatalf("hit Cache-Control = %q", cc)
	}
	st := g.store.Stats().Responses
	mustEqual(t, "local hits", st.LocalHits, uint64(1))
	mustEqual(t, "stores", st.Stores, uint64(1))

	other := g.get(t, productQuery, map[string]any{"id": "p2"})
	mustEqual(t, "other variables", string(other.body), `{"data":{"product":{"title":"Tee","stock":20}}}`)
	mustEqual(t, "catalog requests after other variables", sub.count("catalog"), 2)
}

func TestRedisTierSharedByReplicas(t *testing.T) {
	sub := newStub()
	rdb, prefix := redistest.Client(t), testPrefix()
	a := newGateway(t, sub, gatewayOptions{redis: rdb, prefix: prefix})
	b := newGateway(t, sub, gatewayOptions{redis: rdb, prefix: prefix})
	a.get(t, productQuery, map[string]any{"id": "p1"})
	got := b.get(t, productQuery, map[string]any{"id": "p1"})
	mustEqual(t, "body from the other replica", string(got.body), `{"data":{"product":{"title":"Mug","stock":20}}}`)
	mustEqual(t, "catalog requests", sub.count("catalog"), 1)
	mustEqual(t, "redis hits of b", b.store.Stats().Responses.RedisHits, uint64(1))
}

func TestPrivateIsNeverSharedBetweenCallers(t *testing.T) {
	sub := newStub()
	g := newGateway(t, sub, gatewayOptions{redis: redistest.Client(t), prefix: testPrefix()})
	const me = `{ me { email } }`
	alice := g.get(t, me, nil, "Authorization", "Bearer alice")
	bob := g.get(t, me, nil, "Authorization", "Bearer bob")
	mustEqual(t, "alice", string(alice.body), `{"data":{"me":{"email":"alice@example.com"}}}`)
	mustEqual(t, "bob", string(bob.body), `{"data":{"me":{"email":"bob@example.com"}}}`)
	mustEqual(t, "Cache-Control", alice.header.Get("Cache-Control"), "private, max-age=30")
	again := g.get(t, me, nil, "Authorization", "Bearer alice")
	mustEqual(t, "alice again", string(again.body), string(alice.body))
	mustEqual(t, "catalog requests", sub.count("catalog"), 2) // alice's second answer was cached
	guest := g.get(t, me, nil)
	if strings.Contains(string(guest.body), "alice@") || strings.Contains(string(guest.body), "bob@") {
		t.Fatalf("a guest got a customer's response: %s", guest.body)
	}
	mustEqual(t, "guest Cache-Control", guest.header.Get("Cache-Control"), "no-store")
}

func TestMutationsAndErrorsAreNotCached(t *testing.T) {
	sub := newStub()
	g := newGateway(t, sub, gatewayOptions{redis: redistest.Client(t), prefix: testPrefix()})
	const rename = `mutation R($id: ID!, $title: String!) { setTitle(id: $id, title: $title) { title } }`
	for i := 0; i < 2; i++ {
		r := g.post(t, rename, map[string]any{"id": "p2", "title": "Shirt"})
		mustEqual(t, "mutation", string(r.body), `{"data":{"setTitle":{"title":"Shirt"}}}`)
	}
	mustEqual(t, "mutation requests", sub.count("catalog"), 2)

	// a mutation reads every entity from its subgraph, even one the entity cache holds
	g.get(t, productQuery, map[string]any{"id": "p2"})
	before := sub.repsSent("inventory")
	r := g.post(t, `mutation { setTitle(id: "p2", title: "Polo") { stock } }`, nil)
	mustEqual(t, "mutation with an entity", string(r.body), `{"data":{"setTitle":{"stock":20}}}`)
	mustEqual(t, "representations sent by the mutation", sub.repsSent("inventory"), before+1)

	sub.errors = true
	for i := 0; i < 2; i++ {
		r := g.get(t, `{ broken { title } }`, nil)
		if !strings.Contains(string(r.body), `"errors"`) {
			t.Fatalf("want errors, got %s", r.body)
		}
		mustEqual(t, "Cache-Control with errors", r.header.Get("Cache-Control"), "no-store")
	}
	mustEqual(t, "requests after two failing queries", sub.count("catalog"), 6)
	mustEqual(t, "stores", g.store.Stats().Responses.Stores, uint64(1)) // the product query only
}

// TestStampedeFetchesOnce holds the subgraph until every client request has reached the
// gateway: all of them miss together, and the subgraph still sees one request. The gateway's
// own dedupe of identical in-flight queries is off, so only the cache's protection counts.
func TestStampedeFetchesOnce(t *testing.T) {
	sub := newStub()
	sub.gate = make(chan struct{})
	sub.arrivals = make(chan struct{}, 64)
	const n = 16
	var arrived atomic.Int32
	all := make(chan struct{})
	g := newGateway(t, sub, gatewayOptions{redis: redistest.Client(t), prefix: testPrefix(), noDedupe: true,
		wrap: func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if arrived.Add(1) == n {
					close(all)
				}
				h.ServeHTTP(w, r)
			})
		}})
	var wg sync.WaitGroup
	bodies := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bodies[i] = string(g.get(t, productQuery, map[string]any{"id": "p3"}).body)
		}()
	}
	<-all
	<-sub.arrivals
	close(sub.gate)
	wg.Wait()
	for i, b := range bodies {
		mustEqual(t, "body "+strconv.Itoa(i), b, `{"data":{"product":{"title":"Cap","stock":20}}}`)
	}
	mustEqual(t, "catalog requests", sub.count("catalog"), 1)
}

func TestStaleIfError(t *testing.T) {
	sub := newStub()
	var now atomic.Int64
	now.Store(time.Now().UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	g := newGateway(t, sub, gatewayOptions{redis: redistest.Client(t), prefix: testPrefix(), now: clock})
	fresh := g.get(t, productQuery, map[string]any{"id": "p1"})

	now.Add(int64(10 * time.Second)) // past maxAge (5 s), within StaleFor (5 min)
	sub.fail = true
	stale := g.get(t, productQuery, map[string]any{"id": "p1"})
	mustEqual(t, "stale body", string(stale.body), string(fresh.body))
	mustEqual(t, "stale Cache-Control", stale.header.Get("Cache-Control"), "public, max-age=0")
	mustEqual(t, "stale count", g.store.Stats().Responses.Stale, uint64(1))

	now.Add(int64(10 * time.Minute)) // past StaleFor too
	gone := g.get(t, productQuery, map[string]any{"id": "p1"})
	if !strings.Contains(string(gone.body), "SUBGRAPH_REQUEST_FAILED") {
		t.Fatalf("want the failure once the stale window ended, got %s", gone.body)
	}

	sub.fail = false
	now.Add(int64(time.Second))
	again := g.get(t, productQuery, map[string]any{"id": "p1"})
	mustEqual(t, "recovered", string(again.body), string(fresh.body))
}

// TestEntityCacheSharesEntities runs two different queries that need the stock of p1: the
// second sends inventory only the representation the first did not fetch.
func TestEntityCacheSharesEntities(t *testing.T) {
	sub := newStub()
	g := newGateway(t, sub, gatewayOptions{redis: redistest.Client(t), prefix: testPrefix()})
	one := g.get(t, productQuery, map[string]any{"id": "p1"})
	mustEqual(t, "one", string(one.body), `{"data":{"product":{"title":"Mug","stock":20}}}`)
	mustEqual(t, "representations after one", sub.repsSent("inventory"), 1)

	all := g.get(t, `{ products { title stock } }`, nil)
	mustEqual(t, "all", string(all.body), `{"data":{"products":[{"title":"Mug","stock":20},{"title":"Tee","stock":20},{"title":"Cap","stock":20}]}}`)
	mustEqual(t, "representations after all", sub.repsSent("inventory"), 3) // p2 and p3 only
	mustEqual(t, "entity hits", g.store.Stats().Entities.LocalHits, uint64(1))
}

func TestPurgeReachesEveryReplica(t *testing.T) {
	sub := newStub()
	rdb, prefix := redistest.Client(t), testPrefix()
	a := newGateway(t, sub, gatewayOptions{redis: rdb, prefix: prefix})
	b := newGateway(t, sub, gatewayOptions{redis: rdb, prefix: prefix})
	vars := map[string]any{"id": "p1"}
	a.get(t, productQuery, vars)
	b.get(t, productQuery, vars) // from Redis, now in b's process too
	mustEqual(t, "catalog requests before", sub.count("catalog"), 1)

	// the event purger is another process: a store of its own on the same Redis
	purger := cache.NewStore(cache.Options{Redis: rdb, Prefix: prefix})
	if err := purger.PurgeRelated(t.Context(), "Product:p1"); err != nil {
		t.Fatal(err)
	}
	waitPurge(t, a, "Product:p1")
	waitPurge(t, b, "Product:p1")
	a.get(t, productQuery, vars)
	b.get(t, productQuery, vars)
	mustEqual(t, "catalog requests after the purge", sub.count("catalog"), 2) // a refetched, b found a's in Redis

	// a mutation through a purges what its response names, in b too
	r := a.post(t, `mutation { setTitle(id: "p1", title: "Cup") { id title } }`, nil)
	mustEqual(t, "mutation", string(r.body), `{"data":{"setTitle":{"id":"p1","title":"Cup"}}}`)
	waitPurge(t, b, "Product:p1")
	got := b.get(t, productQuery, vars)
	mustEqual(t, "b after the mutation", string(got.body), `{"data":{"product":{"title":"Cup","stock":20}}}`)
}

func waitPurge(t *testing.T, g *gateway, tag string) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case tags := <-g.purged:
			for _, got := range tags {
				if got == tag {
					return
				}
			}
		case <-timeout:
			t.Fatalf("no purge of %s within 5s", tag)
		}
	}
}

func TestETagAndNotModified(t *testing.T) {
	sub := newStub()
	g := newGateway(t, sub, gatewayOptions{redis: redistest.Client(t), prefix: testPrefix()})
	first := g.get(t, productQuery, map[string]any{"id": "p1"})
	etag := first.header.Get("ETag")
	if !strings.HasPrefix(etag, `"`) || len(etag) < 10 {
		t.Fatalf("ETag = %q, want a strong validator", etag)
	}
	mustEqual(t, "ETag of the body", etag, cache.ETag(first.body))
	again := g.get(t, productQuery, map[string]any{"id": "p1"}, "If-None-Match", etag)
	mustEqual(t, "status", again.status, http.StatusNotModified)
	mustEqual(t, "304 body", len(again.body), 0)
	changed := g.get(t, productQuery, map[string]any{"id": "p1"}, "If-None-Match", `"other"`)
	mustEqual(t, "status with another tag", changed.status, http.StatusOK)

	post := g.post(t, productQuery, map[string]any{"id": "p1"})
	mustEqual(t, "POST Cache-Control", post.header.Get("Cache-Control"), "")
	mustEqual(t, "POST ETag", post.header.Get("ETag"), "")
	mustEqual(t, "POST body", string(post.body), string(first.body))
}

func TestRedisDownDegradesToProcess(t *testing.T) {
	sub := newStub()
	redistest.Client(t)                                                          // skips without the test Redis, like the others
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1}) // nothing listens there
	t.Cleanup(func() { _ = dead.Close() })
	g := newGateway(t, sub, gatewayOptions{redis: dead, prefix: testPrefix(), noListen: true, redisTimeout: 100 * time.Millisecond})
	first := g.get(t, productQuery, map[string]any{"id": "p1"})
	second := g.get(t, productQuery, map[string]any{"id": "p1"})
	mustEqual(t, "body", string(first.body), `{"data":{"product":{"title":"Mug","stock":20}}}`)
	mustEqual(t, "second body", string(second.body), string(first.body))
	mustEqual(t, "catalog requests", sub.count("catalog"), 1)
	if g.store.Stats().Responses.RedisErrors == 0 {
		t.Fatal("Redis errors were not counted")
	}
}

// TestStockChangeReachesTheProduct purges Variants, as StockChanged does (alone, or several
// in a batch of events), and requires the responses that show only their Product to go too:
// the cache learnt they belong together from a response that showed the variant inside the
// product.
func TestStockChangeReachesTheProduct(t *testing.T) {
	for _, tc := range []struct {
		name string
		tags []string
	}{
		{"one variant", []string{cache.Tag("Variant", "p1-a")}},
		{"a batch of variants", []string{cache.Tag("Variant", "unknown-sku"), cache.Tag("Variant", "p1-a")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sub := newStub()
			rdb, prefix := redistest.Client(t), testPrefix()
			g := newGateway(t, sub, gatewayOptions{redis: rdb, prefix: prefix})
			const withVariants = `{ product(id: "p1") { title variants { sku price } } }`
			const titleOnly = `{ product(id: "p1") { title } }`
			g.get(t, withVariants, nil)
			g.get(t, titleOnly, nil)
			g.get(t, titleOnly, nil)
			mustEqual(t, "catalog requests before", sub.count("catalog"), 2)

			purger := cache.NewStore(cache.Options{Redis: rdb, Prefix: prefix})
			if err := purger.PurgeRelated(t.Context(), tc.tags...); err != nil {
				t.Fatal(err)
			}
			waitPurge(t, g, "Product:p1")
			g.get(t, titleOnly, nil)
			mustEqual(t, "catalog requests after the stock change", sub.count("catalog"), 3)
		})
	}
}

// tripCounter counts the round trips a Redis client makes (one per command or pipeline),
// leaving out the handshake of each new connection (HELLO, CLIENT SETINFO).
type tripCounter struct{ trips atomic.Int64 }

func handshake(cmd redis.Cmder) bool { return cmd.Name() == "hello" || cmd.Name() == "client" }

func (c *tripCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (c *tripCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if !handshake(cmd) {
			c.trips.Add(1)
		}
		return next(ctx, cmd)
	}
}
func (c *tripCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if len(cmds) > 0 && !handshake(cmds[0]) {
			c.trips.Add(1)
		}
		return next(ctx, cmds)
	}
}

// TestPurgeRoundTrips: a purge after a mutation stamps its tags and reads their entries and
// related tags in one round trip, then deletes and announces in another; related tags found
// cost one more.
func TestPurgeRoundTrips(t *testing.T) {
	sub := newStub()
	rdb, prefix := redistest.Client(t), testPrefix()
	g := newGateway(t, sub, gatewayOptions{redis: rdb, prefix: prefix})
	g.get(t, `{ product(id: "p1") { title variants { sku price } } }`, nil) // Variant p1-a is related to Product p1

	purgerClient := redis.NewClient(rdb.Options())
	t.Cleanup(func() { _ = purgerClient.Close() })
	counter := &tripCounter{}
	purgerClient.AddHook(counter)
	purger := cache.NewStore(cache.Options{Redis: purgerClient, Prefix: prefix})
	if err := purgerClient.Ping(t.Context()).Err(); err != nil { // the connection's handshake is not the purge's
		t.Fatal(err)
	}
	counter.trips.Store(0)

	if err := purger.PurgeRelated(t.Context(), cache.Tag("Order", "o1")); err != nil {
		t.Fatal(err)
	}
	mustEqual(t, "round trips of a purge with nothing related", counter.trips.Load(), int64(2))

	counter.trips.Store(0)
	if err := purger.PurgeRelated(t.Context(), cache.Tag("Variant", "p1-a"), cache.Tag("Order", "o1")); err != nil {
		t.Fatal(err)
	}
	mustEqual(t, "round trips of a purge with a related tag", counter.trips.Load(), int64(3))
	waitPurge(t, g, "Product:p1")
}
