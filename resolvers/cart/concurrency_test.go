package cartresolvers_test

import (
	"fmt"
	"sync"
	"testing"
)

// Of many changes quoting the same version at once, exactly one applies; the others are told
// the cart moved on and change nothing.
func TestConcurrentChangesOfOneVersionOneWins(t *testing.T) {
	f := newFixture(t)
	me := asCustomer(alice)
	c := f.customerCart(t, alice)
	const n = 16
	skus := make([]string, n)
	for i := range skus {
		skus[i] = fmt.Sprintf("CONC-%02d", i)
		f.prices.set(skus[i], f.prices.prices["MUG"])
	}
	payloads := make([]payload, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			payloads[i], _ = f.mutate(t, me, "addToCart", add(c.ID, c.Version, skus[i], 1))
		})
	}
	close(start)
	wg.Wait()

	won, conflicts := -1, 0
	for i, p := range payloads {
		switch p.code() {
		case "":
			if won >= 0 {
				t.Fatalf("two changes of version %d applied: %s and %s", c.Version, skus[won], skus[i])
			}
			won = i
		case "CART_VERSION_CONFLICT":
			conflicts++
		default:
			t.Fatalf("change %d: %+v", i, p.UserErrors)
		}
	}
	if won < 0 || conflicts != n-1 {
		t.Fatalf("%d won, %d conflicts; want 1 and %d", won+1, conflicts, n-1)
	}
	got := f.customerCart(t, alice)
	if got.Version != c.Version+1 || got.quantities() != skus[won]+"×1" {
		t.Fatalf("cart at version %d with %s; want version %d with only %s", got.Version, got.quantities(), c.Version+1, skus[won])
	}
}

func TestClientMutationIDReplay(t *testing.T) {
	f := newFixture(t)
	me := asCustomer(alice)
	c := f.customerCart(t, alice)
	first := with(add(c.ID, c.Version, "TEE-M", 2), "clientMutationId", "add-tee-1")

	v1 := f.mustMutate(t, me, "addToCart", first)
	// The retry quotes the version it read before the first attempt: still a no-op, not a
	// conflict, and the cart is returned as it is.
	p, resp := f.mutate(t, me, "addToCart", first)
	if len(resp.Errors) > 0 || len(p.UserErrors) > 0 || p.Cart == nil {
		t.Fatalf("replay: %+v %+v", resp.Errors, p.UserErrors)
	}
	if p.Cart.Version != v1.Version || p.Cart.quantities() != "TEE-M×2" || p.ClientMutationID == nil || *p.ClientMutationID != "add-tee-1" {
		t.Fatalf("replay returned version %d with %s, want version %d with TEE-M×2", p.Cart.Version, p.Cart.quantities(), v1.Version)
	}
	// A client that re-read the cart and retries with the new version is a replay too.
	if p, _ := f.mutate(t, me, "addToCart", with(first, "version", v1.Version)); p.code() != "" || p.Cart.quantities() != "TEE-M×2" {
		t.Fatalf("replay at the new version: %+v %s", p.UserErrors, p.Cart.quantities())
	}
	// The same id for another change is refused, and the cart is untouched.
	p, _ = f.mutate(t, me, "addToCart", with(add(c.ID, v1.Version, "MUG", 1), "clientMutationId", "add-tee-1"))
	if p.code() != "IDEMPOTENCY_CONFLICT" || p.Cart.Version != v1.Version {
		t.Fatalf("reused id: %+v, want IDEMPOTENCY_CONFLICT", p.UserErrors)
	}
	// Ids are per cart: another customer's cart can use the same id.
	bc := f.customerCart(t, bob)
	if v := f.mustMutate(t, asCustomer(bob), "addToCart", with(add(bc.ID, bc.Version, "MUG", 1), "clientMutationId", "add-tee-1")); v.quantities() != "MUG×1" {
		t.Fatalf("bob's cart %s", v.quantities())
	}
	// A refused change records nothing: once the cause is gone, the same id applies.
	p, _ = f.mutate(t, me, "removeCartLine", map[string]any{"cartId": c.ID, "version": v1.Version, "sku": "MUG", "clientMutationId": "rm-mug"})
	if p.code() != "CART_LINE_NOT_FOUND" {
		t.Fatalf("remove a missing line: %+v", p.UserErrors)
	}
	v2 := f.mustMutate(t, me, "addToCart", add(c.ID, v1.Version, "MUG", 1))
	if v := f.mustMutate(t, me, "removeCartLine", map[string]any{"cartId": c.ID, "version": v2.Version, "sku": "MUG", "clientMutationId": "rm-mug"}); v.quantities() != "TEE-M×2" {
		t.Fatalf("after remove: %s", v.quantities())
	}
}

// The same change sent many times at once (a client retrying on a flaky network) applies once
// and every copy succeeds.
func TestConcurrentReplaysApplyOnce(t *testing.T) {
	f := newFixture(t)
	me := asCustomer(alice)
	c := f.customerCart(t, alice)
	input := with(add(c.ID, c.Version, "TEE-L", 3), "clientMutationId", "burst")
	const n = 12
	payloads := make([]payload, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			payloads[i], _ = f.mutate(t, me, "addToCart", input)
		})
	}
	close(start)
	wg.Wait()
	for i, p := range payloads {
		if p.code() != "" || p.Cart == nil || p.Cart.quantities() != "TEE-L×3" || p.Cart.Version != c.Version+1 {
			t.Fatalf("copy %d: %+v %s", i, p.UserErrors, p.Cart.quantities())
		}
	}
}
