package paymentsresolvers_test

import (
	"context"
	"testing"

	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/payments"
	"github.com/shopgraph/shopgraph/subgraphs/payments/provider"
)

// BenchmarkOrderPaymentEntities resolves Order.payment with its events for a page of 50
// orders, as the gateway asks for an orders list: two queries per call.
func BenchmarkOrderPaymentEntities(b *testing.B) {
	f := newFixtureTB(b)
	ctx := context.Background()
	ids := make([]string, 50)
	for i := range ids {
		ids[i] = ulid.Make().String()
		req := payments.AuthorizeRequest{OrderID: ids[i], Amount: payments.Money{Amount: 1299, Currency: "EUR"}, PaymentMethod: provider.CardVisa}
		if _, err := f.service.Authorize(ctx, req); err != nil {
			b.Fatal(err)
		}
		if _, err := f.service.Capture(ctx, ids[i]); err != nil {
			b.Fatal(err)
		}
	}
	vars := map[string]any{"r": orderReps(ids...)}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if resp := post(b, f.handler, entitiesQuery, vars); len(resp.Errors) > 0 {
			b.Fatal(resp.Errors)
		}
	}
}
