package postgres_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/payments"
	"github.com/shopgraph/shopgraph/subgraphs/payments/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/payments/provider"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
)

var eur1999 = payments.Money{Amount: 1999, Currency: "EUR"}

type fixture struct {
	store    *postgres.Store
	pool     *pgxpool.Pool
	provider *provider.Simulated
	service  *payments.Service
}

func newFixture(t *testing.T, latency time.Duration, opts ...payments.Option) fixture {
	t.Helper()
	return newFixtureTB(t, latency, opts...)
}

func newFixtureTB(t testing.TB, latency time.Duration, opts ...payments.Option) fixture {
	t.Helper()
	pool := pgtest.NewPool(t, func(c *pgxpool.Config) { c.MaxConns = 20 }, postgres.Domain)
	store := postgres.NewStore(pool)
	sim := provider.NewSimulated(latency)
	return fixture{store: store, pool: pool, provider: sim, service: payments.NewService(store, sim, opts...)}
}

func authorize(orderID, card string) payments.AuthorizeRequest {
	return payments.AuthorizeRequest{OrderID: orderID, CustomerID: "cus_ada", Amount: eur1999, PaymentMethod: card}
}

// ledger returns the operations in the order's ledger, oldest first.
func (f fixture) ledger(t *testing.T, orderID string) []payments.Operation {
	t.Helper()
	rows, err := f.pool.Query(context.Background(),
		`SELECT operation FROM payments.ledger_entry WHERE order_id = $1 ORDER BY created_at, id`, orderID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ops []payments.Operation
	for rows.Next() {
		var op string
		if err := rows.Scan(&op); err != nil {
			t.Fatal(err)
		}
		ops = append(ops, payments.Operation(op))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ops
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := payments.CodeOf(err); got != code {
		t.Fatalf("err = %v (code %q), want code %s", err, got, code)
	}
}

func TestPaymentLifecycleWritesTheLedger(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	order := ulid.Make().String()

	i, err := f.service.Authorize(ctx, authorize(order, provider.CardVisa))
	if err != nil {
		t.Fatal(err)
	}
	charges := f.provider.Charges()
	if i.Status != payments.StatusAuthorized || i.Authorized != 1999 || len(charges) != 1 || i.ProviderReference != charges[0].ID || i.Provider != "simulated" {
		t.Fatalf("after authorize: %+v, provider charges %+v", i, charges)
	}
	if i, err = f.service.Capture(ctx, order); err != nil || i.Status != payments.StatusCaptured || i.Captured != 1999 {
		t.Fatalf("capture: %+v, %v", i, err)
	}
	if i, err = f.service.Refund(ctx, order, payments.Money{Amount: 500, Currency: "EUR"}); err != nil {
		t.Fatal(err)
	}
	if i.Status != payments.StatusPartiallyRefunded || i.Refunded != 500 || i.Pending != "" {
		t.Fatalf("after refund: %+v", i)
	}
	if got := f.provider.Charges()[0]; got.Captured != 1999 || got.Refunded != 500 {
		t.Errorf("provider's charge = %+v, want 1999 captured and 500 refunded", got)
	}
	got, err := f.service.IntentByOrder(ctx, order)
	if err != nil || got.ID != i.ID || got.Status != payments.StatusPartiallyRefunded || got.CustomerID != "cus_ada" {
		t.Fatalf("IntentByOrder = %+v, %v", got, err)
	}
	ledger := f.ledger(t, order)
	if want := []payments.Operation{payments.OpAuthorize, payments.OpCapture, payments.OpRefund}; !equalOps(ledger, want) {
		t.Errorf("ledger = %v, want %v", ledger, want)
	}
	entries, err := f.store.LedgerByIntent(ctx, []string{i.ID})
	if err != nil || len(entries[i.ID]) != 3 || entries[i.ID][2].Amount != (payments.Money{Amount: 500, Currency: "EUR"}) || entries[i.ID][2].ProviderReference == "" {
		t.Errorf("LedgerByIntent = %+v, %v", entries, err)
	}
}

func TestVoidReleasesTheAuthorization(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	order := ulid.Make().String()
	if _, err := f.service.Authorize(ctx, authorize(order, provider.CardVisa)); err != nil {
		t.Fatal(err)
	}
	i, err := f.service.Void(ctx, order)
	if err != nil || i.Status != payments.StatusVoided {
		t.Fatalf("void: %+v, %v", i, err)
	}
	if !f.provider.Charges()[0].Voided {
		t.Error("the provider's charge was not voided")
	}
	_, err = f.service.Capture(ctx, order)
	wantCode(t, err, payments.CodeStateConflict)
	if ledger := f.ledger(t, order); !equalOps(ledger, []payments.Operation{payments.OpAuthorize, payments.OpVoid}) {
		t.Errorf("ledger = %v", ledger)
	}
}

// Every operation called twice reaches the provider once and writes one ledger entry.
func TestOperationsAreIdempotent(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	refund := payments.Money{Amount: 1999, Currency: "EUR"}
	captured, voided := ulid.Make().String(), ulid.Make().String()
	steps := []struct {
		op    payments.Operation
		order string
		run   func(order string) (payments.Intent, error)
	}{
		{payments.OpAuthorize, captured, func(o string) (payments.Intent, error) {
			return f.service.Authorize(ctx, authorize(o, provider.CardVisa))
		}},
		{payments.OpCapture, captured, func(o string) (payments.Intent, error) { return f.service.Capture(ctx, o) }},
		{payments.OpRefund, captured, func(o string) (payments.Intent, error) { return f.service.Refund(ctx, o, refund) }},
		{payments.OpAuthorize, voided, func(o string) (payments.Intent, error) {
			return f.service.Authorize(ctx, authorize(o, provider.CardVisa))
		}},
		{payments.OpVoid, voided, func(o string) (payments.Intent, error) { return f.service.Void(ctx, o) }},
	}
	for _, s := range steps {
		first, err := s.run(s.order)
		if err != nil {
			t.Fatalf("%s: %v", s.op, err)
		}
		again, err := s.run(s.order)
		if err != nil {
			t.Fatalf("%s again: %v", s.op, err)
		}
		if again.ID != first.ID || again.Status != first.Status || again.UpdatedAt != first.UpdatedAt {
			t.Errorf("%s again returned %+v, want the first result %+v", s.op, again, first)
		}
	}
	for op, want := range map[payments.Operation]int{payments.OpAuthorize: 2, payments.OpCapture: 1, payments.OpRefund: 1, payments.OpVoid: 1} {
		if got := f.provider.Executed(op); got != want {
			t.Errorf("provider ran %s %d times, want %d", op, got, want)
		}
	}
	if got := f.ledger(t, captured); !equalOps(got, []payments.Operation{payments.OpAuthorize, payments.OpCapture, payments.OpRefund}) {
		t.Errorf("ledger = %v", got)
	}
}

func TestConcurrentAuthorizesChargeOnce(t *testing.T) {
	f := newFixture(t, 20*time.Millisecond)
	ctx := context.Background()
	order := ulid.Make().String()
	const callers = 50
	var wg sync.WaitGroup
	intents := make([]payments.Intent, callers)
	errs := make([]error, callers)
	for n := range callers {
		wg.Go(func() { intents[n], errs[n] = f.service.Authorize(ctx, authorize(order, provider.CardVisa)) })
	}
	wg.Wait()
	for n := range callers {
		if errs[n] != nil {
			t.Fatalf("caller %d: %v", n, errs[n])
		}
		if intents[n].ID != intents[0].ID || intents[n].Status != payments.StatusAuthorized {
			t.Fatalf("caller %d got %+v, caller 0 got %+v", n, intents[n], intents[0])
		}
	}
	if charges := f.provider.Charges(); len(charges) != 1 {
		t.Errorf("provider made %d charges, want 1", len(charges))
	}
	if n := f.provider.Calls(payments.OpAuthorize); n != 1 {
		// The lease keeps the other callers away from the provider altogether; its
		// idempotency key is the second line of defence, not the first.
		t.Errorf("provider was asked to authorize %d times, want 1", n)
	}
	if ledger := f.ledger(t, order); !equalOps(ledger, []payments.Operation{payments.OpAuthorize}) {
		t.Errorf("ledger = %v, want one AUTHORIZE", ledger)
	}
}

// A capture and a void racing on one authorization: exactly one wins, and the books agree
// with the provider.
func TestConcurrentCaptureAndVoidOneWins(t *testing.T) {
	f := newFixture(t, 10*time.Millisecond)
	ctx := context.Background()
	for range 5 {
		order := ulid.Make().String()
		if _, err := f.service.Authorize(ctx, authorize(order, provider.CardVisa)); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var captureErr, voidErr error
		wg.Go(func() { _, captureErr = f.service.Capture(ctx, order) })
		wg.Go(func() { _, voidErr = f.service.Void(ctx, order) })
		wg.Wait()
		if (captureErr == nil) == (voidErr == nil) {
			t.Fatalf("capture err %v, void err %v: want exactly one to succeed", captureErr, voidErr)
		}
		loser := captureErr
		if loser == nil {
			loser = voidErr
		}
		wantCode(t, loser, payments.CodeStateConflict)
		i, err := f.service.IntentByOrder(ctx, order)
		if err != nil {
			t.Fatal(err)
		}
		if len(f.ledger(t, order)) != 2 || (i.Status == payments.StatusCaptured) != (captureErr == nil) {
			t.Errorf("intent %s with ledger %v after capture err %v", i.Status, f.ledger(t, order), captureErr)
		}
	}
}

func TestDeclinesAreRecordedAndReplayed(t *testing.T) {
	tests := []struct {
		card   string
		reason string
	}{
		{provider.CardDeclined, "card_declined"},
		{provider.CardInsufficientFunds, "insufficient_funds"},
		{provider.CardExpired, "expired_card"},
	}
	f := newFixture(t, 0)
	ctx := context.Background()
	for n, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			order := ulid.Make().String()
			for range 2 {
				_, err := f.service.Authorize(ctx, authorize(order, tt.card))
				wantCode(t, err, payments.CodeDeclined)
				var pe *payments.Error
				if !errors.As(err, &pe) || pe.DeclineReason != tt.reason || pe.Retryable {
					t.Fatalf("decline = %#v, want reason %s, not retryable", err, tt.reason)
				}
			}
			if got := f.provider.Executed(payments.OpAuthorize); got != n+1 {
				t.Errorf("provider asked %d times, want %d: a declined retry must not reach it", got, n+1)
			}
			i, err := f.service.IntentByOrder(ctx, order)
			if err != nil || i.Status != payments.StatusFailed || i.Authorized != 0 {
				t.Errorf("intent = %+v, %v, want FAILED", i, err)
			}
			if ledger := f.ledger(t, order); len(ledger) != 0 {
				t.Errorf("a decline wrote the ledger: %v", ledger)
			}
			_, err = f.service.Capture(ctx, order)
			wantCode(t, err, payments.CodeStateConflict)
		})
	}
	if len(f.provider.Charges()) != 0 {
		t.Errorf("declined cards were charged: %+v", f.provider.Charges())
	}
}

func equalOps(a, b []payments.Operation) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
