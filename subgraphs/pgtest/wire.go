package pgtest

import (
	"context"
	"sync"

	"github.com/jackc/pgx/v5"
)

// Wire is a pgx tracer that counts what a pool sends to Postgres: round trips (a query, an
// exec, a batch, a prepare) and the statements they carry (BEGIN and COMMIT included). Set it
// as a pool's ConnConfig.Tracer.
type Wire struct {
	mu         sync.Mutex
	trips      int
	statements int
}

func (w *Wire) add(trips, statements int) {
	w.mu.Lock()
	w.trips += trips
	w.statements += statements
	w.mu.Unlock()
}

// TraceQueryStart implements pgx.QueryTracer.
func (w *Wire) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	w.add(1, 1)
	return ctx
}

// TraceQueryEnd implements pgx.QueryTracer.
func (w *Wire) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TraceBatchStart implements pgx.BatchTracer.
func (w *Wire) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	w.add(1, 0)
	return ctx
}

// TraceBatchQuery implements pgx.BatchTracer.
func (w *Wire) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) { w.add(0, 1) }

// TraceBatchEnd implements pgx.BatchTracer.
func (w *Wire) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// TracePrepareStart implements pgx.PrepareTracer.
func (w *Wire) TracePrepareStart(ctx context.Context, _ *pgx.Conn, _ pgx.TracePrepareStartData) context.Context {
	w.add(1, 0)
	return ctx
}

// TracePrepareEnd implements pgx.PrepareTracer.
func (w *Wire) TracePrepareEnd(context.Context, *pgx.Conn, pgx.TracePrepareEndData) {}

// Reset returns the counts so far and starts again from zero.
func (w *Wire) Reset() (trips, statements int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	trips, statements = w.trips, w.statements
	w.trips, w.statements = 0, 0
	return trips, statements
}
