package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/gateway/cache"
	"github.com/shopgraph/shopgraph/gateway/server"
	catalogdomain "github.com/shopgraph/shopgraph/subgraphs/catalog"
	catalog "github.com/shopgraph/shopgraph/subgraphs/catalog/postgres"
)

// maxPurgeLag bounds how long a committed price change may take to leave every gateway's
// cache: the outbox relay's poll (200ms), the bus, the purger and the purge channel.
const maxPurgeLag = time.Second

// TestPriceChangeLeavesEveryGatewayCache serves one product page through two gateways that
// share Redis, caches it in both, commits a new price in the catalog (which writes
// ProductChanged to its outbox, as staff tools do) and requires both gateways to serve the
// new price within maxPurgeLag, waiting on the purges themselves rather than polling.
func TestPriceChangeLeavesEveryGatewayCache(t *testing.T) {
	pool, skus := seedStore(t, 5)
	ctx, cancel := context.WithCancel(context.Background())
	a := testApp(t, pool, appOptions{})

	prefix := "test:edge-cache:" + ulid.Make().String() + ":"
	type replica struct {
		srv    *httptest.Server
		purged chan []string
		stats  func() cache.Stats
	}
	replicas := make([]*replica, 2)
	for i := range replicas {
		r := &replica{purged: make(chan []string, 64)}
		flags := cacheFlags{on: true, local: true, localBytes: 8 << 20, staleFor: time.Minute, prefix: prefix,
			onPurge: func(tags []string) { r.purged <- tags }}
		gw := server.Config{DisableDedupe: true}
		a.workers = append(a.workers, flags.attach(&gw, a.rdb, a.bus.JetStream())...)
		r.stats = gw.Cache.Store.Stats
		mux, err := newMux(a, gw)
		if err != nil {
			t.Fatal(err)
		}
		r.srv = httptest.NewServer(mux)
		defer r.srv.Close()
		replicas[i] = r
	}
	wait := a.run(ctx)
	defer wait()
	defer cancel()

	const page = `query Page($sku: String!) { variant(sku: $sku) { product { id title variants { sku price { amount currency } } } } }`
	get := func(r *replica) (body map[string]any, cacheControl string) {
		t.Helper()
		vars, _ := json.Marshal(map[string]any{"sku": skus[0]})
		resp, err := http.Get(r.srv.URL + "/graphql?" + url.Values{"query": {page}, "variables": {string(vars)}}.Encode())
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		return body, resp.Header.Get("Cache-Control")
	}
	price := func(body map[string]any) any {
		return at(body, "data", "variant", "product", "variants", 0, "price", "amount")
	}
	first, cc := get(replicas[0])
	productID, _ := at(first, "data", "variant", "product", "id").(string)
	sku, _ := at(first, "data", "variant", "product", "variants", 0, "sku").(string)
	currency, _ := at(first, "data", "variant", "product", "variants", 0, "price", "currency").(string)
	if productID == "" || sku == "" || currency == "" {
		t.Fatalf("product page: %v", first)
	}
	if cc != "public, max-age=60" {
		t.Fatalf("Cache-Control = %q, want public, max-age=60", cc)
	}
	for i, r := range replicas {
		get(r)
		if body, _ := get(r); price(body) != price(first) {
			t.Fatalf("cached page %v, want %v", body, first)
		}
		if hits := r.stats().Responses.LocalHits; hits == 0 {
			t.Fatalf("gateway %d answered no request from its cache", i)
		}
	}
	newPrice := int64(1)
	if price(first) == float64(newPrice) {
		newPrice = 2
	}

	start := time.Now()
	if _, err := catalog.NewStore(pool).SetVariantPrice(ctx, catalogdomain.PriceChange{SKU: sku,
		Price: catalogdomain.Money{Amount: newPrice, Currency: currency}}); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(5 * time.Second)
	for i, r := range replicas {
	wait:
		for {
			select {
			case tags := <-r.purged:
				for _, tag := range tags {
					if tag == cache.Tag("Product", productID) {
						break wait
					}
				}
			case <-deadline:
				t.Fatalf("gateway %d was not told of the price change within 5s", i)
			}
		}
	}
	for i, r := range replicas {
		if body, _ := get(r); price(body) != float64(newPrice) {
			t.Fatalf("gateway %d serves %v after the purge, want price %d", i, body, newPrice)
		}
	}
	lag := time.Since(start)
	t.Logf("a committed price change was served by both gateways after %v", lag)
	if lag > maxPurgeLag {
		t.Fatalf("the new price took %v to reach both gateways, want at most %v", lag, maxPurgeLag)
	}
}
