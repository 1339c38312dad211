package cartresolvers_test

import (
	"testing"
)

// BenchmarkUpdateCartLine is one change through the subgraph: read, version bump, line
// write and mutation record in one transaction.
func BenchmarkUpdateCartLine(b *testing.B) {
	f := newFixture(b)
	me := asCustomer(alice)
	c := f.customerCart(b, alice)
	v := f.mustMutate(b, me, "addToCart", add(c.ID, c.Version, "MUG", 1))
	version := v.Version
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		p, resp := f.mutate(b, me, "updateCartLine", map[string]any{
			"cartId": c.ID, "version": version, "sku": "MUG", "quantity": i%999 + 1, "clientMutationId": "bench-" + itoa(i),
		})
		if len(resp.Errors) > 0 || p.Cart == nil {
			b.Fatalf("%+v %+v", resp.Errors, p.UserErrors)
		}
		version = p.Cart.Version
	}
}

// BenchmarkCartQuery reads a customer's cart of 50 lines.
func BenchmarkCartQuery(b *testing.B) {
	f := newFixture(b)
	me := asCustomer(alice)
	c := f.customerCart(b, alice)
	version := c.Version
	for i := range 50 {
		sku := "BENCH-" + itoa(i)
		f.prices.set(sku, f.prices.prices["MUG"])
		version = f.mustMutate(b, me, "addToCart", add(c.ID, version, sku, 1)).Version
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if got, resp := f.cart(b, me, ""); got == nil || len(got.Lines) != 50 {
			b.Fatalf("%+v", resp.Errors)
		}
	}
}
