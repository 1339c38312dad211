package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/shopgraph/shopgraph/subgraphs/orders"
	"github.com/shopgraph/shopgraph/subgraphs/payments/provider"
)

// After checkout, an order moves forward only; repeating a move (a redelivered event) is a
// no-op; each move is in the history and announced once.
func TestMoveOrder(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.stock(t, "SKU-MOVE", 5, 1000)
	who := customer()
	out, err := f.service.Checkout(ctx, orders.CartOwner{CustomerID: who}, request(f.cartOf(t, who, item{"SKU-MOVE", 1}), "k", provider.CardVisa))
	if err != nil || out.Failure != nil {
		t.Fatalf("checkout = %+v, %v", out, err)
	}
	id := out.OrderID
	steps := []struct {
		to      orders.Status
		refused bool
	}{
		{orders.StatusFulfilling, false},
		{orders.StatusFulfilling, false}, // again: no-op
		{orders.StatusPaid, true},        // backwards
		{orders.StatusDelivered, true},   // skips SHIPPED
		{orders.StatusShipped, false},
		{orders.StatusDelivered, false},
		{orders.StatusCancelled, true}, // too late
		{orders.StatusReturned, false},
	}
	for _, s := range steps {
		err := f.store.MoveOrder(ctx, id, s.to, "")
		var te *orders.TransitionError
		if s.refused != errors.As(err, &te) || (!s.refused && err != nil) {
			t.Fatalf("move to %s = %v, refused %v", s.to, err, s.refused)
		}
	}
	h, err := f.store.HistoryByOrder(ctx, []string{id})
	if err != nil {
		t.Fatal(err)
	}
	var got []orders.Status
	for _, c := range h[id] {
		got = append(got, c.Status)
	}
	want := []orders.Status{orders.StatusPlaced, orders.StatusPaid, orders.StatusFulfilling, orders.StatusShipped, orders.StatusDelivered, orders.StatusReturned}
	if len(got) != len(want) {
		t.Fatalf("history = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("history = %v, want %v", got, want)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM orders.outbox WHERE key = $1 AND type = 'OrderStatusChanged'`, id); n != 4 {
		t.Errorf("%d OrderStatusChanged events, want 4", n)
	}
	var nf *orders.RequestError
	if err := f.store.MoveOrder(ctx, orders.NewID(), orders.StatusShipped, ""); !errors.As(err, &nf) || nf.Code != orders.CodeNotFound {
		t.Errorf("move of an unknown order = %v, want NOT_FOUND", err)
	}
}
