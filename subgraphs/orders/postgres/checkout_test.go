package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/orders"
	"github.com/shopgraph/shopgraph/subgraphs/payments"
	"github.com/shopgraph/shopgraph/subgraphs/payments/provider"
)

// Each outcome of one checkout: what the buyer is told, and what it left behind in stock,
// payments, orders and the outbox.
func TestCheckoutOutcomes(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	cases := []struct {
		name       string
		stock      int
		qty        int
		card       string
		repriceTo  int64 // the catalog price when checkout runs; 0 keeps it
		wantCode   string
		wantStatus orders.Status // "" when no order is created
		wantStock  int           // on hand afterwards
		wantLedger map[payments.Operation]int
	}{
		{name: "placed", stock: 5, qty: 2, card: provider.CardVisa, wantStatus: orders.StatusPaid, wantStock: 3,
			wantLedger: map[payments.Operation]int{payments.OpAuthorize: 1, payments.OpCapture: 1}},
		{name: "out of stock", stock: 1, qty: 2, card: provider.CardVisa, wantCode: orders.CodeOutOfStock, wantStock: 1,
			wantLedger: map[payments.Operation]int{}},
		{name: "declined", stock: 5, qty: 1, card: provider.CardDeclined, wantCode: orders.CodePaymentDeclined, wantStock: 5,
			wantLedger: map[payments.Operation]int{}},
		{name: "price changed", stock: 5, qty: 1, card: provider.CardVisa, repriceTo: 2599, wantCode: orders.CodePriceChanged, wantStock: 5,
			wantLedger: map[payments.Operation]int{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sku := "SKU-" + ulid.Make().String()[20:]
			f.stock(t, sku, tc.stock, 1999)
			who := customer()
			cartID := f.cartOf(t, who, item{sku, tc.qty})
			if tc.repriceTo != 0 {
				f.prices.set(sku, tc.repriceTo)
			}
			out, err := f.service.Checkout(ctx, orders.CartOwner{CustomerID: who}, request(cartID, "k-"+tc.name, tc.card))
			if err != nil {
				t.Fatal(err)
			}
			if code := failureCode(out); code != tc.wantCode {
				t.Fatalf("outcome = %+v (failure %+v), want code %q", out, out.Failure, tc.wantCode)
			}
			// A placed order's answer says its payment was captured; a refusal has no order.
			if wantPayment := map[bool]string{true: "CAPTURED"}[tc.wantStatus == orders.StatusPaid]; out.PaymentStatus != wantPayment {
				t.Errorf("answer's payment status %q, want %q", out.PaymentStatus, wantPayment)
			}
			if got := f.count(t, `SELECT on_hand FROM inventory.stock WHERE sku = $1`, sku); got != tc.wantStock {
				t.Errorf("on hand = %d, want %d", got, tc.wantStock)
			}
			if n := f.count(t, `SELECT count(*) FROM inventory.hold WHERE sku = $1 AND status = 'ACTIVE'`, sku); n != 0 {
				t.Errorf("%d active holds left", n)
			}
			if tc.wantStatus == "" {
				if out.OrderID != "" {
					t.Errorf("order %s reported for a failed checkout", out.OrderID)
				}
				return
			}
			got, err := f.store.OrdersByID(ctx, who, []string{out.OrderID})
			if err != nil || got[out.OrderID].Status != tc.wantStatus {
				t.Fatalf("order = %+v, %v, want %s", got[out.OrderID], err, tc.wantStatus)
			}
			o := got[out.OrderID]
			if o.Total != 2*1999+499 || len(o.Lines) != 1 || o.Lines[0].Quantity != tc.qty {
				t.Errorf("order = %+v", o)
			}
			if l := f.ledger(t, out.OrderID); !sameCounts(l, tc.wantLedger) {
				t.Errorf("ledger = %v, want %v", l, tc.wantLedger)
			}
			if n := f.count(t, `SELECT count(*) FROM orders.outbox WHERE key = $1 AND type = 'OrderPlaced'`, out.OrderID); n != 1 {
				t.Errorf("%d OrderPlaced events, want 1", n)
			}
			c, err := f.carts.CartOf(ctx, cartOwner(who))
			if err != nil || len(c.Lines) != 0 {
				t.Errorf("cart after checkout = %+v, %v, want empty", c, err)
			}
			h, err := f.store.HistoryByOrder(ctx, []string{out.OrderID})
			if err != nil || len(h[out.OrderID]) != 2 || h[out.OrderID][0].Status != orders.StatusPlaced {
				t.Errorf("history = %+v, %v, want PLACED then PAID", h[out.OrderID], err)
			}
		})
	}
}

func failureCode(o orders.Outcome) string {
	if o.Failure == nil {
		return ""
	}
	return o.Failure.Code
}

func sameCounts(a, b map[payments.Operation]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

// A retry with the same key and payload replays the outcome; the same key for another
// payload is refused; neither reserves or charges again.
func TestCheckoutIdempotencyKey(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.stock(t, "SKU-IDEM", 10, 1000)
	who := customer()
	owner := orders.CartOwner{CustomerID: who}
	cartID := f.cartOf(t, who, item{"SKU-IDEM", 1})
	first, err := f.service.Checkout(ctx, owner, request(cartID, "same-key", provider.CardVisa))
	if err != nil || first.Failure != nil {
		t.Fatalf("first = %+v, %v", first, err)
	}
	if o := first.Order; o == nil || o.ID != first.OrderID || o.Status != orders.StatusPaid || len(o.Lines) != 1 || o.PlacedAt.IsZero() {
		t.Fatalf("first answer's order = %+v, want order %s PAID with its line", o, first.OrderID)
	}
	again, err := f.service.Checkout(ctx, owner, request(cartID, "same-key", provider.CardVisa))
	if err != nil || again.OrderID != first.OrderID || again.Failure != nil {
		t.Fatalf("replay = %+v, %v, want %+v", again, err, first)
	}
	if again.Order != nil {
		t.Errorf("replay carries the order %+v; a retry reads the order as it stands", again.Order)
	}
	other := request(cartID, "same-key", provider.CardVisa)
	other.DeliveryOption = orders.DeliveryExpress
	conflict, err := f.service.Checkout(ctx, owner, other)
	if err != nil || failureCode(conflict) != orders.CodeIdempotencyConflict {
		t.Fatalf("reuse with another payload = %+v, %v, want IDEMPOTENCY_CONFLICT", conflict, err)
	}
	if n := f.provider.Executed(payments.OpAuthorize); n != 1 {
		t.Errorf("provider authorized %d times, want 1", n)
	}
	if n := f.count(t, `SELECT count(*) FROM orders."order"`); n != 1 {
		t.Errorf("%d orders, want 1", n)
	}
	// Another customer's key space is their own.
	who2 := customer()
	cart2 := f.cartOf(t, who2, item{"SKU-IDEM", 1})
	out2, err := f.service.Checkout(ctx, orders.CartOwner{CustomerID: who2}, request(cart2, "same-key", provider.CardVisa))
	if err != nil || out2.Failure != nil || out2.OrderID == first.OrderID {
		t.Fatalf("other customer's checkout = %+v, %v", out2, err)
	}
}

// Checking out a cart that belongs to someone else reveals nothing and takes nothing.
func TestCheckoutOfAnotherCustomersCart(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.stock(t, "SKU-MINE", 10, 1000)
	cartB := f.cartOf(t, customer(), item{"SKU-MINE", 1})
	out, err := f.service.Checkout(ctx, orders.CartOwner{CustomerID: customer()}, request(cartB, "k", provider.CardVisa))
	if err != nil || failureCode(out) != orders.CodeNotFound {
		t.Fatalf("outcome = %+v, %v, want NOT_FOUND", out, err)
	}
	if n := f.count(t, `SELECT count(*) FROM inventory.hold`); n != 0 {
		t.Errorf("%d holds taken", n)
	}
}

// A retry while the first request is still in flight (here: its process died after claiming
// the key, and its lease has not run out) waits, bounded, then answers IDEMPOTENCY_IN_PROGRESS
// without starting a second checkout.
func TestRetryWhileInFlight(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.stock(t, "SKU-FLIGHT", 5, 1000)
	who := customer()
	req := request(f.cartOf(t, who, item{"SKU-FLIGHT", 1}), "in-flight", provider.CardVisa)
	crashing := &crashingStore{Store: f.store, at: 3, after: true} // stops after RESERVED
	if _, err := f.newServiceWith(crashing).Checkout(ctx, orders.CartOwner{CustomerID: who}, req); !errors.Is(err, errCrash) {
		t.Fatalf("first checkout = %v, want the crash", err)
	}
	out, err := f.newService(orders.WithIdempotencyWait(50*time.Millisecond)).Checkout(ctx, orders.CartOwner{CustomerID: who}, req)
	if err != nil || failureCode(out) != orders.CodeIdempotencyInProgress {
		t.Fatalf("retry = %+v (failure %+v), %v; want IDEMPOTENCY_IN_PROGRESS", out, out.Failure, err)
	}
	if n := f.count(t, `SELECT count(*) FROM orders.saga`); n != 1 {
		t.Errorf("%d sagas, want 1", n)
	}
	if n := f.count(t, `SELECT count(*) FROM inventory.hold`); n != 1 {
		t.Errorf("%d holds, want the first request's one", n)
	}
}

// A key is kept for 24 hours; after that the same key starts a new checkout.
func TestIdempotencyKeyExpires(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.stock(t, "SKU-OLD", 5, 1000)
	who := customer()
	owner := orders.CartOwner{CustomerID: who}
	first, err := f.service.Checkout(ctx, owner, request(f.cartOf(t, who, item{"SKU-OLD", 1}), "monthly", provider.CardVisa))
	if err != nil || first.Failure != nil {
		t.Fatalf("first = %+v, %v", first, err)
	}
	f.exec(t, `UPDATE orders.idempotency_key SET expires_at = now() - interval '1 second'`)
	second, err := f.service.Checkout(ctx, owner, request(f.cartOf(t, who, item{"SKU-OLD", 1}), "monthly", provider.CardVisa))
	if err != nil || second.Failure != nil || second.OrderID == first.OrderID {
		t.Fatalf("after expiry = %+v (failure %+v), %v; want a new order", second, second.Failure, err)
	}
}
