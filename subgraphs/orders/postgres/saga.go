package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/shopgraph/shopgraph/subgraphs/orders"
	"github.com/shopgraph/shopgraph/subgraphs/rowscan"
)

// sagaRow is a saga as its row holds it: what the saga keeps as "" is null there.
type sagaRow struct {
	Saga                                             orders.Saga
	CustomerID, LastError, PaymentMethod, LeaseToken pgtype.Text
}

func (r *sagaRow) saga() orders.Saga {
	s := r.Saga
	s.CustomerID, s.LastError, s.PaymentMethod, s.LeaseToken = r.CustomerID.String, r.LastError.String, r.PaymentMethod.String, r.LeaseToken.String
	return s
}

var sagaScan = rowscan.Columns[sagaRow]{
	Names: []string{"id", "scope", "idempotency_key", "customer_id", "cart_id", "cart_version",
		"step", "forward_step", "status", "attempts", "last_error", "plan",
		"payment_method", "failure", "lease_token",
		"locked_until", "created_at"},
	Fields: func(r *sagaRow) []any {
		s := &r.Saga
		return []any{&s.ID, &s.Scope, &s.IdempotencyKey, &r.CustomerID, &s.CartID, &s.CartVersion,
			(*string)(&s.Step), (*string)(&s.ForwardStep), (*string)(&s.Status), &s.Attempts, &r.LastError, &s.Plan,
			&r.PaymentMethod, &s.Failure, &r.LeaseToken,
			&s.LockedUntil, &s.CreatedAt}
	},
}

// sagaColumns is the select (or RETURNING) list of sagaScan.
var sagaColumns = sagaScan.List()

// The statements that read sagas, made once, so that no read joins strings.
var (
	selectSaga        = `SELECT ` + sagaColumns + ` FROM orders.saga WHERE id = $1`
	selectIdempotency = `SELECT ` + idempotencyScan.List() + ` FROM orders.idempotency_key WHERE scope = $1 AND key = $2`
	claimUnfinished   = `
		WITH stopped AS (
			SELECT id AS stopped_id FROM orders.saga
			WHERE status IN ('RUNNING', 'COMPENSATING') AND locked_until < $1
			ORDER BY locked_until LIMIT $3
			FOR UPDATE SKIP LOCKED
		)
		UPDATE orders.saga AS s SET lease_token = gen_random_uuid()::text,
		       locked_until = now() + $2 * interval '1 millisecond', updated_at = now()
		FROM stopped WHERE s.id = stopped.stopped_id
		RETURNING ` + sagaColumns
	claimSaga = `
		UPDATE orders.saga SET lease_token = gen_random_uuid()::text,
		       locked_until = now() + $3 * interval '1 millisecond', updated_at = now()
		WHERE id = $1 AND status IN ('RUNNING', 'COMPENSATING') AND locked_until < $2
		RETURNING ` + sagaColumns
)

func sagas(rows []sagaRow) []orders.Saga {
	out := make([]orders.Saga, len(rows))
	for i := range rows {
		out[i] = rows[i].saga()
	}
	return out
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// claimKey inserts the idempotency key and, only when the key was free (or its outcome
// expired and is taken over), the saga: one statement, so no saga exists without its key. A
// saga that ends at its claim stores its outcome ($14) with the key.
const claimKey = `
	WITH k AS (
		INSERT INTO orders.idempotency_key AS k (scope, key, request_hash, order_id, expires_at, response)
		VALUES ($1, $2, $3, $4, now() + $5 * interval '1 millisecond', $14::jsonb)
		ON CONFLICT (scope, key) DO UPDATE
			SET request_hash = excluded.request_hash, order_id = excluded.order_id, response = excluded.response,
			    created_at = now(), expires_at = excluded.expires_at
			WHERE k.expires_at < now() AND k.response IS NOT NULL
		RETURNING order_id
	)
	INSERT INTO orders.saga (id, scope, idempotency_key, customer_id, cart_id, cart_version, step, forward_step,
	                         status, plan, payment_method, failure, lease_token, locked_until)
	SELECT k.order_id, $1, $2, $6::text, $7::text, $15::int, $8::text, $16::text, $9::text, $10::jsonb, $11::text,
	       $17::jsonb, $12::text, now() + $13::bigint * interval '1 millisecond'
	FROM k
	RETURNING locked_until, created_at`

// Claim implements orders.Store. The idempotency row is inserted first: a concurrent request
// with the same key blocks on it until this one commits, then finds it. No job is scheduled
// for the saga: the request runs it, a parked saga gets its job (Park), and the recovery sweep
// finds a saga whose process stopped. The saga comes back as given, with what the database
// set (its lease's end, its creation time): the plan is not decoded again.
func (s *Store) Claim(ctx context.Context, saga orders.Saga, hash []byte, ttl, lease time.Duration, out *orders.Outcome) (orders.Claim, error) {
	rows, _ := s.pool.Query(ctx, claimKey, saga.Scope, saga.IdempotencyKey, hash, saga.ID, millis(ttl),
		nullable(saga.CustomerID), saga.CartID, saga.Step, saga.Status, saga.Plan, nullable(saga.PaymentMethod),
		saga.LeaseToken, millis(lease), out, saga.CartVersion, saga.ForwardStep, saga.Failure)
	created := saga
	n := 0
	_, err := pgx.ForEachRow(rows, []any{&created.LockedUntil, &created.CreatedAt}, func() error { n++; return nil })
	if err != nil {
		return orders.Claim{}, fmt.Errorf("claim idempotency key: %w", err)
	}
	if n > 0 {
		return orders.Claim{Saga: &created}, nil
	}
	rec, err := idempotencyRecord(ctx, s.pool, saga.Scope, saga.IdempotencyKey)
	if err != nil {
		return orders.Claim{}, fmt.Errorf("read idempotency key: %w", err)
	}
	if rec == nil {
		// The key expired and was taken over between the two statements: rare; the caller
		// may retry.
		return orders.Claim{}, errors.New("idempotency key changed hands while claimed")
	}
	return orders.Claim{Existing: rec}, nil
}

type idempotencyRow struct {
	RequestHash []byte
	OrderID     string
	Response    *orders.Outcome
}

var idempotencyScan = rowscan.Columns[idempotencyRow]{
	Names:  []string{"request_hash", "order_id", "response"},
	Fields: func(r *idempotencyRow) []any { return []any{&r.RequestHash, &r.OrderID, &r.Response} },
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

func idempotencyRecord(ctx context.Context, q querier, scope, key string) (*orders.IdempotencyRecord, error) {
	rows, err := q.Query(ctx, selectIdempotency, scope, key)
	if err != nil {
		return nil, err
	}
	r, err := pgx.CollectExactlyOneRow(rows, idempotencyScan.Row)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &orders.IdempotencyRecord{RequestHash: r.RequestHash, OrderID: r.OrderID, Outcome: r.Response}, nil
}

// IdempotencyRecord implements orders.Store.
func (s *Store) IdempotencyRecord(ctx context.Context, scope, key string) (*orders.IdempotencyRecord, error) {
	rec, err := idempotencyRecord(ctx, s.pool, scope, key)
	if err != nil {
		return nil, fmt.Errorf("read idempotency key: %w", err)
	}
	return rec, nil
}

// updateSaga writes a saga's state under its lease ($1 id, $2 lease token) and renews the
// lease; sagaArgs gives its nine parameters. Statements that change more than the saga use
// it as a data-modifying CTE, so that every change of a step is one atomic statement that does
// nothing when the lease was lost. $5 is written to a domain-typed column and compared as text,
// so it is typed text once. The plan and the cart version are not among them: they are settled
// by validation, which the claim (or saveValidated) records, and never change after.
const updateSaga = `UPDATE orders.saga SET ` + sagaState + ` WHERE id = $1 AND lease_token = $2`

// updateValidated is updateSaga that also records validation's plan ($10) and cart version ($11).
const updateValidated = `UPDATE orders.saga SET ` + sagaState + `, plan = $10, cart_version = $11
	WHERE id = $1 AND lease_token = $2`

const sagaState = `step = $3, forward_step = $4, status = $5::text, attempts = $6, last_error = $7,
	       failure = $8,
	       payment_method = CASE WHEN $5 IN ('COMPLETED', 'FAILED') THEN NULL ELSE payment_method END,
	       locked_until = now() + $9 * interval '1 millisecond', updated_at = now()`

func sagaArgs(saga *orders.Saga, lease time.Duration, more ...any) []any {
	return append([]any{saga.ID, saga.LeaseToken, saga.Step, saga.ForwardStep, saga.Status, saga.Attempts,
		nullable(saga.LastError), saga.Failure, millis(lease)}, more...)
}

// saveSaga writes the saga's state; ErrLeaseLost when another runner holds it now.
func saveSaga(ctx context.Context, tx execer, saga *orders.Saga, lease time.Duration) error {
	return execSaga(ctx, tx, saga, updateSaga, sagaArgs(saga, lease))
}

func execSaga(ctx context.Context, tx execer, saga *orders.Saga, statement string, args []any) error {
	tag, err := tx.Exec(ctx, statement, args...)
	if err != nil {
		return fmt.Errorf("save saga %s at %s: %w", saga.ID, saga.Step, err)
	}
	if tag.RowsAffected() == 0 {
		return orders.ErrLeaseLost
	}
	return nil
}

// withSaga runs statement, whose CTE s is updateSaga, and reports ErrLeaseLost when s changed
// nothing. statement must end with SELECT count(*) FROM s.
func withSaga(ctx context.Context, q querier, what string, saga *orders.Saga, statement string, args []any) error {
	rows, err := q.Query(ctx, statement, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	n, err := pgx.CollectExactlyOneRow(rows, pgx.RowTo[int])
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return orders.ErrLeaseLost
	}
	return nil
}

// SaveStep implements orders.Store.
func (s *Store) SaveStep(ctx context.Context, saga *orders.Saga, lease time.Duration) error {
	return saveSaga(ctx, s.pool, saga, lease)
}

// SaveValidated implements orders.Store.
func (s *Store) SaveValidated(ctx context.Context, saga *orders.Saga, lease time.Duration) error {
	return execSaga(ctx, s.pool, saga, updateValidated, sagaArgs(saga, lease, saga.Plan, saga.CartVersion))
}

// Park implements orders.Store. Without saga jobs the recovery sweep takes the saga up once
// the lease runs out.
func (s *Store) Park(ctx context.Context, saga *orders.Saga, retryAfter time.Duration) error {
	if s.jobs == nil {
		return saveSaga(ctx, s.pool, saga, retryAfter)
	}
	return s.inTx(ctx, "park saga "+saga.ID, func(tx pgx.Tx) error {
		if err := saveSaga(ctx, tx, saga, retryAfter); err != nil {
			return err
		}
		return s.jobs.ScheduleTx(ctx, tx, saga.ID, retryAfter)
	})
}

// ClaimUnfinished implements orders.Store.
func (s *Store) ClaimUnfinished(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]orders.Saga, error) {
	rows, err := s.pool.Query(ctx, claimUnfinished, now, millis(lease), limit)
	if err != nil {
		return nil, fmt.Errorf("claim unfinished sagas: %w", err)
	}
	got, err := sagaScan.Collect(rows)
	if err != nil {
		return nil, fmt.Errorf("claim unfinished sagas: %w", err)
	}
	return sagas(got), nil
}

// Saga implements orders.Store.
func (s *Store) Saga(ctx context.Context, id string) (orders.Saga, error) {
	rows, err := s.pool.Query(ctx, selectSaga, id)
	if err != nil {
		return orders.Saga{}, fmt.Errorf("read saga %s: %w", id, err)
	}
	r, err := pgx.CollectExactlyOneRow(rows, sagaScan.Row)
	if err != nil {
		return orders.Saga{}, fmt.Errorf("read saga %s: %w", id, err)
	}
	return r.saga(), nil
}

// ClaimSaga implements orders.Store.
func (s *Store) ClaimSaga(ctx context.Context, id string, now time.Time, lease time.Duration) (orders.Saga, bool, error) {
	rows, err := s.pool.Query(ctx, claimSaga, id, now, millis(lease))
	if err != nil {
		return orders.Saga{}, false, fmt.Errorf("claim saga %s: %w", id, err)
	}
	got, err := sagaScan.Collect(rows)
	if err != nil {
		return orders.Saga{}, false, fmt.Errorf("claim saga %s: %w", id, err)
	}
	if len(got) == 1 {
		return got[0].saga(), true, nil
	}
	saga, err := s.Saga(ctx, id)
	return saga, false, err
}
