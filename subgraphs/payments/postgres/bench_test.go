package postgres_test

import (
	"context"
	"testing"

	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/payments/provider"
)

// BenchmarkAuthorizeCapture is the checkout's payment path (authorize, then capture) with a
// provider that answers at once, so it measures what payments itself costs per order.
func BenchmarkAuthorizeCapture(b *testing.B) {
	f := newFixtureTB(b, 0)
	ctx := context.Background()
	b.SetParallelism(16) // checkouts wait on the database, not the CPU
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			order := ulid.Make().String()
			if _, err := f.service.Authorize(ctx, authorize(order, provider.CardVisa)); err != nil {
				b.Error(err)
				return
			}
			if _, err := f.service.Capture(ctx, order); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
