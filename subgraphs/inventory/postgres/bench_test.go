package postgres_test

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/shopgraph/shopgraph/subgraphs/inventory"
)

// BenchmarkReserve measures reservation attempts per second on the Postgres path, through the
// API the checkout saga calls, with every buyer after the same SKU (the worst case: they queue
// on its stock row locks) and with buyers spread over 1,000 SKUs.
func BenchmarkReserve(b *testing.B) {
	for _, bc := range []struct {
		name string
		skus int
	}{
		{"one-sku", 1},
		{"1000-skus", 1000},
	} {
		b.Run(bc.name, func(b *testing.B) {
			store, pool := newStore(b)
			exec(b, pool, `INSERT INTO inventory.stock (sku, fulfillment_center_id, on_hand)
				SELECT 'SKU-' || i, $1, 100000000 FROM generate_series(1, $2) AS i`, rotterdam, bc.skus)
			exec(b, pool, `ANALYZE inventory.stock`)
			res := inventory.NewReservations(store)
			ctx := context.Background()
			b.ReportAllocs()
			b.SetParallelism(8)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					sku := "SKU-" + strconv.Itoa(1+rand.IntN(bc.skus))
					if _, err := res.Reserve(ctx, reserveOne(sku, 1)(newOrderID())); err != nil {
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
