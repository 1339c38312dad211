package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/payments"
)

// Begin's common case is one statement: it records the operation and takes the lease only in
// the state where the state machine would let the command run and no one holds the lease, and
// otherwise writes nothing and returns Begin's read, which the fallback decides on as usual
// (a replay, a retry, a busy or forbidden command). Each statement is one implicit
// transaction, so the write and the read are all or nothing together.
//
// Parameters: $1 order, $2 operation, $3 lease token, $4 lease length, then per operation.
var takes = map[payments.Operation]string{
	// The order's first authorization creates the intent; an intent already there, seen or
	// not by the statement's snapshot, makes the INSERT do nothing. $5 intent id, $6 request
	// hash, $7 amount, $8 currency, $9 customer, $10 provider.
	payments.OpAuthorize: `WITH leased AS (` + createIntent + `),
		recorded AS (` + recordFirstTry + ` RETURNING amount, currency)` + tookOrRead,
	payments.OpCapture: takeAuthorized,
	payments.OpVoid:    takeAuthorized,
}

// takeAuthorized is capture and void, which payments.Prepare lets run on an AUTHORIZED intent
// with no other operation pending, for the whole authorized amount. The intent is locked
// first, as every writer here does, and its conditions are checked on the locked version; the
// operation's record is checked by its key (ON CONFLICT sees every committed record, which a
// subquery of the statement's snapshot would not once the intent moved under it), and the
// intent is leased only when the record was written. $5 request hash.
var takeAuthorized = `WITH locked AS MATERIALIZED (
		SELECT order_id, authorized_amount, currency FROM payments.intent
		WHERE order_id = $1 AND status = 'AUTHORIZED' AND coalesce(pending_operation, $2) = $2
			AND NOT coalesce(lease_until > now(), false)
		FOR NO KEY UPDATE
	),
	recorded AS (
		INSERT INTO payments.operation (order_id, operation, request_hash, amount, currency, tries)
		SELECT order_id, $2, $5::bytea, authorized_amount, currency, 1 FROM locked
		ON CONFLICT (order_id, operation) DO NOTHING
		RETURNING amount, currency
	),
	leased AS (
		UPDATE payments.intent
		SET pending_operation = $2, lease_token = $3, lease_until = now() + $4::interval, updated_at = now()
		WHERE order_id = $1 AND EXISTS (SELECT 1 FROM recorded)
		RETURNING ` + intentColumns + `
	)` + tookOrRead

// tookOrRead is the statement's answer: the leased intent and the recorded amount when it
// took the lease, else Begin's read of the intent as the statement found it.
var tookOrRead = `
	SELECT true AS took, l.*, false AS leased, '0'::xid AS version, NULL::bytea AS request_hash,
		r.amount AS op_amount, r.currency AS op_currency, NULL::text AS op_status,
		NULL::text AS decline_reason, NULL::text AS decline_message
	FROM leased l, recorded r
	UNION ALL
	(` + readBegin + ` WHERE NOT EXISTS (SELECT 1 FROM leased))`

// take runs the operation's one statement. The row has Took set when it took the lease under
// token; otherwise it is Begin's read, or pgx.ErrNoRows when the statement saw no intent.
func (s *Store) take(ctx context.Context, sql string, c payments.Command, hash []byte, token string, lease time.Duration) (beginRow, error) {
	args := []any{c.OrderID, c.Operation, token, lease.String()}
	if c.Operation == payments.OpAuthorize {
		args = append(args, ulid.Make().String(), hash, c.Amount.Amount, c.Amount.Currency, c.CustomerID, c.Provider)
	} else {
		args = append(args, hash)
	}
	rows, _ := s.pool.Query(ctx, sql, args...)
	row, err := pgx.CollectExactlyOneRow(rows, beginFields.Row)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return beginRow{}, fmt.Errorf("record operation and lease intent: %w", err)
	}
	return row, err
}
