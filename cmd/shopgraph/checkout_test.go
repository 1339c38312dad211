package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/shopgraph/shopgraph/gateway/server"
	identity "github.com/shopgraph/shopgraph/subgraphs/identity/postgres"
)

// graphClient posts operations to the store's /graphql as one caller.
type graphClient struct {
	t     *testing.T
	url   string
	token string
}

func (c graphClient) do(query string, vars map[string]any, headers map[string]string) map[string]any {
	c.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, c.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		c.t.Fatal(err)
	}
	return out
}

// at walks a decoded response: at(r, "data", "cart", "id").
func at(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func errorCode(r map[string]any) string {
	code, _ := at(r, "errors", 0, "extensions", "code").(string)
	return code
}

// TestCheckoutThroughTheGateway signs two customers in through /graphql; one fills a cart and
// checks out (holds, payment, order, capture), a retry with the same key returns the same order,
// and the other customer can see neither that cart nor that order.
func TestCheckoutThroughTheGateway(t *testing.T) {
	pool, skus := seedStore(t, 30)
	ctx := context.Background()
	if err := identity.Seed(ctx, pool, 2); err != nil {
		t.Fatal(err)
	}
	if err := identity.SeedStaff(ctx, pool); err != nil {
		t.Fatal(err)
	}
	a := testApp(t, pool, appOptions{})
	mux, err := newMux(a, server.Config{})
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
	alice, bob := login(identity.SeedEmail(1), identity.SeedPassword), login(identity.SeedEmail(2), identity.SeedPassword)
	staff := login(identity.StaffEmail, identity.StaffPassword)
	if r := staff.do(`{ me { role } }`, nil, nil); at(r, "data", "me", "role") != "STAFF" {
		t.Fatalf("staff me: %v, want role STAFF", r)
	}
	if r := alice.do(`{ me { role } }`, nil, nil); at(r, "data", "me", "role") != "CUSTOMER" {
		t.Fatalf("customer me: %v, want role CUSTOMER", r)
	}

	// An in-stock SKU, restocked by staff so the test does not depend on the seed's stock.
	// Customers and guests may not restock, and their attempts change nothing.
	sku := skus[0]
	r := alice.do(`{ fulfillmentCenters { id } }`, nil, nil)
	center, _ := at(r, "data", "fulfillmentCenters", 0, "id").(string)
	const restock = `mutation($s: String!, $c: ID!) { restock(input: {sku: $s, fulfillmentCenterId: $c, quantity: 5}) { stockLevel { onHand } userErrors { code } } }`
	stockNow := func() float64 {
		t.Helper()
		var onHand float64
		if err := pool.QueryRow(ctx, `SELECT coalesce(sum(on_hand), 0) FROM inventory.stock WHERE sku = $1`, sku).Scan(&onHand); err != nil {
			t.Fatal(err)
		}
		return onHand
	}
	before := stockNow()
	restockVars := map[string]any{"s": sku, "c": center}
	for name, tt := range map[string]struct {
		c    graphClient
		want string
	}{
		"guest":    {graphClient{t: t, url: url}, "UNAUTHENTICATED"},
		"customer": {alice, "FORBIDDEN"},
	} {
		if r := tt.c.do(restock, restockVars, nil); errorCode(r) != tt.want {
			t.Fatalf("restock by a %s: %v, want %s", name, r, tt.want)
		}
	}
	if got := stockNow(); got != before {
		t.Fatalf("refused restocks moved stock on hand of %s from %v to %v", sku, before, got)
	}
	r = staff.do(restock, restockVars, nil)
	if at(r, "errors") != nil || at(r, "data", "restock", "userErrors", 0) != nil || at(r, "data", "restock", "stockLevel", "onHand") == nil {
		t.Fatalf("staff restock: %v", r)
	}
	if got := stockNow(); got != before+5 {
		t.Fatalf("stock on hand of %s after a staff restock = %v, want %v", sku, got, before+5)
	}

	r = alice.do(`{ cart { id version } }`, nil, nil)
	cartID, _ := at(r, "data", "cart", "id").(string)
	version := at(r, "data", "cart", "version")
	r = alice.do(`mutation($c: ID!, $v: Int!, $s: String!) { addToCart(input: {cartId: $c, version: $v, sku: $s, quantity: 2, clientMutationId: "t1"}) { cart { lines { sku quantity variant { sku inStock } } } userErrors { code } } }`,
		map[string]any{"c": cartID, "v": version, "s": sku}, nil)
	if inStock := at(r, "data", "addToCart", "cart", "lines", 0, "variant", "inStock"); inStock != true {
		t.Fatalf("cart line does not join the variant's stock through the gateway: %v", r)
	}

	if r := bob.do(`query($c: ID) { cart(id: $c) { id } }`, map[string]any{"c": cartID}, nil); errorCode(r) != "NOT_FOUND" {
		t.Fatalf("another customer's cart: %v, want NOT_FOUND", r)
	}

	checkout := `mutation($c: ID!) { checkout(input: {cartId: $c,
		shippingAddress: {name: "Ada", line1: "Dam 1", city: "Amsterdam", postalCode: "1012", country: "NL", latitude: 52.37, longitude: 4.89},
		paymentMethod: {cardNumber: "4242424242424242"}}) {
		order { id status payment { status capturedAmount { amount } } total { amount } } userErrors { code message } } }`
	key := map[string]string{"Idempotency-Key": fmt.Sprintf("checkout-test-%s", cartID)}
	first := alice.do(checkout, map[string]any{"c": cartID}, key)
	orderID, _ := at(first, "data", "checkout", "order", "id").(string)
	if orderID == "" || at(first, "data", "checkout", "order", "status") != "PAID" ||
		at(first, "data", "checkout", "order", "payment", "status") != "CAPTURED" {
		t.Fatalf("checkout: %v", first)
	}
	if captured, total := at(first, "data", "checkout", "order", "payment", "capturedAmount", "amount"), at(first, "data", "checkout", "order", "total", "amount"); captured != total {
		t.Fatalf("captured %v, order total %v", captured, total)
	}

	retry := alice.do(checkout, map[string]any{"c": cartID}, key)
	if at(retry, "data", "checkout", "order", "id") != orderID || at(retry, "data", "checkout", "order", "payment", "status") != "CAPTURED" {
		t.Fatalf("a retry with the same key gave %v, want order %s, its payment CAPTURED", retry, orderID)
	}
	// The checkout answer's payment status comes from orders (@provides); payments, which owns
	// it, says the same when asked for the order.
	if r := alice.do(`query($o: ID!) { order(id: $o) { payment { status } } }`, map[string]any{"o": orderID}, nil); at(r, "data", "order", "payment", "status") != "CAPTURED" {
		t.Fatalf("the order's payment as payments has it: %v, want CAPTURED", r)
	}
	var captures int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM payments.ledger_entry WHERE operation = 'CAPTURE'`).Scan(&captures); err != nil {
		t.Fatal(err)
	}
	if captures != 1 {
		t.Fatalf("ledger holds %d captures after a retried checkout, want 1", captures)
	}

	if r := bob.do(`query($o: ID!) { order(id: $o) { id } }`, map[string]any{"o": orderID}, nil); errorCode(r) != "NOT_FOUND" || at(r, "data", "order") != nil {
		t.Fatalf("another customer's order: %v, want NOT_FOUND", r)
	}
	if r := alice.do(`{ orders(first: 5) { edges { node { id status } } } }`, nil, nil); at(r, "data", "orders", "edges", 0, "node", "id") != orderID {
		t.Fatalf("orders of the customer: %v", r)
	}
}
