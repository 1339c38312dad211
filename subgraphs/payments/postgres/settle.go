package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/payments"
)

// A caller that still holds its lease records the provider's answer in one statement: the
// intent it read in Begin is still the intent (no one else may begin an operation on it, and
// an operation settled by anyone else is no longer PENDING), so its next state is computed
// in Go and written without reading the intent again. The statement locks the intent first,
// as every writer here does, and writes nothing unless the lease is the caller's and the
// operation is PENDING; then the caller falls back to the locked path of a late caller. It
// returns only updated_at: the rest of the stored intent is the next state it wrote, and the
// columns no statement changes once the intent exists (id, order, customer, amount, currency,
// provider, created_at), which the caller has from Begin.
//
// Parameters: $1 order, $2 to $7 the intent's next state, $8 lease token, $9 operation.
const (
	heldLease = `
		held AS MATERIALIZED (
			SELECT 1 FROM payments.intent WHERE order_id = $1 AND lease_token = $8 FOR UPDATE
		)`
	writeHeldIntent = `
		UPDATE payments.intent SET
			status = $2, provider_reference = NULLIF($3, ''), authorized_amount = $4, captured_amount = $5,
			refunded_amount = $6, pending_operation = NULLIF($7, ''), updated_at = now(),
			lease_token = NULL, lease_until = NULL
		WHERE order_id = $1 AND EXISTS (SELECT 1 FROM settled)
		RETURNING updated_at`
	// $10 reference, $11 entry id, $12 intent id, $13 amount, $14 currency.
	succeedHeld = `WITH ` + heldLease + `,
		settled AS (
			UPDATE payments.operation SET status = 'SUCCEEDED', provider_reference = $10, updated_at = now()
			WHERE order_id = $1 AND operation = $9 AND status = 'PENDING' AND EXISTS (SELECT 1 FROM held)
			RETURNING 1
		),
		entry AS (
			INSERT INTO payments.ledger_entry (id, intent_id, order_id, operation, amount, currency, provider_reference)
			SELECT $11, $12, $1, $9, $13::bigint, $14, $10 FROM settled
			ON CONFLICT (order_id, operation) DO NOTHING
		)` + writeHeldIntent
	// $10 decline reason, $11 decline message.
	declineHeld = `WITH ` + heldLease + `,
		settled AS (
			UPDATE payments.operation SET status = 'DECLINED', decline_reason = $10, decline_message = $11, updated_at = now()
			WHERE order_id = $1 AND operation = $9 AND status = 'PENDING' AND EXISTS (SELECT 1 FROM held)
			RETURNING 1
		)` + writeHeldIntent
)

// settleHeld runs succeedHeld or declineHeld for next; ok is false when the caller's lease
// or the operation's PENDING state is gone, and nothing was written.
func (s *Store) settleHeld(ctx context.Context, a payments.Attempt, next payments.Intent, sql string, args ...any) (payments.Intent, bool, error) {
	if a.Lease == "" {
		return payments.Intent{}, false, nil
	}
	all := append([]any{next.OrderID, next.Status, next.ProviderReference, next.Authorized, next.Captured,
		next.Refunded, string(next.Pending), a.Lease, a.Command.Operation}, args...)
	err := s.pool.QueryRow(ctx, sql, all...).Scan(&next.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return payments.Intent{}, false, nil
	}
	if err != nil {
		return payments.Intent{}, false, err
	}
	return next, true, nil
}

// Succeed implements payments.Store: the operation moves to SUCCEEDED, the ledger entry is
// appended and the intent updated, all or none. The PENDING guard makes a second recording a
// no-op.
func (s *Store) Succeed(ctx context.Context, a payments.Attempt, reference string) (payments.Intent, error) {
	c := a.Command
	if reference == "" {
		reference = a.Intent.ProviderReference
	}
	out, ok, err := s.settleHeld(ctx, a, payments.Apply(a.Intent, c, reference), succeedHeld,
		reference, ulid.Make().String(), a.Intent.ID, c.Amount.Amount, c.Amount.Currency)
	if err == nil && !ok {
		out, err = s.succeedLate(ctx, a, reference)
	}
	if err != nil {
		return payments.Intent{}, fmt.Errorf("record %s of order %s: %w", lower(c.Operation), c.OrderID, err)
	}
	return out, nil
}

// succeedLate is Succeed for a caller that no longer holds its lease: it reads the intent
// under lock and applies the operation to what it finds.
func (s *Store) succeedLate(ctx context.Context, a payments.Attempt, reference string) (payments.Intent, error) {
	c := a.Command
	var out payments.Intent
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		intent, settled, err := settle(ctx, tx, c, `status = 'SUCCEEDED', provider_reference = $3`, reference)
		if err != nil {
			return err
		}
		if !settled {
			out = intent
			return releaseSettled(ctx, tx, a)
		}
		next := payments.Apply(intent, c, reference)
		out, err = writeIntent(ctx, tx, next, a.Lease, `
			INSERT INTO payments.ledger_entry (id, intent_id, order_id, operation, amount, currency, provider_reference)
			VALUES ($9, $10, $1, $11, $12, $13, $14)
			ON CONFLICT (order_id, operation) DO NOTHING`,
			ulid.Make().String(), intent.ID, c.Operation, c.Amount.Amount, c.Amount.Currency, reference)
		return err
	})
	return out, err
}

// Fail implements payments.Store.
func (s *Store) Fail(ctx context.Context, a payments.Attempt, decline *payments.Error) (payments.Intent, error) {
	c := a.Command
	out, ok, err := s.settleHeld(ctx, a, payments.ApplyDecline(a.Intent, c), declineHeld,
		decline.DeclineReason, decline.Message)
	if err == nil && !ok {
		out, err = s.failLate(ctx, a, decline)
	}
	if err != nil {
		return payments.Intent{}, fmt.Errorf("record declined %s of order %s: %w", lower(c.Operation), c.OrderID, err)
	}
	return out, nil
}

// failLate is Fail for a caller that no longer holds its lease.
func (s *Store) failLate(ctx context.Context, a payments.Attempt, decline *payments.Error) (payments.Intent, error) {
	c := a.Command
	var out payments.Intent
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		intent, settled, err := settle(ctx, tx, c, `status = 'DECLINED', decline_reason = $3, decline_message = $4`,
			decline.DeclineReason, decline.Message)
		if err != nil {
			return err
		}
		if !settled {
			out = intent
			return releaseSettled(ctx, tx, a)
		}
		out, err = writeIntent(ctx, tx, payments.ApplyDecline(intent, c), a.Lease, "")
		return err
	})
	return out, err
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
	row, err := pgx.CollectExactlyOneRow(rows, intentFields.Row)
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

// releaseSettled ends the caller's lease on an operation another caller recorded first, so
// the order's next operation need not wait for it to run out.
func releaseSettled(ctx context.Context, tx pgx.Tx, a payments.Attempt) error {
	if a.Lease == "" {
		return nil
	}
	if _, err := tx.Exec(ctx, releaseLease, a.Command.OrderID, a.Lease); err != nil {
		return fmt.Errorf("release lease: %w", err)
	}
	return nil
}

const releaseLease = `
	UPDATE payments.intent SET lease_token = NULL, lease_until = NULL
	WHERE order_id = $1 AND lease_token = $2`

// Release implements payments.Store. Only the holder's own lease is ended: a caller whose
// lease ran out must not end the next caller's.
func (s *Store) Release(ctx context.Context, a payments.Attempt) error {
	_, err := s.pool.Exec(ctx, releaseLease, a.Command.OrderID, a.Lease)
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
	row, err := pgx.CollectExactlyOneRow(rows, intentFields.Row)
	if err != nil {
		return payments.Intent{}, fmt.Errorf("update intent: %w", err)
	}
	return row.intent(), nil
}
