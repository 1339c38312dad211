package postgres_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs/orders"
	"github.com/shopgraph/shopgraph/subgraphs/orders/clients"
	"github.com/shopgraph/shopgraph/subgraphs/payments/provider"
)

// fullCart is a cart that checkout never empties, so every benchmark iteration runs the whole
// saga rather than CART_EMPTY.
// The SKU depends on the customer, so that checkouts spread over skus SKUs.
type fullCart struct{ skus int }

func (c fullCart) Cart(_ context.Context, owner orders.CartOwner, id string) (orders.Cart, error) {
	var n int
	fmt.Sscanf(owner.CustomerID, "cus_%d", &n)
	return orders.Cart{ID: id, CustomerID: owner.CustomerID, Version: 1, Currency: "EUR",
		Lines: []orders.CartLine{{SKU: fmt.Sprintf("SKU-BENCH-%d", n%c.skus), Quantity: 1, UnitPrice: orders.Money{Amount: 999, Currency: "EUR"}}}}, nil
}

func (fullCart) CheckedOut(context.Context, orders.CartOwner, string, int, string) error { return nil }

// BenchmarkCheckout runs whole checkouts in parallel (cart, prices, holds, authorize, order,
// capture, confirm, OrderPlaced), the saga persisted after every step, against the real
// Postgres with the real inventory and payments stores: all buying one SKU (every reservation
// queues on its stock row) and spread over 64.
func BenchmarkCheckout(b *testing.B) {
	for _, skus := range []int{1, 64} {
		b.Run(fmt.Sprintf("skus=%d", skus), func(b *testing.B) { benchmarkCheckout(b, skus) })
	}
}

func benchmarkCheckout(b *testing.B, skus int) {
	ctx := context.Background()
	f := newFixture(b)
	for i := range skus {
		f.stock(b, fmt.Sprintf("SKU-BENCH-%d", i), 1_000_000, 999)
	}
	svc := orders.NewService(f.store, clients.NewInventory(f.reservations, 0), clients.NewPayments(f.payments),
		fullCart{skus}, f.prices, orders.WithRetries(5, time.Millisecond))
	cartID := orders.NewID()
	var n atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			out, err := svc.Checkout(ctx, orders.CartOwner{CustomerID: fmt.Sprintf("cus_%d", i)}, request(cartID, "bench", provider.CardVisa))
			if err != nil || out.Failure != nil {
				b.Errorf("checkout: %+v, %v", out.Failure, err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checkouts/s")
}

// BenchmarkReadBack reads a placed order's saga and order back by id: one round trip each,
// most of the Go side being the scan of the saga and the order (plan, lines, address: jsonb).
func BenchmarkReadBack(b *testing.B) {
	ctx := context.Background()
	f := newFixture(b)
	f.stock(b, "SKU-READ-1", 100, 999)
	f.stock(b, "SKU-READ-2", 100, 1999)
	who := customer()
	out, err := f.service.Checkout(ctx, orders.CartOwner{CustomerID: who},
		request(f.cartOf(b, who, item{"SKU-READ-1", 1}, item{"SKU-READ-2", 2}), "read", provider.CardVisa))
	if err != nil || out.Failure != nil {
		b.Fatalf("checkout: %+v, %v", out.Failure, err)
	}
	b.Run("saga", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if s, err := f.store.Saga(ctx, out.OrderID); err != nil || len(s.Plan.Lines) != 2 {
				b.Fatalf("saga: %+v, %v", s, err)
			}
		}
	})
	b.Run("order", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if o, err := f.store.OrderByID(ctx, out.OrderID); err != nil || o == nil || len(o.Lines) != 2 {
				b.Fatalf("order: %+v, %v", o, err)
			}
		}
	})
}
