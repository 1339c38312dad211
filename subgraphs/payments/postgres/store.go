// Package postgres stores the payments domain in the Postgres schema "payments": intents, the
// record of every operation asked for (the idempotency record), and the append-only ledger.
package postgres

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs"
	"github.com/shopgraph/shopgraph/subgraphs/payments"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Domain is what the binary needs to migrate the payments schema.
var Domain = subgraphs.Domain{
	Name:       "payments",
	Schema:     "payments",
	Migrations: subgraphs.EmbeddedMigrations(migrations, "migrations"),
}

// Store keeps payments in Postgres. It implements payments.Store.
type Store struct {
	pool *pgxpool.Pool
}

var _ payments.Store = (*Store)(nil)

// NewStore returns a Store on the pool.
func NewStore(pool *pgxpool.Pool) *Store {
	return &Store{pool: pool}
}

const intentColumns = `
	id, order_id, customer_id, amount, currency, status, provider, provider_reference,
	authorized_amount, captured_amount, refunded_amount, pending_operation, created_at, updated_at`

type intentRow struct {
	ID                string    `db:"id"`
	OrderID           string    `db:"order_id"`
	CustomerID        *string   `db:"customer_id"`
	Amount            int64     `db:"amount"`
	Currency          string    `db:"currency"`
	Status            string    `db:"status"`
	Provider          string    `db:"provider"`
	ProviderReference *string   `db:"provider_reference"`
	AuthorizedAmount  int64     `db:"authorized_amount"`
	CapturedAmount    int64     `db:"captured_amount"`
	RefundedAmount    int64     `db:"refunded_amount"`
	PendingOperation  *string   `db:"pending_operation"`
	CreatedAt         time.Time `db:"created_at"`
	UpdatedAt         time.Time `db:"updated_at"`
}

func (r intentRow) intent() payments.Intent {
	return payments.Intent{
		ID:                r.ID,
		OrderID:           r.OrderID,
		CustomerID:        deref(r.CustomerID),
		Amount:            payments.Money{Amount: r.Amount, Currency: r.Currency},
		Status:            payments.Status(r.Status),
		Provider:          r.Provider,
		ProviderReference: deref(r.ProviderReference),
		Authorized:        r.AuthorizedAmount,
		Captured:          r.CapturedAmount,
		Refunded:          r.RefundedAmount,
		Pending:           payments.Operation(deref(r.PendingOperation)),
		CreatedAt:         r.CreatedAt,
		UpdatedAt:         r.UpdatedAt,
	}
}

type operationRow struct {
	RequestHash    []byte  `db:"request_hash"`
	Amount         int64   `db:"amount"`
	Currency       string  `db:"currency"`
	Status         string  `db:"status"`
	DeclineReason  *string `db:"decline_reason"`
	DeclineMessage *string `db:"decline_message"`
}

// Begin implements payments.Store. It runs in one short transaction that locks the intent row
// first (every transaction here does, so they cannot deadlock), so concurrent callers for one
// order are served one after the other; the provider is called after it commits, under the
// lease it takes.
func (s *Store) Begin(ctx context.Context, c payments.Command, lease time.Duration) (payments.Attempt, error) {
	var a payments.Attempt
	hash := requestHash(c)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Creating the intent, locking it and reading the operation's record travel in one
		// round trip. They stay separate statements: each reads the rows committed when it
		// starts, so the record is read after the lock is held, never from before it.
		b := &pgx.Batch{}
		if c.Operation == payments.OpAuthorize {
			b.Queue(`
				INSERT INTO payments.intent (id, order_id, customer_id, amount, currency, status, provider)
				VALUES ($1, $2, NULLIF($3, ''), $4, $5, 'REQUIRES_AUTHORIZATION', $6)
				ON CONFLICT (order_id) DO NOTHING`,
				ulid.Make().String(), c.OrderID, c.CustomerID, c.Amount.Amount, c.Amount.Currency, c.Provider)
		}
		b.Queue(`
			SELECT `+intentColumns+`, coalesce(lease_until > now(), false) AS leased
			FROM payments.intent WHERE order_id = $1 FOR UPDATE`, c.OrderID)
		b.Queue(`
			SELECT request_hash, amount, currency, status, decline_reason, decline_message
			FROM payments.operation WHERE order_id = $1 AND operation = $2`, c.OrderID, c.Operation)
		locked, op, err := readBegin(tx.SendBatch(ctx, b), b.Len())
		if errors.Is(err, pgx.ErrNoRows) {
			return payments.NotFound(c.OrderID)
		}
		if err != nil {
			return err
		}
		intent := locked.intent()

		// record is the statement that records the operation and counts the try; its
		// parameters follow the lease's $1 to $4.
		var record string
		var recordArgs []any
		switch {
		case op == nil:
			// First time this operation is asked for: the state machine decides.
			if c, err = payments.Prepare(intent, c); err != nil {
				return err
			}
			record = `INSERT INTO payments.operation (order_id, operation, request_hash, amount, currency, tries)
				VALUES ($1, $2, $5, $6, $7, 1)
				ON CONFLICT (order_id, operation) DO NOTHING`
			recordArgs = []any{hash, c.Amount.Amount, c.Amount.Currency}
			intent.Pending = c.Operation
		case !bytes.Equal(op.RequestHash, hash):
			return &payments.Error{Code: payments.CodeIdempotencyConflict, Message: fmt.Sprintf(
				"order %s already has a %s with different details", c.OrderID, lower(c.Operation))}
		case op.Status == "SUCCEEDED":
			a = payments.Attempt{Command: c, Intent: intent, Done: true}
			return nil
		case op.Status == "DECLINED":
			return payments.Decline(deref(op.DeclineReason), deref(op.DeclineMessage))
		default:
			// Pending: the outcome is unknown, so the provider is asked again with the same key.
			c.Amount = payments.Money{Amount: op.Amount, Currency: op.Currency}
			record = `UPDATE payments.operation SET tries = tries + 1, updated_at = now()
				WHERE order_id = $1 AND operation = $2`
		}
		if locked.Leased {
			return &payments.Error{Code: payments.CodeInProgress, Retryable: true, Message: fmt.Sprintf(
				"another %s of order %s is in progress", lower(intent.Pending), c.OrderID)}
		}
		token := ulid.Make().String()
		if _, err := tx.Exec(ctx, `
			WITH recorded AS (`+record+`)
			UPDATE payments.intent
			SET pending_operation = $2, lease_token = $3, lease_until = now() + $4::interval, updated_at = now()
			WHERE order_id = $1`,
			append([]any{c.OrderID, c.Operation, token, lease.String()}, recordArgs...)...); err != nil {
			return fmt.Errorf("record operation and lease intent: %w", err)
		}
		a = payments.Attempt{Command: c, Intent: intent, Lease: token}
		return nil
	})
	if err != nil {
		return payments.Attempt{}, fmt.Errorf("begin %s of order %s: %w", lower(c.Operation), c.OrderID, err)
	}
	return a, nil
}

type lockedIntent struct {
	intentRow
	Leased bool `db:"leased"`
}

// readBegin reads Begin's batch of n statements: the optional insert, the locked intent, and
// the operation's record (nil when there is none).
func readBegin(br pgx.BatchResults, n int) (lockedIntent, *operationRow, error) {
	defer br.Close()
	if n == 3 {
		if _, err := br.Exec(); err != nil {
			return lockedIntent{}, nil, fmt.Errorf("create intent: %w", err)
		}
	}
	rows, _ := br.Query()
	locked, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[lockedIntent])
	if err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return lockedIntent{}, nil, err
		}
		return lockedIntent{}, nil, fmt.Errorf("lock intent: %w", err)
	}
	rows, _ = br.Query()
	op, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[operationRow])
	if errors.Is(err, pgx.ErrNoRows) {
		return locked, nil, nil
	}
	if err != nil {
		return lockedIntent{}, nil, fmt.Errorf("read operation: %w", err)
	}
	return locked, &op, nil
}

// Succeed implements payments.Store: one transaction moves the operation to SUCCEEDED, appends
// the ledger entry and updates the intent. The PENDING guard makes a second recording a no-op.
func (s *Store) Succeed(ctx context.Context, a payments.Attempt, reference string) (payments.Intent, error) {
	c := a.Command
	if reference == "" {
		reference = a.Intent.ProviderReference
	}
	var out payments.Intent
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		intent, settled, err := settle(ctx, tx, c, `status = 'SUCCEEDED', provider_reference = $3`, reference)
		if err != nil || !settled {
			out = intent
			return err
		}
		next := payments.Apply(intent, c, reference)
		out, err = writeIntent(ctx, tx, next, a.Lease, `
			INSERT INTO payments.ledger_entry (id, intent_id, order_id, operation, amount, currency, provider_reference)
			VALUES ($9, $10, $1, $11, $12, $13, $14)
			ON CONFLICT (order_id, operation) DO NOTHING`,
			ulid.Make().String(), intent.ID, c.Operation, c.Amount.Amount, c.Amount.Currency, reference)
		return err
	})
	if err != nil {
		return payments.Intent{}, fmt.Errorf("record %s of order %s: %w", lower(c.Operation), c.OrderID, err)
	}
	return out, nil
}

// Fail implements payments.Store.
func (s *Store) Fail(ctx context.Context, a payments.Attempt, decline *payments.Error) (payments.Intent, error) {
	c := a.Command
	var out payments.Intent
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		intent, settled, err := settle(ctx, tx, c, `status = 'DECLINED', decline_reason = $3, decline_message = $4`,
			decline.DeclineReason, decline.Message)
		if err != nil || !settled {
			out = intent
			return err
		}
		out, err = writeIntent(ctx, tx, payments.ApplyDecline(intent, c), a.Lease, "")
		return err
	})
	if err != nil {
		return payments.Intent{}, fmt.Errorf("record declined %s of order %s: %w", lower(c.Operation), c.OrderID, err)
	}
	return out, nil
}

// settle locks the intent and moves the operation out of PENDING with the given SET clause
// (parameters from $3), in one round trip. settled is false when another caller recorded the
// outcome first; intent is then the result to return.
func settle(ctx context.Context, tx pgx.Tx, c payments.Command, set string, args ...any) (payments.Intent, bool, error) {
	b := &pgx.Batch{}
	b.Queue(`SELECT `+intentColumns+` FROM payments.intent WHERE order_id = $1 FOR UPDATE`, c.OrderID)
	b.Queue(`UPDATE payments.operation SET `+set+`, updated_at = now()
		WHERE order_id = $1 AND operation = $2 AND status = 'PENDING'`,
		append([]any{c.OrderID, c.Operation}, args...)...)
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	rows, _ := br.Query()
	row, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[intentRow])
	if errors.Is(err, pgx.ErrNoRows) {
		return payments.Intent{}, false, payments.NotFound(c.OrderID)
	}
	if err != nil {
		return payments.Intent{}, false, fmt.Errorf("lock intent: %w", err)
	}
	tag, err := br.Exec()
	if err != nil {
		return payments.Intent{}, false, fmt.Errorf("settle operation: %w", err)
	}
	return row.intent(), tag.RowsAffected() == 1, nil
}

// Release implements payments.Store. Only the holder's own lease is ended: a caller whose
// lease ran out must not end the next caller's.
func (s *Store) Release(ctx context.Context, a payments.Attempt) error {
	_, err := s.pool.Exec(ctx, `
		UPDATE payments.intent SET lease_token = NULL, lease_until = NULL
		WHERE order_id = $1 AND lease_token = $2`, a.Command.OrderID, a.Lease)
	if err != nil {
		return fmt.Errorf("release lease on order %s: %w", a.Command.OrderID, err)
	}
	return nil
}

// writeIntent stores the intent's new state and ends the lease if it is still lease's. also, a
// statement with parameters from $9 (such as the ledger entry), runs in the same statement.
func writeIntent(ctx context.Context, tx pgx.Tx, i payments.Intent, lease string, also string, alsoArgs ...any) (payments.Intent, error) {
	with := ""
	if also != "" {
		with = "WITH also AS (" + also + ")"
	}
	args := append([]any{i.OrderID, i.Status, i.ProviderReference, i.Authorized, i.Captured, i.Refunded, string(i.Pending), lease}, alsoArgs...)
	rows, _ := tx.Query(ctx, with+`
		UPDATE payments.intent SET
			status = $2, provider_reference = NULLIF($3, ''), authorized_amount = $4, captured_amount = $5,
			refunded_amount = $6, pending_operation = NULLIF($7, ''), updated_at = now(),
			lease_until = CASE WHEN lease_token = $8 THEN NULL ELSE lease_until END,
			lease_token = CASE WHEN lease_token = $8 THEN NULL ELSE lease_token END
		WHERE order_id = $1
		RETURNING `+intentColumns, args...)
	row, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[intentRow])
	if err != nil {
		return payments.Intent{}, fmt.Errorf("update intent: %w", err)
	}
	return row.intent(), nil
}

// IntentByOrder implements payments.Store.
func (s *Store) IntentByOrder(ctx context.Context, orderID string) (payments.Intent, error) {
	intents, err := s.IntentsByOrder(ctx, []string{orderID})
	if err != nil {
		return payments.Intent{}, err
	}
	i, ok := intents[orderID]
	if !ok {
		return payments.Intent{}, payments.NotFound(orderID)
	}
	return i, nil
}

// IntentsByOrder returns the intents of the given orders in one query, keyed by order id;
// orders without a payment are absent.
func (s *Store) IntentsByOrder(ctx context.Context, orderIDs []string) (map[string]payments.Intent, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+intentColumns+` FROM payments.intent WHERE order_id = ANY($1)`, orderIDs)
	found, err := pgx.CollectRows(rows, pgx.RowToStructByName[intentRow])
	if err != nil {
		return nil, fmt.Errorf("load intents of %d orders: %w", len(orderIDs), err)
	}
	out := make(map[string]payments.Intent, len(found))
	for _, r := range found {
		out[r.OrderID] = r.intent()
	}
	return out, nil
}

type ledgerRow struct {
	ID                string    `db:"id"`
	IntentID          string    `db:"intent_id"`
	OrderID           string    `db:"order_id"`
	Operation         string    `db:"operation"`
	Amount            int64     `db:"amount"`
	Currency          string    `db:"currency"`
	ProviderReference string    `db:"provider_reference"`
	CreatedAt         time.Time `db:"created_at"`
}

// LedgerByIntent returns the ledger entries of the given intents in one query, keyed by
// intent id, each list in the order the operations happened.
func (s *Store) LedgerByIntent(ctx context.Context, intentIDs []string) (map[string][]payments.LedgerEntry, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT id, intent_id, order_id, operation, amount, currency, provider_reference, created_at
		FROM payments.ledger_entry
		WHERE intent_id = ANY($1)
		ORDER BY intent_id, created_at, id`, intentIDs)
	found, err := pgx.CollectRows(rows, pgx.RowToStructByName[ledgerRow])
	if err != nil {
		return nil, fmt.Errorf("load ledger of %d intents: %w", len(intentIDs), err)
	}
	out := make(map[string][]payments.LedgerEntry, len(intentIDs))
	for _, r := range found {
		out[r.IntentID] = append(out[r.IntentID], payments.LedgerEntry{
			ID:                r.ID,
			IntentID:          r.IntentID,
			OrderID:           r.OrderID,
			Operation:         payments.Operation(r.Operation),
			Amount:            payments.Money{Amount: r.Amount, Currency: r.Currency},
			ProviderReference: r.ProviderReference,
			CreatedAt:         r.CreatedAt,
		})
	}
	return out, nil
}

// requestHash fingerprints everything a caller sent for a command, so a retry can be told
// apart from a different request under the same (order, operation). The payment method is
// only hashed, never stored.
func requestHash(c payments.Command) []byte {
	h := sha256.New()
	for _, s := range []string{string(c.Operation), c.OrderID, c.CustomerID, c.Amount.Currency, c.PaymentMethod} {
		_ = binary.Write(h, binary.BigEndian, uint32(len(s)))
		h.Write([]byte(s))
	}
	_ = binary.Write(h, binary.BigEndian, c.Amount.Amount)
	return h.Sum(nil)
}

func lower(op payments.Operation) string { return string(bytes.ToLower([]byte(op))) }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
