package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs/rowscan"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/payments"
)

// beginReads bounds how often Begin reads an intent again after it moved under it; past that,
// the order is busy and the caller is told to retry (CodeInProgress).
const beginReads = 4

// errMoved says the intent row changed between Begin's read and its write.
var errMoved = errors.New("intent changed since it was read")

// Begin implements payments.Store. The first authorization, capture or void of an order that
// may run takes one statement (take.go). Anything else takes two, each its own implicit
// transaction: one reads the intent and the operation's record (for those three operations,
// the read comes with the first statement), the state machine decides in Go, and one records
// the operation and takes the lease, provided the intent row is still the version read (its
// xmin). Every change to an operation's record also writes its intent row in the same
// transaction, so an unchanged intent means an unchanged record; when the row moved, Begin
// reads again. The provider is called after it returns, under the lease it took.
func (s *Store) Begin(ctx context.Context, c payments.Command, lease time.Duration) (payments.Attempt, error) {
	return s.beginFrom(ctx, c, lease, true)
}

// beginFrom is Begin; when take is false it skips the one-statement first try and goes
// straight to reading, so tests can compare what the two paths answer.
func (s *Store) beginFrom(ctx context.Context, c payments.Command, lease time.Duration, take bool) (payments.Attempt, error) {
	hash := requestHash(c)
	for n := range beginReads {
		a, err := s.begin(ctx, c, hash, lease, take && n == 0)
		if errors.Is(err, errMoved) {
			continue
		}
		if err != nil {
			return payments.Attempt{}, fmt.Errorf("begin %s of order %s: %w", lower(c.Operation), c.OrderID, err)
		}
		return a, nil
	}
	return payments.Attempt{}, &payments.Error{Code: payments.CodeInProgress, Retryable: true, Message: fmt.Sprintf(
		"order %s is changing under this %s; retry it", c.OrderID, lower(c.Operation))}
}

// beginRow is Begin's read: the intent as it stands, and the operation's record if any. Took
// says the row is not a read but the intent as the one-statement path leased it (take.go).
type beginRow struct {
	Took bool
	intentRow
	Leased         bool
	Version        uint32 // xmin of the intent row
	RequestHash    []byte
	OpAmount       *int64
	OpCurrency     *string
	OpStatus       *string
	DeclineReason  *string
	DeclineMessage *string
}

// beginFields are the columns of readBegin and of the one-statement path's answer.
var beginFields = rowscan.Columns[beginRow]{
	Names: rowscan.Concat([]string{"took"}, intentFields.Names, []string{"leased", "version", "request_hash",
		"op_amount", "op_currency", "op_status", "decline_reason", "decline_message"}),
	Fields: func(r *beginRow) []any {
		return rowscan.Concat([]any{&r.Took}, intentFields.Fields(&r.intentRow), []any{&r.Leased, &r.Version,
			&r.RequestHash, &r.OpAmount, &r.OpCurrency, &r.OpStatus, &r.DeclineReason, &r.DeclineMessage})
	},
}

var readBegin = `
	SELECT false AS took, i.*, o.*
	FROM (
		SELECT ` + intentColumns + `, coalesce(lease_until > now(), false) AS leased, xmin AS version
		FROM payments.intent WHERE order_id = $1
	) i
	LEFT JOIN LATERAL (
		SELECT request_hash, amount AS op_amount, currency AS op_currency, status AS op_status,
			decline_reason, decline_message
		FROM payments.operation WHERE order_id = $1 AND operation = $2
	) o ON true`

// The write that records the operation and takes the lease: the intent statement is the
// first CTE, and the operation's record is written only from the row it returns, so both
// happen or neither. $1 order, $2 operation, $3 lease token, $4 lease length.
var (
	// $5 version read.
	leaseIntent = `
		UPDATE payments.intent
		SET pending_operation = $2, lease_token = $3, lease_until = now() + $4::interval, updated_at = now()
		WHERE order_id = $1 AND xmin = $5::xid
		RETURNING ` + intentColumns
	// $5 intent id, $7 amount, $8 currency, $9 customer, $10 provider.
	createIntent = `
		INSERT INTO payments.intent (id, order_id, customer_id, amount, currency, status, provider,
			pending_operation, lease_token, lease_until)
		VALUES ($5, $1, NULLIF($9, ''), $7, $8, 'REQUIRES_AUTHORIZATION', $10, $2, $3, now() + $4::interval)
		ON CONFLICT (order_id) DO NOTHING
		RETURNING ` + intentColumns
	// $6 request hash, $7 amount, $8 currency.
	recordFirstTry = `
		INSERT INTO payments.operation (order_id, operation, request_hash, amount, currency, tries)
		SELECT order_id, $2, $6::bytea, $7::bigint, $8::text, 1 FROM leased`
	recordRetry = `
		UPDATE payments.operation SET tries = tries + 1, updated_at = now()
		WHERE order_id = $1 AND operation = $2 AND EXISTS (SELECT 1 FROM leased)`
)

// begin is one read and, when the command is to run, one write; errMoved when the write
// found the intent changed. With take, the read is the one-statement path's, which in the
// common case has already recorded the operation and taken the lease.
func (s *Store) begin(ctx context.Context, c payments.Command, hash []byte, lease time.Duration, take bool) (payments.Attempt, error) {
	token := ulid.Make().String()
	var read beginRow
	var err error
	if sql, ok := takes[c.Operation]; ok && take {
		read, err = s.take(ctx, sql, c, hash, token, lease)
		switch {
		case err == nil && read.Took:
			c.Amount = payments.Money{Amount: *read.OpAmount, Currency: *read.OpCurrency}
			return payments.Attempt{Command: c, Intent: read.intent(), Lease: token}, nil
		case errors.Is(err, pgx.ErrNoRows) && c.Operation == payments.OpAuthorize:
			// Another caller created the intent while the statement ran, too late for it to
			// see: the next read does.
			return payments.Attempt{}, errMoved
		case err != nil && !errors.Is(err, pgx.ErrNoRows):
			return payments.Attempt{}, err
		}
	} else {
		rows, _ := s.pool.Query(ctx, readBegin, c.OrderID, c.Operation)
		read, err = pgx.CollectExactlyOneRow(rows, beginFields.Row)
	}
	return s.decide(ctx, c, hash, lease, token, read, err)
}

// decide runs the state machine on what Begin read (err is the read's) and, when the
// command is to run, records it and takes the lease, provided the intent is still the
// version read.
func (s *Store) decide(ctx context.Context, c payments.Command, hash []byte, lease time.Duration, token string, read beginRow, err error) (payments.Attempt, error) {
	found := err == nil
	switch {
	case errors.Is(err, pgx.ErrNoRows) && c.Operation != payments.OpAuthorize:
		return payments.Attempt{}, payments.NotFound(c.OrderID)
	case errors.Is(err, pgx.ErrNoRows):
		// The order's first authorization creates its intent, in the write below.
		read.intentRow = intentRow{OrderID: c.OrderID, Amount: c.Amount.Amount, Currency: c.Amount.Currency,
			Status: string(payments.StatusRequiresAuthorization), Provider: c.Provider}
	case err != nil:
		return payments.Attempt{}, fmt.Errorf("read intent: %w", err)
	}
	intent := read.intent()

	args := []any{c.OrderID, c.Operation, token, lease.String(), read.Version}
	intentWrite, record := leaseIntent, recordRetry
	switch {
	case read.OpStatus == nil:
		// First time this operation is asked for: the state machine decides.
		if c, err = payments.Prepare(intent, c); err != nil {
			return payments.Attempt{}, err
		}
		record = recordFirstTry
		args = append(args, hash, c.Amount.Amount, c.Amount.Currency)
		if !found {
			intentWrite = createIntent
			args[4] = ulid.Make().String()
			args = append(args, c.CustomerID, c.Provider)
		}
	case !bytes.Equal(read.RequestHash, hash):
		return payments.Attempt{}, &payments.Error{Code: payments.CodeIdempotencyConflict, Message: fmt.Sprintf(
			"order %s already has a %s with different details", c.OrderID, lower(c.Operation))}
	case *read.OpStatus == "SUCCEEDED":
		return payments.Attempt{Command: c, Intent: intent, Done: true}, nil
	case *read.OpStatus == "DECLINED":
		return payments.Attempt{}, payments.Decline(deref(read.DeclineReason), deref(read.DeclineMessage))
	default:
		// Pending: the outcome is unknown, so the provider is asked again with the same key.
		c.Amount = payments.Money{Amount: *read.OpAmount, Currency: *read.OpCurrency}
	}
	if read.Leased {
		busy := "payment operation"
		if intent.Pending != "" {
			busy = lower(intent.Pending)
		}
		return payments.Attempt{}, &payments.Error{Code: payments.CodeInProgress, Retryable: true, Message: fmt.Sprintf(
			"another %s of order %s is in progress", busy, c.OrderID)}
	}

	rows, _ := s.pool.Query(ctx, `WITH leased AS (`+intentWrite+`), recorded AS (`+record+`) SELECT * FROM leased`, args...)
	leased, err := pgx.CollectExactlyOneRow(rows, intentFields.Row)
	var pgErr *pgconn.PgError
	if errors.Is(err, pgx.ErrNoRows) || (errors.As(err, &pgErr) && pgErr.Code == "23505") {
		// Another caller wrote the intent (or created it, or recorded this operation) after
		// the read: nothing was written, and the next read sees what it did.
		return payments.Attempt{}, errMoved
	}
	if err != nil {
		return payments.Attempt{}, fmt.Errorf("record operation and lease intent: %w", err)
	}
	return payments.Attempt{Command: c, Intent: leased.intent(), Lease: token}, nil
}
