package postgres_test

import (
	"context"
	"testing"

	"github.com/shopgraph/shopgraph/subgraphs/orders"
	"github.com/shopgraph/shopgraph/subgraphs/orders/clients"
)

// A checked-out cart is emptied once, at the version checkout read, and only for its owner:
// a stale version, another customer, or a second time leave it as it is.
func TestCheckedOutEmptiesTheCartOnce(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.stock(t, "SKU-E", 5, 900)
	who := customer()
	id := f.cartOf(t, who, item{"SKU-E", 2})
	read := func() (lines, version int) {
		c, err := f.carts.CartOf(ctx, cartOwner(who))
		if err != nil {
			t.Fatal(err)
		}
		return len(c.Lines), c.Version
	}
	_, version := read()
	carts := clients.NewCarts(f.cartStore)
	for _, c := range []struct {
		name    string
		owner   string
		version int
	}{{"stale version", who, version - 1}, {"another customer", customer(), version}} {
		if err := carts.CheckedOut(ctx, orders.CartOwner{CustomerID: c.owner}, id, c.version, "01JORDER0000000000000000AA"); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if lines, v := read(); lines != 1 || v != version {
			t.Fatalf("%s: cart has %d lines at version %d, want 1 at %d", c.name, lines, v, version)
		}
	}
	for range 2 {
		if err := carts.CheckedOut(ctx, orders.CartOwner{CustomerID: who}, id, version, "01JORDER0000000000000000AA"); err != nil {
			t.Fatal(err)
		}
		if lines, v := read(); lines != 0 || v != version+1 {
			t.Fatalf("cart has %d lines at version %d, want 0 at %d", lines, v, version+1)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM cart.mutation WHERE cart_id = $1 AND client_mutation_id = $2`, id, "checkout:01JORDER0000000000000000AA"); n != 1 {
		t.Errorf("%d recorded mutations, want 1", n)
	}
}
