package outbox

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Publisher hands messages to the bus. It returns once the bus has stored every message
// (at-least-once), and must treat a repeated Message.ID as the same message, which is what makes
// a relay that crashed between publishing and deleting rows harmless.
type Publisher interface {
	Publish(ctx context.Context, msgs []Message) error
}

// Relay publishes a domain's outbox rows, oldest first, and deletes them: the bus keeps the
// events, and the table holds only what is still to publish. Several
// relays (one per replica) may run on one outbox: each batch is claimed with FOR UPDATE SKIP
// LOCKED, so a row is published by one relay at a time.
type Relay struct {
	pool     *pgxpool.Pool
	box      *Outbox
	pub      Publisher
	batch    int
	interval time.Duration
}

// RelayOption tunes a Relay.
type RelayOption func(*Relay)

// WithBatch sets how many rows one round publishes (default 100).
func WithBatch(n int) RelayOption { return func(r *Relay) { r.batch = n } }

// WithInterval sets how long Run waits after a round that found nothing (default 200ms).
func WithInterval(d time.Duration) RelayOption { return func(r *Relay) { r.interval = d } }

// NewRelay returns a relay of box's rows to pub.
func NewRelay(pool *pgxpool.Pool, box *Outbox, pub Publisher, opts ...RelayOption) *Relay {
	r := &Relay{pool: pool, box: box, pub: pub, batch: 100, interval: 200 * time.Millisecond}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Run relays until ctx ends: full batches back to back, then a pause while the outbox is empty
// or the bus fails.
func (r *Relay) Run(ctx context.Context) {
	for {
		n, err := r.RelayOnce(ctx)
		if err != nil && ctx.Err() == nil {
			slog.WarnContext(ctx, "relay outbox", "schema", r.box.schema, "err", err)
		}
		if err == nil && n == r.batch {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(r.interval):
		}
	}
}

type row struct {
	ID        string    `db:"id"`
	Type      string    `db:"type"`
	Key       string    `db:"key"`
	Payload   []byte    `db:"payload"`
	CreatedAt time.Time `db:"created_at"`
}

// RelayOnce publishes one batch of rows and deletes them in one transaction. If the process
// dies after publishing and before the commit, the next round publishes the rows again under
// the same ids, and the bus drops them as duplicates.
func (r *Relay) RelayOnce(ctx context.Context) (int, error) {
	tx, err := r.pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("relay %s: begin: %w", r.box.schema, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after Commit
	rows, err := tx.Query(ctx, `
		SELECT id, type, key, payload::text::bytea AS payload, created_at FROM `+r.box.table+`
		ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`, r.batch)
	if err != nil {
		return 0, fmt.Errorf("relay %s: claim: %w", r.box.schema, err)
	}
	claimed, err := pgx.CollectRows(rows, pgx.RowToStructByName[row])
	if err != nil {
		return 0, fmt.Errorf("relay %s: claim: %w", r.box.schema, err)
	}
	if len(claimed) == 0 {
		return 0, nil
	}
	msgs := make([]Message, len(claimed))
	ids := make([]string, len(claimed))
	for i, c := range claimed {
		msgs[i] = Message{ID: c.ID, Subject: r.box.Subject(c.Type), Type: c.Type, Key: c.Key, Data: c.Payload, CreatedAt: c.CreatedAt}
		ids[i] = c.ID
	}
	if err := r.pub.Publish(ctx, msgs); err != nil {
		return 0, fmt.Errorf("relay %s: publish: %w", r.box.schema, err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM `+r.box.table+` WHERE id = ANY($1)`, ids); err != nil {
		return 0, fmt.Errorf("relay %s: delete published rows: %w", r.box.schema, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("relay %s: commit: %w", r.box.schema, err)
	}
	return len(claimed), nil
}
