package redis_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/inventory"
)

// BenchmarkFlashSaleReserve measures reservation attempts per second on the flash-sale path,
// through the API the checkout saga calls: a hot SKU with stock to spare (every attempt takes a
// hold) and a sold-out one (every attempt is refused, as most are in a real flash sale).
func BenchmarkFlashSaleReserve(b *testing.B) {
	for _, bc := range []struct {
		name   string
		onHand int
		want   string
	}{
		{"in-stock", 100_000_000, ""},
		{"sold-out", 0, inventory.CodeOutOfStock},
	} {
		b.Run(bc.name, func(b *testing.B) {
			f := newFixture(b)
			f.stock(b, "DROP", rotterdam, bc.onHand)
			f.stock(b, "DROP", leipzig, 0)
			f.hot(b, "DROP")
			ctx := context.Background()
			b.ReportAllocs()
			b.SetParallelism(32)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					_, err := f.res.Reserve(ctx, line("DROP", 1, ulid.Make().String()))
					if code(err) != bc.want {
						b.Errorf("reserve: %v", err)
						return
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "attempts/s")
		})
	}
}

// BenchmarkAvailability reads a batch of 100 SKUs, as one entity fetch of the graph does:
// none hot (Postgres only) and 10 hot (Postgres, then one Redis pipeline for the 10).
func BenchmarkAvailability(b *testing.B) {
	for _, bc := range []struct {
		name string
		hot  int
	}{{"none-hot", 0}, {"10-hot", 10}} {
		b.Run(bc.name, func(b *testing.B) {
			f := newFixture(b)
			skus := make([]string, 100)
			for i := range skus {
				skus[i] = "SKU-" + strconv.Itoa(i)
				f.stock(b, skus[i], rotterdam, 50)
				f.stock(b, skus[i], leipzig, 50)
			}
			for _, sku := range skus[:bc.hot] {
				f.hot(b, sku)
			}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				as, err := f.res.Availability(ctx, skus)
				if err != nil || len(as) != len(skus) || as[0].Total() != 100 {
					b.Fatalf("availability: %v", err)
				}
			}
		})
	}
}
