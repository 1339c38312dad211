package postgres_test

import (
	"context"
	"testing"

	"github.com/shopgraph/shopgraph/subgraphs/catalog/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
)

// BenchmarkBySKU reads three SKUs' variants, as a cart line's price check does, and their
// prices alone, as checkout's re-pricing does.
func BenchmarkBySKU(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.NewPool(b, nil, postgres.Domain)
	skus, err := postgres.Seed(ctx, pool, 20, nil)
	if err != nil {
		b.Fatal(err)
	}
	store := postgres.NewStore(pool)
	want := skus[:3]
	b.Run("variants", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if vs, err := store.VariantsBySKU(ctx, want); err != nil || len(vs) != 3 {
				b.Fatalf("variants: %d, %v", len(vs), err)
			}
		}
	})
	b.Run("prices", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if prices, err := store.PricesBySKU(ctx, want); err != nil || len(prices) != 3 {
				b.Fatalf("prices: %d, %v", len(prices), err)
			}
		}
	})
}
