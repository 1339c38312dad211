package postgres_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs/orders"
	"github.com/shopgraph/shopgraph/subgraphs/orders/clients"
	"github.com/shopgraph/shopgraph/subgraphs/payments"
	"github.com/shopgraph/shopgraph/subgraphs/payments/provider"
)

// The provider acts and the answer is lost, once or more often than checkout retries within
// the request. Retries reuse the idempotency key, so the customer is charged once; the order
// ends either paid (captured once, never refunded) or failed (voided), never both.
func TestProviderTimeoutAfterCharging(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name     string
		op       payments.Operation
		times    int
		wantCode string // the final outcome; "" is a paid order
		pending  bool   // whether the first answer is CHECKOUT_PENDING
		ledger   map[payments.Operation]int
	}{
		{"authorize retried within the request", payments.OpAuthorize, 2, "", false,
			map[payments.Operation]int{payments.OpAuthorize: 1, payments.OpCapture: 1}},
		{"capture retried within the request", payments.OpCapture, 2, "", false,
			map[payments.Operation]int{payments.OpAuthorize: 1, payments.OpCapture: 1}},
		{"authorize keeps timing out: voided", payments.OpAuthorize, 7, orders.CodeCheckoutFailed, false,
			map[payments.Operation]int{payments.OpAuthorize: 1, payments.OpVoid: 1}},
		{"capture keeps timing out: finished by recovery", payments.OpCapture, 7, "", true,
			map[payments.Operation]int{payments.OpAuthorize: 1, payments.OpCapture: 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.stock(t, "SKU-T", 5, 1200)
			who := customer()
			req := request(f.cartOf(t, who, item{"SKU-T", 1}), "k", provider.CardVisa)
			f.provider.Inject(provider.Fault{Operation: tc.op, Kind: provider.TimeoutAfterCharging, Times: tc.times})

			out, err := f.service.Checkout(ctx, orders.CartOwner{CustomerID: who}, req)
			if err != nil {
				t.Fatal(err)
			}
			if tc.pending {
				if failureCode(out) != orders.CodeCheckoutPending {
					t.Fatalf("first answer = %+v, want CHECKOUT_PENDING", out.Failure)
				}
				recovery := f.newService(orders.WithClock(func() time.Time { return time.Now().Add(time.Hour) }))
				for range 3 { // each run retries the step five times
					if _, err := recovery.RecoverOnce(ctx, 10); err != nil {
						t.Fatal(err)
					}
				}
				if out, err = f.service.Checkout(ctx, orders.CartOwner{CustomerID: who}, req); err != nil {
					t.Fatal(err)
				}
			}
			if failureCode(out) != tc.wantCode {
				t.Fatalf("outcome = %+v (failure %+v), want %q", out, out.Failure, tc.wantCode)
			}
			id := sagaID(t, f, "k")
			if l := f.ledger(t, id); !sameCounts(l, tc.ledger) {
				t.Errorf("ledger = %v, want %v", l, tc.ledger)
			}
			charges := f.provider.Charges()
			if len(charges) != 1 {
				t.Fatalf("provider made %d charges, want 1", len(charges))
			}
			c := charges[0]
			paid := c.Captured > 0 && c.Refunded == 0
			released := c.Voided || (c.Captured > 0 && c.Refunded == c.Captured)
			if paid == released || paid != (tc.wantCode == "") {
				t.Errorf("provider's charge = %+v: want paid %v, exactly one of paid and released", c, tc.wantCode == "")
			}
			if n := f.provider.Executed(tc.op); n != 1 {
				t.Errorf("provider ran %s %d times, want 1", tc.op, n)
			}
			assertSettled(t, f, id)
		})
	}
}

func sagaID(t testing.TB, f *fixture, key string) string {
	t.Helper()
	var id string
	if err := f.pool.QueryRow(context.Background(), `SELECT id FROM orders.saga WHERE idempotency_key = $1 ORDER BY created_at DESC LIMIT 1`, key).Scan(&id); err != nil {
		t.Fatalf("saga of key %s: %v", key, err)
	}
	return id
}

// assertSettled checks the invariants of a saga that should have ended: terminal, no active
// holds, a paid order has its capture and confirmed holds, a failed one kept no money.
func assertSettled(t testing.TB, f *fixture, id string) {
	t.Helper()
	saga, err := f.store.Saga(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if !saga.Status.Terminal() {
		t.Fatalf("saga %s is %s at %s (last error %q), want terminal", id, saga.Status, saga.Step, saga.LastError)
	}
	if saga.PaymentMethod != "" {
		t.Errorf("saga %s still keeps the payment method", id)
	}
	if n := f.count(t, `SELECT count(*) FROM inventory.hold WHERE order_id = $1 AND status = 'ACTIVE'`, id); n != 0 {
		t.Errorf("saga %s left %d active holds", id, n)
	}
	l := f.ledger(t, id)
	status := ""
	_ = f.pool.QueryRow(context.Background(), `SELECT status FROM orders."order" WHERE id = $1`, id).Scan(&status)
	confirmed := f.count(t, `SELECT count(*) FROM inventory.hold WHERE order_id = $1 AND status = 'CONFIRMED'`, id)
	switch saga.Status {
	case orders.SagaCompleted:
		if status != string(orders.StatusPaid) || l[payments.OpCapture] != 1 || l[payments.OpRefund] != 0 || confirmed == 0 {
			t.Errorf("completed saga %s: order %q, ledger %v, %d confirmed holds", id, status, l, confirmed)
		}
		if n := f.count(t, `SELECT count(*) FROM orders.outbox WHERE key = $1 AND type = 'OrderPlaced'`, id); n != 1 {
			t.Errorf("completed saga %s: %d OrderPlaced events, want 1", id, n)
		}
	case orders.SagaFailed:
		if status != "" && status != string(orders.StatusCancelled) {
			t.Errorf("failed saga %s: order is %s", id, status)
		}
		if l[payments.OpCapture] != l[payments.OpRefund] || (l[payments.OpAuthorize] == 1 && l[payments.OpCapture] == 0 && l[payments.OpVoid] != 1) {
			t.Errorf("failed saga %s kept money: ledger %v", id, l)
		}
		if n := f.count(t, `SELECT count(*) FROM orders.outbox WHERE key = $1 AND type = 'OrderPlaced'`, id); n != 0 {
			t.Errorf("failed saga %s announced the order", id)
		}
		want := 0
		if status == string(orders.StatusCancelled) {
			want = 1
		}
		if n := f.count(t, `SELECT count(*) FROM orders.outbox WHERE key = $1 AND type = 'OrderCancelled'`, id); n != want {
			t.Errorf("failed saga %s (order %q): %d OrderCancelled events, want %d", id, status, n, want)
		}
	}
}

// Holds that expire before the paid order confirms them cancel it: the order is CANCELLED with
// its history, OrderCancelled is written once, and the capture is refunded in full.
func TestHoldsLostAfterPaymentCancelTheOrder(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.stock(t, "SKU-X", 5, 1200)
	who := customer()
	req := request(f.cartOf(t, who, item{"SKU-X", 1}), "k-expired", provider.CardVisa)
	// Holds of a microsecond have expired by the time the order is paid.
	svc := orders.NewService(f.store, clients.NewInventory(f.reservations, time.Microsecond), clients.NewPayments(f.payments),
		clients.NewCarts(f.cartStore), f.prices, orders.WithRetries(5, time.Millisecond))
	out, err := svc.Checkout(ctx, orders.CartOwner{CustomerID: who}, req)
	if err != nil {
		t.Fatal(err)
	}
	if failureCode(out) != orders.CodeHoldsLost || out.OrderID == "" {
		t.Fatalf("outcome = %+v (failure %+v), want %s with the cancelled order's id", out, out.Failure, orders.CodeHoldsLost)
	}
	assertSettled(t, f, out.OrderID)
	got, err := f.store.OrdersByID(ctx, who, []string{out.OrderID})
	if err != nil || got[out.OrderID].Status != orders.StatusCancelled {
		t.Fatalf("order = %+v, %v, want CANCELLED", got[out.OrderID], err)
	}
	if l := f.ledger(t, out.OrderID); !sameCounts(l, map[payments.Operation]int{payments.OpAuthorize: 1, payments.OpCapture: 1, payments.OpRefund: 1}) {
		t.Errorf("ledger = %v, want authorize, capture and refund", l)
	}
	// The answer shows how the payment was released, as payments has it, and so does a retry.
	intent, err := f.payments.IntentByOrder(ctx, out.OrderID)
	if err != nil {
		t.Fatal(err)
	}
	if out.PaymentStatus != string(intent.Status) || intent.Status != payments.StatusRefunded {
		t.Errorf("answer's payment status %q, payments has %q; want both REFUNDED", out.PaymentStatus, intent.Status)
	}
	again, err := svc.Checkout(ctx, orders.CartOwner{CustomerID: who}, req)
	if err != nil || again.PaymentStatus != out.PaymentStatus || again.OrderID != out.OrderID {
		t.Errorf("retry = %+v, %v; want the first answer, payment status %q", again, err, out.PaymentStatus)
	}
}

// flakyPrices fails its first failures reads of current prices, as a catalog that is briefly
// unreachable, then reads the fixture's.
type flakyPrices struct {
	*priceList
	failures atomic.Int32
}

func (p *flakyPrices) CurrentPrices(ctx context.Context, skus []string) (map[string]orders.Money, error) {
	if p.failures.Add(-1) >= 0 {
		return nil, errors.New("catalog unreachable")
	}
	return p.priceList.CurrentPrices(ctx, skus)
}

// Validation runs before the key is claimed: a fault that passes within the retries only
// delays the checkout; one that does not fails the request with nothing recorded, and a
// retry with the same key then checks out once.
func TestValidationFaultsBeforeTheClaim(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.stock(t, "SKU-V", 5, 900)
	prices := &flakyPrices{priceList: f.prices}
	svc := orders.NewService(f.store, clients.NewInventory(f.reservations, 0), clients.NewPayments(f.payments),
		clients.NewCarts(f.cartStore), prices, orders.WithRetries(3, time.Millisecond))

	who := customer()
	owner := orders.CartOwner{CustomerID: who}
	prices.failures.Store(2) // passes on the third try
	out, err := svc.Checkout(ctx, owner, request(f.cartOf(t, who, item{"SKU-V", 1}), "k-passes", provider.CardVisa))
	if err != nil || out.Failure != nil || out.OrderID == "" {
		t.Fatalf("checkout after two failed price reads = %+v, %v, want an order", out, err)
	}

	other := customer()
	req := request(f.cartOf(t, other, item{"SKU-V", 1}), "k-fails", provider.CardVisa)
	prices.failures.Store(3) // every try fails
	if out, err := svc.Checkout(ctx, orders.CartOwner{CustomerID: other}, req); err == nil {
		t.Fatalf("checkout with the catalog down = %+v, want an error", out)
	}
	rec, err := f.store.IdempotencyRecord(ctx, "customer:"+other, "k-fails")
	if err != nil || rec != nil {
		t.Fatalf("idempotency record after a failed validation = %+v, %v, want none", rec, err)
	}
	out, err = svc.Checkout(ctx, orders.CartOwner{CustomerID: other}, req)
	if err != nil || out.Failure != nil || out.OrderID == "" {
		t.Fatalf("retry with the same key = %+v, %v, want an order", out, err)
	}
	if n := f.provider.Executed(payments.OpAuthorize); n != 2 {
		t.Errorf("provider authorized %d times, want 2 (one per order)", n)
	}
}
