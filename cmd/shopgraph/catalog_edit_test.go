package main

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/gateway/server"
	identity "github.com/shopgraph/shopgraph/subgraphs/identity/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/trust"
)

// maxSearchLag bounds how long a committed price change may take to reorder search: the
// outbox relay's poll, the bus, and the indexer.
const maxSearchLag = 5 * time.Second

// TestPriceChangeReachesSearchThroughTheGateway signs staff in through /graphql, reprices the
// dearest product's variant to the cheapest price in the store, and waits for search, through
// the gateway, to sort it first and count it in the lowest price bucket. Customers and guests
// (and customers who claim a role in a header) are refused the same change.
func TestPriceChangeReachesSearchThroughTheGateway(t *testing.T) {
	const products = 30
	pool, _ := seedStore(t, products)
	ctx, cancel := context.WithCancel(context.Background())
	if err := identity.Seed(ctx, pool, 1); err != nil {
		t.Fatal(err)
	}
	if err := identity.SeedStaff(ctx, pool); err != nil {
		t.Fatal(err)
	}
	a := testApp(t, pool, appOptions{})
	wait := a.run(ctx)
	defer wait()
	defer cancel()
	mux, err := newMux(a, server.Config{DisableDedupe: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	url := srv.URL + "/graphql"

	login := func(email, password string) graphClient {
		r := graphClient{t: t, url: url}.do(`mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { token } }`,
			map[string]any{"e": email, "p": password}, nil)
		token, _ := at(r, "data", "login", "token").(string)
		if token == "" {
			t.Fatalf("login %s: %v", email, r)
		}
		return graphClient{t: t, url: url, token: token}
	}
	staff := login(identity.StaffEmail, identity.StaffPassword)
	customer := login(identity.SeedEmail(1), identity.SeedPassword)
	guest := graphClient{t: t, url: url}

	// The index is built from the catalog at start; wait for it before changing anything.
	const cheapest = `{ search(sort: PRICE_ASC, first: 1) { totalCount edges { node { id } } } }`
	deadline := time.Now().Add(30 * time.Second)
	for at(guest.do(cheapest, nil, nil), "data", "search", "totalCount") != float64(products) {
		if time.Now().After(deadline) {
			t.Fatal("the search index was not built within 30s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	r := guest.do(`{ search(sort: PRICE_DESC, first: 1) { edges { node { id priceRange { min { amount currency } } variants { sku } } } } }`, nil, nil)
	dearest, _ := at(r, "data", "search", "edges", 0, "node", "id").(string)
	sku, _ := at(r, "data", "search", "edges", 0, "node", "variants", 0, "sku").(string)
	currency, _ := at(r, "data", "search", "edges", 0, "node", "priceRange", "min", "currency").(string)
	if dearest == "" || sku == "" || currency == "" {
		t.Fatalf("dearest product: %v", r)
	}
	if first := at(guest.do(cheapest, nil, nil), "data", "search", "edges", 0, "node", "id"); first == dearest {
		t.Fatal("the dearest product already sorts first")
	}

	const reprice = `mutation($s: String!, $c: String!) { setVariantPrice(sku: $s, price: {amount: 1, currency: $c}) {
		variant { sku price { amount } product { id priceRange { min { amount } } } } userErrors { code } } }`
	vars := map[string]any{"s": sku, "c": currency}
	for name, refused := range map[string]struct {
		r    map[string]any
		code string
	}{
		"guest":                       {guest.do(reprice, vars, nil), "UNAUTHENTICATED"},
		"customer":                    {customer.do(reprice, vars, nil), "FORBIDDEN"},
		"customer claiming staff":     {customer.do(reprice, vars, map[string]string{trust.HeaderRole: trust.RoleStaff}), "FORBIDDEN"},
		"guest sending signed header": {guest.do(reprice, vars, map[string]string{trust.HeaderRole: trust.RoleStaff, trust.HeaderCustomer: identity.StaffID()}), "UNAUTHENTICATED"},
	} {
		if errorCode(refused.r) != refused.code {
			t.Fatalf("%s repricing: %v, want %s", name, refused.r, refused.code)
		}
	}

	r = staff.do(reprice, vars, nil)
	changed := time.Now()
	if at(r, "errors") != nil || at(r, "data", "setVariantPrice", "variant", "product", "priceRange", "min", "amount") != float64(1) {
		t.Fatalf("staff repricing: %v", r)
	}
	for {
		r := guest.do(cheapest, nil, nil)
		if at(r, "data", "search", "edges", 0, "node", "id") == dearest {
			break
		}
		if time.Since(changed) > maxSearchLag {
			t.Fatalf("search still sorts %v first %v after the price change", at(r, "data", "search", "edges", 0, "node", "id"), maxSearchLag)
		}
		time.Sleep(10 * time.Millisecond)
	}
	lag := time.Since(changed)
	t.Logf("price change to search order: %v", lag.Round(time.Millisecond))

	// The price facet counts it in the bucket of its new price, as a filter on price finds it.
	r = guest.do(`{ search(filter: {priceMax: 1}) { totalCount edges { node { id } } facets { prices { min max count } } } }`, nil, nil)
	if at(r, "data", "search", "totalCount") != float64(1) || at(r, "data", "search", "edges", 0, "node", "id") != dearest {
		t.Fatalf("search under a price of 1: %v", r)
	}
	buckets, _ := at(r, "data", "search", "facets", "prices").([]any)
	var inBucket float64
	for _, b := range buckets {
		lo, _ := at(b, "min").(float64)
		hi, bounded := at(b, "max").(float64)
		if lo <= 1 && (!bounded || 1 < hi) {
			inBucket, _ = at(b, "count").(float64)
		}
	}
	if inBucket != 1 {
		t.Fatalf("price facets %v: the bucket of 1 counts %v, want 1", buckets, inBucket)
	}
}
