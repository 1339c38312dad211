package ordersresolvers_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/shopgraph/shopgraph/resolvers/graphqltest"

	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/cart"
	"github.com/shopgraph/shopgraph/subgraphs/payments"
	"github.com/shopgraph/shopgraph/subgraphs/trust"
)

// Checkout over HTTP with the key in the Idempotency-Key header: the order comes back paid with
// its history, and a retry with the header replays it without charging again.
func TestCheckoutWithIdempotencyKeyHeader(t *testing.T) {
	f := newFixture(t)
	cartID := f.cartOf(t, alice, 2)
	headers := map[string]string{"Idempotency-Key": "key-1"}
	first := decode[checkoutData](t, f.post(t, alice, headers, checkoutMutation, checkoutInput(cartID, nil)))
	o := first.Checkout.Order
	if o == nil || o.Status != "PAID" || o.Total.Amount != 2*1250+499 || len(o.StatusHistory) != 2 || len(first.Checkout.UserErrors) != 0 {
		t.Fatalf("checkout = %+v", first.Checkout)
	}
	again := decode[checkoutData](t, f.post(t, alice, headers, checkoutMutation, checkoutInput(cartID, nil)))
	if again.Checkout.Order == nil || again.Checkout.Order.ID != o.ID {
		t.Fatalf("retry = %+v, want order %s", again.Checkout, o.ID)
	}
	if n := f.prov.Executed(payments.OpAuthorize); n != 1 {
		t.Errorf("provider authorized %d times, want 1", n)
	}
}

func TestCheckoutRefusals(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name     string
		customer string
		headers  map[string]string
		input    func(cartID string) map[string]any
		wantErr  string // top-level extensions.code
		wantUser string // userErrors code
	}{
		{"no idempotency key", alice, nil, func(c string) map[string]any { return checkoutInput(c, nil) }, "BAD_USER_INPUT", ""},
		{"key in header and input differ", alice, map[string]string{"Idempotency-Key": "a"},
			func(c string) map[string]any { return checkoutInput(c, map[string]any{"idempotencyKey": "b"}) }, "BAD_USER_INPUT", ""},
		{"two payment methods", alice, nil, func(c string) map[string]any {
			return checkoutInput(c, map[string]any{"idempotencyKey": "k2", "paymentMethod": map[string]any{"token": "pm_x", "cardNumber": "4242424242424242"}})
		}, "BAD_USER_INPUT", ""},
		{"bad country", alice, nil, func(c string) map[string]any {
			in := checkoutInput(c, map[string]any{"idempotencyKey": "k3"})
			in["input"].(map[string]any)["shippingAddress"].(map[string]any)["country"] = "Germany"
			return in
		}, "BAD_USER_INPUT", ""},
		{"another customer's cart", bob, nil, func(c string) map[string]any { return checkoutInput(c, map[string]any{"idempotencyKey": "k4"}) }, "NOT_FOUND", ""},
		{"guest without cart token", "", nil, func(c string) map[string]any { return checkoutInput(c, map[string]any{"idempotencyKey": "k5"}) }, "NOT_FOUND", ""},
		{"out of stock", carol, nil, func(string) map[string]any {
			return checkoutInput(f.cartOf(t, carol, 51), map[string]any{"idempotencyKey": "k6"})
		}, "", "OUT_OF_STOCK"},
		{"declined", alice, nil, func(c string) map[string]any {
			return checkoutInput(c, map[string]any{"idempotencyKey": "k7", "paymentMethod": map[string]any{"cardNumber": "4000000000000002"}})
		}, "", "PAYMENT_DECLINED"},
	}
	cartID := f.cartOf(t, alice, 1)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := f.post(t, tc.customer, tc.headers, checkoutMutation, tc.input(cartID))
			if r.Code() != tc.wantErr {
				t.Fatalf("errors = %+v, want code %q", r.Errors, tc.wantErr)
			}
			if tc.wantErr != "" {
				return
			}
			d := decode[checkoutData](t, r)
			if len(d.Checkout.UserErrors) != 1 || d.Checkout.UserErrors[0].Code != tc.wantUser || d.Checkout.Order != nil {
				t.Fatalf("checkout = %+v, want %s", d.Checkout, tc.wantUser)
			}
			if tc.wantUser == "OUT_OF_STOCK" && (len(d.Checkout.UnavailableLines) != 1 || d.Checkout.UnavailableLines[0].Requested != 51) {
				t.Errorf("unavailable lines = %+v", d.Checkout.UnavailableLines)
			}
		})
	}
}

const orderQuery = `query($id: ID!) { order(id: $id) { id status lines { sku } statusHistory { status at } } }`

// A customer sees their own orders; another customer's order is NOT_FOUND, exactly like one
// that does not exist, and guests are UNAUTHENTICATED.
func TestOrderIsTheCustomersOnly(t *testing.T) {
	f := newFixture(t)
	placed := decode[checkoutData](t, f.post(t, alice, nil, checkoutMutation, checkoutInput(f.cartOf(t, alice, 1), map[string]any{"idempotencyKey": "a1"})))
	id := placed.Checkout.Order.ID

	own := decode[struct{ Order struct{ ID, Status string } }](t, f.post(t, alice, nil, orderQuery, map[string]any{"id": id}))
	if own.Order.ID != id || own.Order.Status != "PAID" {
		t.Fatalf("own order = %+v", own.Order)
	}
	cases := []struct {
		name, customer, id, want string
	}{
		{"another customer's order", bob, id, "NOT_FOUND"},
		{"an order that does not exist", bob, ulid.Make().String(), "NOT_FOUND"},
		{"a malformed id", alice, "42", "BAD_USER_INPUT"},
		{"a guest", "", id, "UNAUTHENTICATED"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := f.post(t, tc.customer, nil, orderQuery, map[string]any{"id": tc.id})
			if r.Code() != tc.want {
				t.Fatalf("errors = %+v, want %s", r.Errors, tc.want)
			}
			var d struct{ Order *json.RawMessage }
			_ = json.Unmarshal(r.Data, &d)
			if d.Order != nil && string(*d.Order) != "null" {
				t.Errorf("data leaked: %s", *d.Order)
			}
		})
	}
	// Through the entity lookup the gateway uses, too.
	ent := f.post(t, bob, nil, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id status } } }`,
		map[string]any{"r": []map[string]any{{"__typename": "Order", "id": id}}})
	if ent.Code() != "NOT_FOUND" {
		t.Errorf("entity lookup by another customer = %+v, want NOT_FOUND", ent.Errors)
	}
}

// orders pages newest first with opaque cursors.
func TestOrdersPages(t *testing.T) {
	f := newFixture(t)
	var ids []string
	for i := range 3 {
		d := decode[checkoutData](t, f.post(t, alice, nil, checkoutMutation, checkoutInput(f.cartOf(t, alice, 1), map[string]any{"idempotencyKey": string(rune('a' + i))})))
		ids = append(ids, d.Checkout.Order.ID)
	}
	decode[checkoutData](t, f.post(t, bob, nil, checkoutMutation, checkoutInput(f.cartOf(t, bob, 1), map[string]any{"idempotencyKey": "b"})))
	type page struct {
		Orders struct {
			Edges []struct {
				Cursor string
				Node   struct{ ID string }
			}
			PageInfo struct {
				HasNextPage bool
				EndCursor   *string
			}
		}
	}
	const q = `query($first: Int, $after: String) { orders(first: $first, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`
	p1 := decode[page](t, f.post(t, alice, nil, q, map[string]any{"first": 2}))
	if len(p1.Orders.Edges) != 2 || p1.Orders.Edges[0].Node.ID != ids[2] || p1.Orders.Edges[1].Node.ID != ids[1] || !p1.Orders.PageInfo.HasNextPage {
		t.Fatalf("page 1 = %+v", p1.Orders)
	}
	p2 := decode[page](t, f.post(t, alice, nil, q, map[string]any{"first": 2, "after": *p1.Orders.PageInfo.EndCursor}))
	if len(p2.Orders.Edges) != 1 || p2.Orders.Edges[0].Node.ID != ids[0] || p2.Orders.PageInfo.HasNextPage {
		t.Fatalf("page 2 = %+v", p2.Orders)
	}
	for _, vars := range []map[string]any{{"first": 0}, {"first": 101}, {"after": "bm90LWEtY3Vyc29y"}} {
		if r := f.post(t, alice, nil, q, vars); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("orders(%v) errors = %+v, want BAD_USER_INPUT", vars, r.Errors)
		}
	}
}

// A guest checks out the cart of their X-Cart-Token: the order comes back in the payload, the
// key's scope is the token's (another guest's same key is their own), and order(id) needs a
// sign-in.
func TestGuestCheckout(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c, token, err := f.carts.CreateGuestCart(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.carts.AddToCart(ctx, cart.NewOwner("", token), cart.AddToCart{CartID: c.ID, Version: c.Version, SKU: "MUG", Quantity: 1}); err != nil {
		t.Fatal(err)
	}
	headers := map[string]string{trust.HeaderCartToken: token, "Idempotency-Key": "guest-1"}
	d := decode[checkoutData](t, f.post(t, "", headers, checkoutMutation, checkoutInput(c.ID, nil)))
	if d.Checkout.Order == nil || d.Checkout.Order.Status != "PAID" {
		t.Fatalf("guest checkout = %+v", d.Checkout)
	}
	// Another guest, with a token of their own, cannot replay the first guest's checkout.
	_, other, err := f.carts.CreateGuestCart(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r := f.post(t, "", map[string]string{trust.HeaderCartToken: other, "Idempotency-Key": "guest-1"}, checkoutMutation, checkoutInput(c.ID, nil))
	if r.Code() != "NOT_FOUND" {
		t.Errorf("other guest's replay = %+v, want NOT_FOUND", r.Errors)
	}
	if r := f.post(t, "", headers, orderQuery, map[string]any{"id": d.Checkout.Order.ID}); r.Code() != "UNAUTHENTICATED" {
		t.Errorf("guest order(id) = %+v, want UNAUTHENTICATED", r.Errors)
	}
}

// The gateway resolves a page of orders in one _entities call: one query for the orders and
// one for their histories, however many there are.
func TestOrderEntitiesAreBatched(t *testing.T) {
	f := newFixture(t)
	var reps []map[string]any
	for i := range 4 {
		d := decode[checkoutData](t, f.post(t, alice, nil, checkoutMutation, checkoutInput(f.cartOf(t, alice, 1), map[string]any{"idempotencyKey": string(rune('p' + i))})))
		reps = append(reps, map[string]any{"__typename": "Order", "id": d.Checkout.Order.ID})
	}
	f.queries.reset()
	r := f.post(t, alice, nil, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id status statusHistory { status } } } }`, map[string]any{"r": reps})
	var d struct {
		Entities []struct {
			ID            string
			StatusHistory []struct{ Status string }
		} `json:"_entities"`
	}
	if len(r.Errors) > 0 || json.Unmarshal(r.Data, &d) != nil || len(d.Entities) != 4 || len(d.Entities[3].StatusHistory) != 2 {
		t.Fatalf("entities = %s, %+v", r.Data, r.Errors)
	}
	if got := f.queries.reset(); got[`"order"`] != 1 || got["order_status"] != 1 {
		t.Errorf("queries = %v, want one for orders and one for histories", got)
	}

	// An unknown or malformed id fails its own entity; the others still resolve.
	mixed := []map[string]any{reps[0], {"__typename": "Order", "id": ulid.Make().String()}, {"__typename": "Order", "id": "nope"}}
	r = f.post(t, alice, nil, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id statusHistory { status } } } }`, map[string]any{"r": mixed})
	var m struct {
		Entities []*struct{ ID string } `json:"_entities"`
	}
	if err := json.Unmarshal(r.Data, &m); err != nil || len(m.Entities) != 3 || m.Entities[0] == nil || m.Entities[0].ID != reps[0]["id"] || m.Entities[1] != nil || m.Entities[2] != nil {
		t.Fatalf("mixed entities = %s", r.Data)
	}
	if len(r.Errors) != 2 || r.Errors[0].Extensions["code"] == nil || r.Errors[1].Extensions["code"] == nil {
		t.Errorf("mixed entity errors = %+v, want one per failed entity, each with a code", r.Errors)
	}
}

// With the database gone, requests fail with a masked internal error, never a crash or SQL.
func TestDatabaseOutage(t *testing.T) {
	f := newFixture(t)
	cartID := f.cartOf(t, alice, 1)
	f.pool.Close()
	for name, r := range map[string]graphqltest.Response{
		"checkout": f.post(t, alice, nil, checkoutMutation, checkoutInput(cartID, map[string]any{"idempotencyKey": "down"})),
		"order":    f.post(t, alice, nil, orderQuery, map[string]any{"id": ulid.Make().String()}),
		"orders":   f.post(t, alice, nil, `{ orders { edges { node { id } } } }`, nil),
	} {
		if r.Code() != "INTERNAL_SERVER_ERROR" || strings.Contains(r.Errors[0].Message, "pool") {
			t.Errorf("%s: errors = %+v, want a masked INTERNAL_SERVER_ERROR", name, r.Errors)
		}
	}
}
