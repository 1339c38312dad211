package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/payments"
	"github.com/shopgraph/shopgraph/subgraphs/payments/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/payments/provider"
)

// The provider acts but its answer is lost. The retry sends the same idempotency key, so the
// provider replays the original outcome: one charge, one capture, one refund at the provider
// and one ledger entry each.
func TestTimeoutAfterChargingNeverChargesTwice(t *testing.T) {
	ctx := context.Background()
	for _, op := range []payments.Operation{payments.OpAuthorize, payments.OpCapture, payments.OpRefund} {
		t.Run(string(op), func(t *testing.T) {
			f := newFixture(t, 0)
			order := ulid.Make().String()
			steps := map[payments.Operation]func() (payments.Intent, error){
				payments.OpAuthorize: func() (payments.Intent, error) { return f.service.Authorize(ctx, authorize(order, provider.CardVisa)) },
				payments.OpCapture:   func() (payments.Intent, error) { return f.service.Capture(ctx, order) },
				payments.OpRefund:    func() (payments.Intent, error) { return f.service.Refund(ctx, order, eur1999) },
			}
			for _, before := range []payments.Operation{payments.OpAuthorize, payments.OpCapture, payments.OpRefund} {
				if before == op {
					break
				}
				if _, err := steps[before](); err != nil {
					t.Fatal(err)
				}
			}
			f.provider.Inject(provider.Fault{Operation: op, Kind: provider.TimeoutAfterCharging, Times: 2})

			for range 2 {
				_, err := steps[op]()
				wantCode(t, err, payments.CodeProviderUnavailable)
				var pe *payments.Error
				if !errors.As(err, &pe) || !pe.Retryable || !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("err = %#v, want a retryable error that keeps the timeout as cause", err)
				}
			}
			pending, err := f.service.IntentByOrder(ctx, order)
			if err != nil || pending.Pending != op {
				t.Fatalf("intent after the timeouts = %+v, %v, want %s pending", pending, err, op)
			}
			if op != payments.OpRefund {
				// While the outcome is unknown nothing else may move the money.
				_, err := f.service.Void(ctx, order)
				wantCode(t, err, payments.CodeStateConflict)
			}

			i, err := steps[op]()
			if err != nil {
				t.Fatalf("retry: %v", err)
			}
			if i.Pending != "" {
				t.Errorf("intent after the retry still has %s pending", i.Pending)
			}
			if n := f.provider.Executed(op); n != 1 {
				t.Errorf("provider ran %s %d times, want 1", op, n)
			}
			charges := f.provider.Charges()
			if len(charges) != 1 || i.ProviderReference != charges[0].ID {
				t.Fatalf("provider charges = %+v, intent reference %s: want one charge, the intent's", charges, i.ProviderReference)
			}
			if c := charges[0]; (op == payments.OpCapture && c.Captured != 1999) || (op == payments.OpRefund && c.Refunded != 1999) {
				t.Errorf("provider's charge = %+v", c)
			}
			count := 0
			for _, e := range f.ledger(t, order) {
				if e == op {
					count++
				}
			}
			if count != 1 {
				t.Errorf("ledger has %d %s entries, want 1", count, op)
			}
		})
	}
}

func TestErrorBeforeChargingIsRetried(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	order := ulid.Make().String()
	f.provider.Inject(provider.Fault{Operation: payments.OpAuthorize, Kind: provider.ErrorBeforeCharging, Times: 1})
	_, err := f.service.Authorize(ctx, authorize(order, provider.CardVisa))
	wantCode(t, err, payments.CodeProviderUnavailable)
	if !errors.Is(err, provider.ErrUnavailable) {
		t.Errorf("cause lost: %v", err)
	}
	if n := len(f.provider.Charges()); n != 0 {
		t.Fatalf("provider charged %d times before failing", n)
	}
	i, err := f.service.Authorize(ctx, authorize(order, provider.CardVisa))
	if err != nil || i.Status != payments.StatusAuthorized || len(f.provider.Charges()) != 1 {
		t.Fatalf("retry: %+v, %v, charges %d", i, err, len(f.provider.Charges()))
	}
}

// A caller that took the lease and died never releases it; the next caller waits for the
// lease to run out and then finishes the operation.
func TestLeaseOfACrashedCallerRunsOut(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	order := ulid.Make().String()
	req := authorize(order, provider.CardVisa)
	c := payments.Command{Operation: payments.OpAuthorize, OrderID: order, CustomerID: req.CustomerID, Amount: req.Amount, PaymentMethod: req.PaymentMethod, Provider: "simulated"}
	// Long enough that a loaded machine still asks the impatient caller within it.
	const lease = 1500 * time.Millisecond
	if _, err := f.store.Begin(ctx, c, lease); err != nil {
		t.Fatal(err)
	}

	impatient := payments.NewService(f.store, f.provider, payments.WithInProgressWait(50*time.Millisecond))
	_, err := impatient.Authorize(ctx, req)
	wantCode(t, err, payments.CodeInProgress)

	start := time.Now()
	i, err := f.service.Authorize(ctx, req)
	if err != nil || i.Status != payments.StatusAuthorized {
		t.Fatalf("authorize after the crash: %+v, %v", i, err)
	}
	if waited := time.Since(start); waited > lease+5*time.Second {
		t.Errorf("waited %v for a %v lease", waited, lease)
	}
	if n := len(f.provider.Charges()); n != 1 {
		t.Errorf("provider made %d charges, want 1", n)
	}
}

func TestServiceRefusesWhatTheStateMachineForbids(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	eur := func(n int64) payments.Money { return payments.Money{Amount: n, Currency: "EUR"} }
	authorized, captured := ulid.Make().String(), ulid.Make().String()
	for _, o := range []string{authorized, captured} {
		if _, err := f.service.Authorize(ctx, authorize(o, provider.CardVisa)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.service.Capture(ctx, captured); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		run  func() error
		code string
	}{
		{"refund before capture", func() error { _, err := f.service.Refund(ctx, authorized, eur(100)); return err }, payments.CodeStateConflict},
		{"refund above captured", func() error { _, err := f.service.Refund(ctx, captured, eur(2000)); return err }, payments.CodeRefundExceeds},
		{"refund in another currency", func() error {
			_, err := f.service.Refund(ctx, captured, payments.Money{Amount: 100, Currency: "USD"})
			return err
		}, payments.CodeStateConflict},
		{"void after capture", func() error { _, err := f.service.Void(ctx, captured); return err }, payments.CodeStateConflict},
		{"authorize again with another amount", func() error {
			r := authorize(captured, provider.CardVisa)
			r.Amount.Amount = 2999
			_, err := f.service.Authorize(ctx, r)
			return err
		}, payments.CodeIdempotencyConflict},
		{"authorize again with another card", func() error {
			_, err := f.service.Authorize(ctx, authorize(captured, "4000056655665556"))
			return err
		}, payments.CodeIdempotencyConflict},
		{"capture of an order without payment", func() error { _, err := f.service.Capture(ctx, ulid.Make().String()); return err }, payments.CodeNotFound},
		{"payment of an unknown order", func() error { _, err := f.service.IntentByOrder(ctx, ulid.Make().String()); return err }, payments.CodeNotFound},
		{"malformed order id", func() error { _, err := f.service.Capture(ctx, "1; DROP TABLE"); return err }, payments.CodeBadUserInput},
		{"zero refund", func() error { _, err := f.service.Refund(ctx, captured, eur(0)); return err }, payments.CodeBadUserInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantCode(t, tt.run(), tt.code) })
	}
	// A refused refund leaves room for a valid one; a second, different refund is refused.
	if _, err := f.service.Refund(ctx, captured, eur(1000)); err != nil {
		t.Fatal(err)
	}
	_, err := f.service.Refund(ctx, captured, eur(999))
	wantCode(t, err, payments.CodeIdempotencyConflict)
}

func TestLedgerIsAppendOnly(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	order := ulid.Make().String()
	if _, err := f.service.Authorize(ctx, authorize(order, provider.CardVisa)); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		`UPDATE payments.ledger_entry SET amount = 1`,
		`DELETE FROM payments.ledger_entry`,
		`TRUNCATE payments.ledger_entry CASCADE`,
	} {
		_, err := f.pool.Exec(ctx, sql, nil...)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("%s: err = %v, want the append-only refusal (42501)", sql, err)
		}
	}
	if ledger := f.ledger(t, order); !equalOps(ledger, []payments.Operation{payments.OpAuthorize}) {
		t.Errorf("ledger = %v after refused changes", ledger)
	}
}

// With the database gone, every operation fails with an error and nothing reaches the provider.
func TestDatabaseOutageFailsWithoutCharging(t *testing.T) {
	f := newFixture(t, 0)
	cfg := f.pool.Config()
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	pool.Close()
	service := payments.NewService(postgres.NewStore(pool), f.provider)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := service.Authorize(ctx, authorize(ulid.Make().String(), provider.CardVisa)); err == nil || payments.CodeOf(err) != "" {
		t.Fatalf("authorize on a closed pool: %v, want an internal error", err)
	}
	if n := len(f.provider.Charges()); n != 0 {
		t.Errorf("provider charged %d times without a database", n)
	}
}

// flakyStore fails the first recording of a success, as a database that drops the connection
// right after the provider charged.
type flakyStore struct {
	*postgres.Store
	failed bool
}

func (s *flakyStore) Succeed(ctx context.Context, a payments.Attempt, reference string) (payments.Intent, error) {
	if !s.failed {
		s.failed = true
		return payments.Intent{}, errors.New("connection reset by peer")
	}
	return s.Store.Succeed(ctx, a, reference)
}

func TestLostRecordingIsRecoveredByARetry(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	order := ulid.Make().String()
	service := payments.NewService(&flakyStore{Store: f.store}, f.provider)

	if _, err := service.Authorize(ctx, authorize(order, provider.CardVisa)); err == nil {
		t.Fatal("the failed recording was not reported")
	}
	start := time.Now()
	i, err := service.Authorize(ctx, authorize(order, provider.CardVisa))
	if err != nil || i.Status != payments.StatusAuthorized {
		t.Fatalf("retry: %+v, %v", i, err)
	}
	if waited := time.Since(start); waited > 2*time.Second {
		t.Errorf("retry waited %v: the lease was not released", waited)
	}
	if calls, charges := f.provider.Calls(payments.OpAuthorize), len(f.provider.Charges()); calls != 2 || charges != 1 {
		t.Errorf("provider called %d times with %d charges, want 2 calls and 1 charge", calls, charges)
	}
	if i.ProviderReference != f.provider.Charges()[0].ID {
		t.Errorf("intent references %s, not the provider's charge", i.ProviderReference)
	}
	if ledger := f.ledger(t, order); !equalOps(ledger, []payments.Operation{payments.OpAuthorize}) {
		t.Errorf("ledger = %v", ledger)
	}
}
