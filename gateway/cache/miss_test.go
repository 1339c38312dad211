package cache_test

import (
	"context"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/shopgraph/shopgraph/subgraphs/redistest"
)

// holdWrites makes every Redis write of a miss (the pipelines running the write script) wait
// until release is closed; held counts those that started.
type holdWrites struct {
	release chan struct{}
	held    *atomic.Int64
}

func (h holdWrites) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (h holdWrites) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }

func (h holdWrites) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, c := range cmds {
			if c.Name() == "evalsha" { // the write script (a purge sends its stamp with EVAL)
				h.held.Add(1)
				<-h.release
				break
			}
		}
		return next(ctx, cmds)
	}
}

// getNoWait asks for query without waiting for the store's background writes.
func getNoWait(t *testing.T, g *gateway, query, vars string) response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, g.srv.URL+"/graphql?"+url.Values{"query": {query}, "variables": {vars}}.Encode(), nil)
	return send(t, req)
}

// TestMissAnswersBeforeRedisWrite holds every Redis write: misses must still be answered,
// the next identical request must hit the process, and a miss finding every writer busy must
// be dropped (and counted) rather than wait.
func TestMissAnswersBeforeRedisWrite(t *testing.T) {
	sub := newStub()
	rdb := redistest.Client(t)
	h := holdWrites{release: make(chan struct{}), held: &atomic.Int64{}}
	rdb.AddHook(h)
	prefix := testPrefix()
	g := newGateway(t, sub, gatewayOptions{redis: rdb, prefix: prefix, writers: 2})
	released := false
	release := func() {
		if !released {
			released = true
			close(h.release)
		}
	}
	t.Cleanup(func() { release(); g.store.Wait() })

	first := getNoWait(t, g, productQuery, `{"id":"p1"}`)
	mustEqual(t, "first body", string(first.body), `{"data":{"product":{"title":"Mug","stock":20}}}`)
	again := getNoWait(t, g, productQuery, `{"id":"p1"}`)
	mustEqual(t, "again body", string(again.body), string(first.body))
	mustEqual(t, "catalog requests", sub.count("catalog"), 1)
	st := g.store.Stats().Responses
	mustEqual(t, "local hits", st.LocalHits, uint64(1))

	// both writers are taken by p1's entity and response writes: p2's are dropped, at once
	other := getNoWait(t, g, productQuery, `{"id":"p2"}`)
	mustEqual(t, "other body", string(other.body), `{"data":{"product":{"title":"Tee","stock":20}}}`)
	stats := g.store.Stats()
	mustEqual(t, "response writes dropped", stats.Responses.WritesDropped, uint64(1))
	mustEqual(t, "entity writes dropped", stats.Entities.WritesDropped, uint64(1))

	// released, p1's write lands: another replica finds it in Redis
	release()
	g.store.Wait()
	mustEqual(t, "writes started", h.held.Load(), int64(2))
	b := newGateway(t, sub, gatewayOptions{redis: rdb, prefix: prefix})
	got := b.get(t, productQuery, map[string]any{"id": "p1"})
	mustEqual(t, "body from the other replica", string(got.body), string(first.body))
	mustEqual(t, "redis hits of the other replica", b.store.Stats().Responses.RedisHits, uint64(1))
	mustEqual(t, "catalog requests at the end", sub.count("catalog"), 2)
}

// TestSpellingsShareAnEntry sends one operation spelt four ways (whitespace, a name, a
// fragment, variables named differently in the document): one fetch. An alias changes the
// response, so it is another entry, with its own body.
func TestSpellingsShareAnEntry(t *testing.T) {
	sub := newStub()
	g := newGateway(t, sub, gatewayOptions{redis: redistest.Client(t), prefix: testPrefix()})
	vars := map[string]any{"id": "p1"}
	want := `{"data":{"product":{"title":"Mug","stock":20}}}`
	for _, q := range []string{
		productQuery,
		`query P($id: ID!) {
			product(id: $id) {
				title   # the name
				stock
			}
		}`,
		`query Other($id: ID!) { product(id: $id) { title stock } }`,
		`query P($id: ID!) { product(id: $id) { ...F } } fragment F on Product { title stock }`,
	} {
		got := g.get(t, q, vars)
		mustEqual(t, "body of "+q, string(got.body), want)
	}
	mustEqual(t, "catalog requests for four spellings", sub.count("catalog"), 1)

	aliased := g.get(t, `query P($id: ID!) { product(id: $id) { name: title stock } }`, vars)
	mustEqual(t, "aliased body", string(aliased.body), `{"data":{"product":{"name":"Mug","stock":20}}}`)
	mustEqual(t, "catalog requests after an alias", sub.count("catalog"), 2)
	st := g.store.Stats().Responses
	mustEqual(t, "stores", st.Stores, uint64(2))
}
