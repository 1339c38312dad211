package postgres_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/payments"
	"github.com/shopgraph/shopgraph/subgraphs/payments/provider"
)

// A caller whose lease ran out records its provider's answer after a second caller took the
// operation over. Whichever of the two records first, the operation is applied once: one
// ledger entry, the intent moved once, and no lease left behind to hold up the next operation.
func TestLateRecordingAfterTheLeaseRanOut(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name      string
		lateFirst bool
		decline   bool
	}{
		{name: "taker succeeds first"},
		{name: "late caller succeeds first", lateFirst: true},
		{name: "taker declines first", decline: true},
		{name: "late caller declines first", lateFirst: true, decline: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, 0)
			order := ulid.Make().String()
			req := authorize(order, provider.CardVisa)
			c := payments.Command{Operation: payments.OpAuthorize, OrderID: order, CustomerID: req.CustomerID,
				Amount: req.Amount, PaymentMethod: req.PaymentMethod, Provider: "simulated"}
			late, err := f.store.Begin(ctx, c, -time.Second) // its lease has run out already
			if err != nil {
				t.Fatal(err)
			}
			taker, err := f.store.Begin(ctx, c, time.Minute)
			if err != nil || taker.Lease == "" || taker.Lease == late.Lease {
				t.Fatalf("second Begin = %+v, %v: want it to take the lease over", taker, err)
			}
			record := func(a payments.Attempt) (payments.Intent, error) {
				if tt.decline {
					return f.store.Fail(ctx, a, payments.Decline("card_declined", "declined"))
				}
				return f.store.Succeed(ctx, a, "ch_1")
			}
			first, second := taker, late
			if tt.lateFirst {
				first, second = late, taker
			}
			want, err := record(first)
			if err != nil {
				t.Fatal(err)
			}
			got, err := record(second)
			if err != nil {
				t.Fatal(err)
			}
			wantStatus, wantAuthorized, wantLedger := payments.StatusAuthorized, int64(1999), []payments.Operation{payments.OpAuthorize}
			if tt.decline {
				wantStatus, wantAuthorized, wantLedger = payments.StatusFailed, 0, nil
			}
			if want.Status != wantStatus || want.Authorized != wantAuthorized || want.Pending != "" {
				t.Fatalf("first recording = %+v", want)
			}
			if got.Status != want.Status || got.Authorized != want.Authorized || got.ProviderReference != want.ProviderReference || got.UpdatedAt != want.UpdatedAt {
				t.Errorf("second recording = %+v, want the first's result %+v", got, want)
			}
			if ledger := f.ledger(t, order); !equalOps(ledger, wantLedger) {
				t.Errorf("ledger = %v, want %v", ledger, wantLedger)
			}
			if tt.decline {
				return
			}
			// No lease is left: the capture begins at once instead of waiting for one to run out.
			capture := payments.Command{Operation: payments.OpCapture, OrderID: order, Provider: "simulated"}
			a, err := f.store.Begin(ctx, capture, time.Minute)
			if err != nil || a.Lease == "" || a.Command.Amount.Amount != 1999 {
				t.Fatalf("capture after the recordings: %+v, %v", a, err)
			}
		})
	}
}

// Callers racing on the same orders through both operations of a checkout: each operation
// reaches the provider once and lands once in the ledger, and every order ends captured with
// no operation pending and no lease held.
func TestConcurrentCheckoutsOfOneOrder(t *testing.T) {
	f := newFixture(t, 2*time.Millisecond)
	ctx := context.Background()
	const orders, callers = 8, 6
	ids := make([]string, orders)
	for n := range ids {
		ids[n] = ulid.Make().String()
	}
	var wg sync.WaitGroup
	errs := make(chan error, orders*callers)
	for _, order := range ids {
		for range callers {
			wg.Go(func() {
				if _, err := f.service.Authorize(ctx, authorize(order, provider.CardVisa)); err != nil {
					errs <- err
					return
				}
				i, err := f.service.Capture(ctx, order)
				if err == nil && (i.Status != payments.StatusCaptured || i.Captured != 1999) {
					err = errors.New("capture returned " + string(i.Status))
				}
				if err != nil {
					errs <- err
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for op, want := range map[payments.Operation]int{payments.OpAuthorize: orders, payments.OpCapture: orders} {
		if got := f.provider.Calls(op); got != want {
			t.Errorf("provider asked to %s %d times, want %d", op, got, want)
		}
	}
	for _, order := range ids {
		if ledger := f.ledger(t, order); !equalOps(ledger, []payments.Operation{payments.OpAuthorize, payments.OpCapture}) {
			t.Errorf("order %s: ledger = %v", order, ledger)
		}
		var leased bool
		var pending *string
		if err := f.pool.QueryRow(ctx, `SELECT lease_token IS NOT NULL, pending_operation FROM payments.intent WHERE order_id = $1`, order).Scan(&leased, &pending); err != nil {
			t.Fatal(err)
		}
		if leased || pending != nil {
			t.Errorf("order %s: leased %v, pending %v after its checkouts", order, leased, pending)
		}
	}
}
