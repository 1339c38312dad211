package postgres_test

import (
	"context"
	"testing"

	"github.com/shopgraph/shopgraph/subgraphs/catalog/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
)

// BenchmarkVariantsBySKU reads three variants by SKU, as a cart line's price check does.
func BenchmarkVariantsBySKU(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.NewPool(b, nil, postgres.Domain)
	skus, err := postgres.Seed(ctx, pool, 20, nil)
	if err != nil {
		b.Fatal(err)
	}
	store := postgres.NewStore(pool)
	want := skus[:3]
	b.ReportAllocs()
	for b.Loop() {
		if vs, err := store.VariantsBySKU(ctx, want); err != nil || len(vs) != 3 {
			b.Fatalf("variants: %d, %v", len(vs), err)
		}
	}
}

// BenchmarkPricesBySKU reads the prices of three SKUs, as checkout's re-pricing does.
func BenchmarkPricesBySKU(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.NewPool(b, nil, postgres.Domain)
	skus, err := postgres.Seed(ctx, pool, 20, nil)
	if err != nil {
		b.Fatal(err)
	}
	store := postgres.NewStore(pool)
	want := skus[:3]
	b.ReportAllocs()
	for b.Loop() {
		if prices, err := store.PricesBySKU(ctx, want); err != nil || len(prices) != 3 {
			b.Fatalf("prices: %d, %v", len(prices), err)
		}
	}
}
