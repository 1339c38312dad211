package cartresolvers_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	cartresolvers "github.com/shopgraph/shopgraph/resolvers/cart"
	"github.com/shopgraph/shopgraph/subgraphs/cart"
	"github.com/shopgraph/shopgraph/subgraphs/cart/postgres"
)

func TestGuestCartLifecycle(t *testing.T) {
	f := newFixture(t)
	created, token := f.createGuestCart(t)
	if created.Version != 1 || len(created.Lines) != 0 || created.Currency != "EUR" {
		t.Fatalf("new cart %+v", created)
	}
	guest := asGuest(token)
	if c, _ := f.cart(t, guest, ""); c == nil || c.ID != created.ID {
		t.Fatalf("the token's cart is %+v, want %s", c, created.ID)
	}
	if c, resp := f.cart(t, asGuest(""), ""); c != nil || len(resp.Errors) > 0 {
		t.Fatalf("a guest without a token has cart %+v %+v, want null", c, resp.Errors)
	}

	c := f.mustMutate(t, guest, "addToCart", add(created.ID, 1, "TEE-M", 2))
	c = f.mustMutate(t, guest, "addToCart", add(created.ID, c.Version, "MUG", 1))
	c = f.mustMutate(t, guest, "addToCart", add(created.ID, c.Version, "TEE-M", 1))
	if c.Version != 4 || c.quantities() != "TEE-M×3 MUG×1" {
		t.Fatalf("after adds: version %d, lines %s", c.Version, c.quantities())
	}
	if c.Lines[0].Variant.Sku != "TEE-M" || c.Lines[0].Subtotal != (money{3 * 1999, "EUR"}) {
		t.Fatalf("line %+v", c.Lines[0])
	}
	if c.TotalQuantity != 4 || c.Subtotal != (money{3*1999 + 899, "EUR"}) {
		t.Fatalf("totals %d %+v", c.TotalQuantity, c.Subtotal)
	}

	c = f.mustMutate(t, guest, "updateCartLine", map[string]any{"cartId": created.ID, "version": c.Version, "sku": "MUG", "quantity": 5})
	c = f.mustMutate(t, guest, "removeCartLine", map[string]any{"cartId": created.ID, "version": c.Version, "sku": "TEE-M"})
	if c.Version != 6 || c.quantities() != "MUG×5" {
		t.Fatalf("after update and remove: version %d, lines %s", c.Version, c.quantities())
	}
	if read, _ := f.cart(t, guest, created.ID); read == nil || read.quantities() != "MUG×5" || read.Version != 6 {
		t.Fatalf("re-read %+v", read)
	}
}

func TestPriceSnapshot(t *testing.T) {
	f := newFixture(t)
	c := f.customerCart(t, alice)
	v := f.mustMutate(t, asCustomer(alice), "addToCart", add(c.ID, c.Version, "TEE-M", 1))
	f.prices.set("TEE-M", cart.Money{Amount: 2499, Currency: "EUR"})

	// The line keeps the price the shopper saw until the SKU is added again.
	v = f.mustMutate(t, asCustomer(alice), "updateCartLine", map[string]any{"cartId": c.ID, "version": v.Version, "sku": "TEE-M", "quantity": 2})
	if v.Lines[0].UnitPrice.Amount != 1999 {
		t.Fatalf("updating the quantity repriced the line: %+v", v.Lines[0].UnitPrice)
	}
	// A client quoting the old price learns it changed, and nothing changes.
	p, _ := f.mutate(t, asCustomer(alice), "addToCart", with(add(c.ID, v.Version, "TEE-M", 1), "unitPrice", map[string]any{"amount": 1999, "currency": "EUR"}))
	if p.code() != "PRICE_CHANGED" || p.Cart == nil || p.Cart.Version != v.Version || !strings.Contains(p.UserErrors[0].Message, "2499") {
		t.Fatalf("payload %+v, want PRICE_CHANGED with the cart unchanged", p)
	}
	v = f.mustMutate(t, asCustomer(alice), "addToCart", with(add(c.ID, v.Version, "TEE-M", 1), "unitPrice", map[string]any{"amount": 2499, "currency": "EUR"}))
	if v.Lines[0].UnitPrice.Amount != 2499 || v.Lines[0].Quantity != 3 {
		t.Fatalf("line %+v, want 3 at the new price", v.Lines[0])
	}
}

func TestMalformedInputIsBadUserInput(t *testing.T) {
	f := newFixture(t)
	c := f.customerCart(t, alice)
	me := asCustomer(alice)
	tests := []struct {
		name     string
		mutation string
		input    map[string]any
	}{
		{"quantity 0", "addToCart", add(c.ID, 1, "TEE-M", 0)},
		{"quantity 1000", "addToCart", add(c.ID, 1, "TEE-M", 1000)},
		{"negative quantity", "addToCart", add(c.ID, 1, "TEE-M", -1)},
		{"update to 0", "updateCartLine", add(c.ID, 1, "TEE-M", 0)},
		{"update to 1000", "updateCartLine", add(c.ID, 1, "TEE-M", 1000)},
		{"version 0", "addToCart", add(c.ID, 0, "TEE-M", 1)},
		{"cart id not an id", "addToCart", add("cart-1", 1, "TEE-M", 1)},
		{"empty sku", "addToCart", add(c.ID, 1, "", 1)},
		{"sku with spaces", "removeCartLine", map[string]any{"cartId": c.ID, "version": 1, "sku": "TEE M"}},
		{"sku too long", "addToCart", add(c.ID, 1, strings.Repeat("S", 65), 1)},
		{"price currency", "addToCart", with(add(c.ID, 1, "TEE-M", 1), "unitPrice", map[string]any{"amount": 1, "currency": "euro"})},
		{"client mutation id too long", "addToCart", with(add(c.ID, 1, "TEE-M", 1), "clientMutationId", strings.Repeat("x", 129))},
		{"guest token not a token", "mergeGuestCart", map[string]any{"guestToken": "nope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, resp := f.mutate(t, me, tt.mutation, tt.input)
			if resp.Code() != "BAD_USER_INPUT" {
				t.Fatalf("errors %+v, want BAD_USER_INPUT", resp.Errors)
			}
		})
	}
	if got := f.customerCart(t, alice); got.Version != 1 {
		t.Fatalf("a refused request changed the cart to version %d", got.Version)
	}
}

func TestRejectionsLeaveTheCartAsItWas(t *testing.T) {
	f := newFixture(t)
	me := asCustomer(alice)
	c := f.customerCart(t, alice)
	v := f.mustMutate(t, me, "addToCart", add(c.ID, 1, "TEE-M", 990))
	tests := []struct {
		name     string
		mutation string
		input    map[string]any
		wantCode string
		field    string
	}{
		{"stale version", "addToCart", add(c.ID, 1, "MUG", 1), "CART_VERSION_CONFLICT", "version"},
		{"version from the future", "addToCart", add(c.ID, 9, "MUG", 1), "CART_VERSION_CONFLICT", "version"},
		{"unknown sku", "addToCart", add(c.ID, v.Version, "NO-SUCH-SKU", 1), "UNKNOWN_SKU", "sku"},
		{"over 999 of one sku", "addToCart", add(c.ID, v.Version, "TEE-M", 10), "CART_LINE_QUANTITY_LIMIT", "quantity"},
		{"second currency", "addToCart", add(c.ID, v.Version, "CAP-USD", 1), "CURRENCY_MISMATCH", "sku"},
		{"update a line not there", "updateCartLine", add(c.ID, v.Version, "MUG", 2), "CART_LINE_NOT_FOUND", "sku"},
		{"remove a line not there", "removeCartLine", map[string]any{"cartId": c.ID, "version": v.Version, "sku": "MUG"}, "CART_LINE_NOT_FOUND", "sku"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, resp := f.mutate(t, me, tt.mutation, tt.input)
			if len(resp.Errors) > 0 || p.code() != tt.wantCode {
				t.Fatalf("errors %+v, userErrors %+v; want %s", resp.Errors, p.UserErrors, tt.wantCode)
			}
			if got := p.UserErrors[0].Field; len(got) != 2 || got[0] != "input" || got[1] != tt.field {
				t.Fatalf("field %v, want [input %s]", got, tt.field)
			}
			// The payload shows the cart as it stands, so the client can retry from it.
			if p.Cart == nil || p.Cart.Version != v.Version || p.Cart.quantities() != "TEE-M×990" {
				t.Fatalf("payload cart %+v, want version %d unchanged", p.Cart, v.Version)
			}
		})
	}
}

func TestLineLimit(t *testing.T) {
	f := newFixture(t)
	me := asCustomer(alice)
	c := f.customerCart(t, alice)
	// 499 lines straight into the table; the 500th and 501st go through the graph.
	if _, err := f.pool.Exec(context.Background(), `
		INSERT INTO cart.line (cart_id, sku, quantity, unit_price, currency)
		SELECT $1, 'BULK-' || i, 1, 100, 'EUR' FROM generate_series(1, 499) AS i`, c.ID); err != nil {
		t.Fatal(err)
	}
	v := f.mustMutate(t, me, "addToCart", add(c.ID, c.Version, "TEE-M", 1))
	if len(v.Lines) != 500 {
		t.Fatalf("%d lines, want 500", len(v.Lines))
	}
	p, _ := f.mutate(t, me, "addToCart", add(c.ID, v.Version, "MUG", 1))
	if p.code() != "CART_LINE_LIMIT" || len(p.Cart.Lines) != 500 {
		t.Fatalf("501st line: %+v, want CART_LINE_LIMIT with 500 lines kept", p.UserErrors)
	}
	// A full cart still takes more of a SKU it holds.
	if v = f.mustMutate(t, me, "addToCart", add(c.ID, v.Version, "TEE-M", 1)); v.Lines[499].Quantity != 2 {
		t.Fatalf("last line %+v", v.Lines[499])
	}
}

func TestServiceSDL(t *testing.T) {
	f := newFixture(t)
	resp := f.post(t, asGuest(""), `{ _service { sdl } }`, nil)
	var got struct {
		Service struct{ SDL string } `json:"_service"`
	}
	if err := json.Unmarshal(resp.Data, &got); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`@link(`,
		`type Cart @key(fields: "id")`,
		`type Variant @key(fields: "sku", resolvable: false)`,
		`type Money @shareable`,
		`type UserError @shareable`,
	} {
		if !strings.Contains(got.Service.SDL, want) {
			t.Errorf("sdl lacks %s", want)
		}
	}
}

func TestDatabaseOutageIsAnError(t *testing.T) {
	f := newFixture(t)
	c := f.customerCart(t, alice)
	cfg := f.pool.Config()
	broken, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	broken.Close()
	h := cartresolvers.NewHandler(postgres.NewStore(broken), f.prices, gatewaySecret)
	down := fixture{handler: h, pool: broken, prices: f.prices}

	_, resp := down.cart(t, asCustomer(alice), "")
	if resp.Code() != "INTERNAL_SERVER_ERROR" || strings.Contains(resp.Errors[0].Message, "pool") {
		t.Fatalf("errors %+v, want a masked INTERNAL_SERVER_ERROR", resp.Errors)
	}
	if _, resp := down.mutate(t, asCustomer(alice), "addToCart", add(c.ID, 1, "MUG", 1)); resp.Code() != "INTERNAL_SERVER_ERROR" {
		t.Fatalf("errors %+v, want INTERNAL_SERVER_ERROR", resp.Errors)
	}
}
