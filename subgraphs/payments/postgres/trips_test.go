package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/payments"
	"github.com/shopgraph/shopgraph/subgraphs/payments/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/payments/provider"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
)

// newWiredFixture is a fixture whose pool counts its round trips. Its statements run on
// generic plans, as on the store's money-path pool.
func newWiredFixture(tb testing.TB, maxConns int32) (fixture, *pgtest.Wire) {
	tb.Helper()
	w := &pgtest.Wire{}
	pool := pgtest.NewPool(tb, func(c *pgxpool.Config) {
		c.MaxConns = maxConns
		c.ConnConfig.Tracer = w
		c.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
	}, postgres.Domain)
	store := postgres.NewStore(pool)
	sim := provider.NewSimulated(0)
	return fixture{store: store, pool: pool, provider: sim, service: payments.NewService(store, sim)}, w
}

// The checkout's two payment operations each cost at most two round trips and two statements
// once the connection has its statements prepared (Begin, then the recording); a replay costs
// one.
func TestOperationRoundTrips(t *testing.T) {
	// One connection, warmed by a first order, so statement preparation is not counted.
	f, w := newWiredFixture(t, 1)
	ctx := context.Background()
	checkout := func(order string) {
		t.Helper()
		if _, err := f.service.Authorize(ctx, authorize(order, provider.CardVisa)); err != nil {
			t.Fatal(err)
		}
		if _, err := f.service.Capture(ctx, order); err != nil {
			t.Fatal(err)
		}
	}
	checkout(ulid.Make().String())

	order := ulid.Make().String()
	steps := []struct {
		name         string
		run          func() error
		trips, stmts int
	}{
		{"authorize", func() error { _, err := f.service.Authorize(ctx, authorize(order, provider.CardVisa)); return err }, 2, 2},
		{"capture", func() error { _, err := f.service.Capture(ctx, order); return err }, 2, 2},
		{"authorize replayed", func() error { _, err := f.service.Authorize(ctx, authorize(order, provider.CardVisa)); return err }, 1, 1},
		{"capture replayed", func() error { _, err := f.service.Capture(ctx, order); return err }, 1, 1},
	}
	w.Reset()
	for _, s := range steps {
		if err := s.run(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		trips, stmts := w.Reset()
		t.Logf("%s: %d round trips, %d statements", s.name, trips, stmts)
		if trips > s.trips || stmts > s.stmts {
			t.Errorf("%s took %d round trips and %d statements, want at most %d and %d", s.name, trips, stmts, s.trips, s.stmts)
		}
	}
	if ledger := f.ledger(t, order); !equalOps(ledger, []payments.Operation{payments.OpAuthorize, payments.OpCapture}) {
		t.Errorf("ledger = %v", ledger)
	}
}
