package cartresolvers_test

import (
	"context"
	"sync"
	"testing"
)

func TestMergeGuestCart(t *testing.T) {
	f := newFixture(t)
	me := asCustomer(alice)
	mine := f.customerCart(t, alice)
	v := f.mustMutate(t, me, "addToCart", add(mine.ID, mine.Version, "TEE-M", 600))
	v = f.mustMutate(t, me, "addToCart", add(mine.ID, v.Version, "MUG", 1))

	guestCart, token := f.createGuestCart(t)
	g := f.mustMutate(t, asGuest(token), "addToCart", add(guestCart.ID, 1, "TEE-M", 500))
	f.mustMutate(t, asGuest(token), "addToCart", add(guestCart.ID, g.Version, "TEE-L", 2))

	merge := map[string]any{"guestToken": token, "clientMutationId": "merge-1"}
	merged := f.mustMutate(t, me, "mergeGuestCart", merge)
	// Summed and capped at 999; the guest's other line is added after the customer's.
	if merged.ID != mine.ID || merged.quantities() != "TEE-M×999 MUG×1 TEE-L×2" || merged.Version != v.Version+1 {
		t.Fatalf("merged %s at version %d, want TEE-M×999 MUG×1 TEE-L×2 at %d", merged.quantities(), merged.Version, v.Version+1)
	}
	if merged.Lines[0].UnitPrice.Amount != 1999 {
		t.Fatalf("merged line price %+v", merged.Lines[0].UnitPrice)
	}
	// The guest cart is gone: its token opens nothing.
	if c, resp := f.cart(t, asGuest(token), ""); c != nil || len(resp.Errors) > 0 {
		t.Fatalf("guest cart after merge: %+v %+v", c, resp.Errors)
	}
	if _, resp := f.cart(t, asGuest(token), guestCart.ID); resp.Code() != "NOT_FOUND" {
		t.Fatalf("guest cart by id after merge: %+v", resp.Errors)
	}
	var left int
	if err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM cart.line WHERE cart_id = $1`, guestCart.ID).Scan(&left); err != nil || left != 0 {
		t.Fatalf("%d guest lines left (%v)", left, err)
	}

	// A retried merge returns the merged cart; a new merge of the same token finds nothing.
	if again := f.mustMutate(t, me, "mergeGuestCart", merge); again.Version != merged.Version || again.quantities() != merged.quantities() {
		t.Fatalf("replayed merge: %s at %d", again.quantities(), again.Version)
	}
	p, _ := f.mutate(t, me, "mergeGuestCart", map[string]any{"guestToken": token, "clientMutationId": "merge-2"})
	if p.code() != "GUEST_CART_NOT_FOUND" || p.Cart == nil || p.Cart.Version != merged.Version {
		t.Fatalf("second merge: %+v", p)
	}
}

func TestMergeIntoACustomerWithoutCart(t *testing.T) {
	f := newFixture(t)
	guestCart, token := f.createGuestCart(t)
	f.mustMutate(t, asGuest(token), "addToCart", add(guestCart.ID, 1, "CAP-USD", 2))
	merged := f.mustMutate(t, asCustomer(bob), "mergeGuestCart", map[string]any{"guestToken": token})
	if merged.ID == guestCart.ID || merged.quantities() != "CAP-USD×2" || merged.Currency != "USD" {
		t.Fatalf("merged %+v", merged)
	}
	if mine := f.customerCart(t, bob); mine.ID != merged.ID {
		t.Fatalf("bob's cart is %s, the merge went to %s", mine.ID, merged.ID)
	}
}

func TestRefusedMergeKeepsBothCarts(t *testing.T) {
	f := newFixture(t)
	me := asCustomer(alice)
	mine := f.customerCart(t, alice)
	f.mustMutate(t, me, "addToCart", add(mine.ID, mine.Version, "MUG", 1))
	guestCart, token := f.createGuestCart(t)
	f.mustMutate(t, asGuest(token), "addToCart", add(guestCart.ID, 1, "CAP-USD", 1))

	p, _ := f.mutate(t, me, "mergeGuestCart", map[string]any{"guestToken": token})
	if p.code() != "CURRENCY_MISMATCH" || p.Cart == nil || p.Cart.quantities() != "MUG×1" {
		t.Fatalf("merge in two currencies: %+v", p)
	}
	if g, _ := f.cart(t, asGuest(token), ""); g == nil || g.quantities() != "CAP-USD×1" {
		t.Fatalf("guest cart after a refused merge: %+v", g)
	}

	// Over 500 lines together: refused as a whole.
	if _, err := f.pool.Exec(context.Background(), `
		INSERT INTO cart.line (cart_id, sku, quantity, unit_price, currency)
		SELECT $1, 'BULK-' || i, 1, 100, 'EUR' FROM generate_series(1, 499) AS i`, mine.ID); err != nil {
		t.Fatal(err)
	}
	full, token2 := f.createGuestCart(t)
	g := f.mustMutate(t, asGuest(token2), "addToCart", add(full.ID, 1, "TEE-M", 1))
	f.mustMutate(t, asGuest(token2), "addToCart", add(full.ID, g.Version, "TEE-L", 1))
	p, _ = f.mutate(t, me, "mergeGuestCart", map[string]any{"guestToken": token2})
	if p.code() != "CART_LINE_LIMIT" || len(p.Cart.Lines) != 500 {
		t.Fatalf("merge over 500 lines: %+v (%d lines)", p.UserErrors, len(p.Cart.Lines))
	}
}

func TestMergeNeedsASignedInCustomer(t *testing.T) {
	f := newFixture(t)
	_, token := f.createGuestCart(t)
	_, resp := f.mutate(t, asGuest(token), "mergeGuestCart", map[string]any{"guestToken": token})
	if resp.Code() != "UNAUTHENTICATED" {
		t.Fatalf("guest merge: %+v", resp.Errors)
	}
}

// Two customers racing to merge the same guest cart: one gets its lines, the other finds it
// gone; no line lands in both carts.
func TestConcurrentMergesOfOneGuestCart(t *testing.T) {
	f := newFixture(t)
	guestCart, token := f.createGuestCart(t)
	f.mustMutate(t, asGuest(token), "addToCart", add(guestCart.ID, 1, "MUG", 4))
	customers := []string{alice, bob}
	results := make([]payload, len(customers))
	var wg sync.WaitGroup
	for i, c := range customers {
		wg.Go(func() {
			results[i], _ = f.mutate(t, asCustomer(c), "mergeGuestCart", map[string]any{"guestToken": token})
		})
	}
	wg.Wait()
	got := 0
	for i, p := range results {
		switch {
		case p.code() == "" && p.Cart.quantities() == "MUG×4":
			got++
		case p.code() == "GUEST_CART_NOT_FOUND" && p.Cart.quantities() == "":
		default:
			t.Fatalf("%s: %+v %s", customers[i], p.UserErrors, p.Cart.quantities())
		}
	}
	if got != 1 {
		t.Fatalf("%d customers got the guest's lines, want 1", got)
	}
}
