package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/shopgraph/shopgraph/subgraphs/cart/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
)

// BenchmarkCustomerCart reads a customer's cart of three lines, as checkout does: one
// statement whose rows (cart columns and a line each) are scanned into carts.
func BenchmarkCustomerCart(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.NewPool(b, nil, postgres.Domain)
	store := postgres.NewStore(pool)
	c, err := store.CustomerCart(ctx, "cus_bench")
	if err != nil {
		b.Fatal(err)
	}
	for i := range 3 {
		if _, err := pool.Exec(ctx, `INSERT INTO cart.line (cart_id, sku, quantity, unit_price, currency) VALUES ($1, $2, $3, 999, 'EUR')`,
			c.ID, fmt.Sprintf("SKU-%d", i), i+1); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if got, err := store.CustomerCart(ctx, "cus_bench"); err != nil || len(got.Lines) != 3 {
			b.Fatalf("cart: %+v, %v", got, err)
		}
	}
}
