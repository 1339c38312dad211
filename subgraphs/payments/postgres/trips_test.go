package postgres_test

import (
	"context"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/payments"
	"github.com/shopgraph/shopgraph/subgraphs/payments/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/payments/provider"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
)

// wire is a pgx tracer that counts what a pool sends to Postgres: round trips (a query, an
// exec, a batch, a prepare) and the statements they carry (BEGIN and COMMIT included).
type wire struct {
	mu         sync.Mutex
	trips      int
	statements int
}

func (w *wire) add(trips, statements int) {
	w.mu.Lock()
	w.trips += trips
	w.statements += statements
	w.mu.Unlock()
}

func (w *wire) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	w.add(1, 1)
	return ctx
}

func (w *wire) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (w *wire) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	w.add(1, 0)
	return ctx
}

func (w *wire) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) { w.add(0, 1) }

func (w *wire) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

func (w *wire) TracePrepareStart(ctx context.Context, _ *pgx.Conn, _ pgx.TracePrepareStartData) context.Context {
	w.add(1, 0)
	return ctx
}

func (w *wire) TracePrepareEnd(context.Context, *pgx.Conn, pgx.TracePrepareEndData) {}

// reset returns the counts so far and starts again from zero.
func (w *wire) reset() (trips, statements int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	trips, statements = w.trips, w.statements
	w.trips, w.statements = 0, 0
	return trips, statements
}

// newWiredFixture is a fixture whose pool counts its round trips.
func newWiredFixture(tb testing.TB, maxConns int32) (fixture, *wire) {
	tb.Helper()
	w := &wire{}
	pool := pgtest.NewPool(tb, func(c *pgxpool.Config) {
		c.MaxConns = maxConns
		c.ConnConfig.Tracer = w
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
	w.reset()
	for _, s := range steps {
		if err := s.run(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		trips, stmts := w.reset()
		t.Logf("%s: %d round trips, %d statements", s.name, trips, stmts)
		if trips > s.trips || stmts > s.stmts {
			t.Errorf("%s took %d round trips and %d statements, want at most %d and %d", s.name, trips, stmts, s.trips, s.stmts)
		}
	}
	if ledger := f.ledger(t, order); !equalOps(ledger, []payments.Operation{payments.OpAuthorize, payments.OpCapture}) {
		t.Errorf("ledger = %v", ledger)
	}
}
