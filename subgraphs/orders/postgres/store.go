// Package postgres stores the orders domain in the Postgres schema "orders": checkout sagas,
// idempotency records, orders with their lines and status history, and the domain's outbox.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shopgraph/shopgraph/subgraphs"
	"github.com/shopgraph/shopgraph/subgraphs/orders"
	"github.com/shopgraph/shopgraph/subgraphs/outbox"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Domain is what the binary needs to migrate the orders schema.
var Domain = subgraphs.Domain{
	Name:       "orders",
	Schema:     "orders",
	Migrations: subgraphs.EmbeddedMigrations(migrations, "migrations"),
}

// Outbox is the orders domain's outbox; run an outbox.Relay on it to publish its events.
var Outbox = outbox.New("orders")

// Event types the orders domain publishes.
const (
	EventOrderPlaced    = "OrderPlaced"
	EventOrderCancelled = "OrderCancelled"
)

// Store keeps the orders domain in Postgres. It implements orders.Store and the reads the
// GraphQL layer batches.
type Store struct {
	pool *pgxpool.Pool
	jobs SagaJobs
}

// SagaJobs schedules the durable job that takes a parked saga up again (the jobs subpackage,
// on River), in the transaction that parks it.
type SagaJobs interface {
	ScheduleTx(ctx context.Context, tx pgx.Tx, sagaID string, after time.Duration) error
}

// WithSagaJobs makes the store schedule a job for every saga it parks; call it before the
// store is used. Without jobs, only the recovery sweep (orders.Recovery) finds parked sagas.
func (s *Store) WithSagaJobs(j SagaJobs) *Store {
	s.jobs = j
	return s
}

var _ orders.Store = (*Store)(nil)

// NewStore returns a Store on the pool.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// Pool is the store's pool, for the outbox relay.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

func millis(d time.Duration) int64 { return d.Milliseconds() }

// inTx runs fn in a transaction and commits it.
func (s *Store) inTx(ctx context.Context, what string, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("%s: begin: %w", what, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after Commit
	if err := fn(tx); err != nil {
		if errors.Is(err, orders.ErrLeaseLost) {
			return err
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("%s: commit: %w", what, err)
	}
	return nil
}
