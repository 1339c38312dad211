package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/shopgraph/shopgraph/subgraphs/orders"
	"github.com/shopgraph/shopgraph/subgraphs/outbox"
)

const sagaColumns = `id, scope, idempotency_key, coalesce(customer_id, '') AS customer_id, cart_id, cart_version,
	step, forward_step, status, attempts, coalesce(last_error, '') AS last_error, plan,
	coalesce(payment_method, '') AS payment_method, failure, coalesce(lease_token, '') AS lease_token,
	locked_until, created_at`

type sagaRow struct {
	ID             string          `db:"id"`
	Scope          string          `db:"scope"`
	IdempotencyKey string          `db:"idempotency_key"`
	CustomerID     string          `db:"customer_id"`
	CartID         string          `db:"cart_id"`
	CartVersion    int             `db:"cart_version"`
	Step           string          `db:"step"`
	ForwardStep    string          `db:"forward_step"`
	Status         string          `db:"status"`
	Attempts       int             `db:"attempts"`
	LastError      string          `db:"last_error"`
	Plan           orders.Plan     `db:"plan"`
	PaymentMethod  string          `db:"payment_method"`
	Failure        *orders.Failure `db:"failure"`
	LeaseToken     string          `db:"lease_token"`
	LockedUntil    time.Time       `db:"locked_until"`
	CreatedAt      time.Time       `db:"created_at"`
}

func (r sagaRow) saga() orders.Saga {
	return orders.Saga{ID: r.ID, Scope: r.Scope, IdempotencyKey: r.IdempotencyKey, CustomerID: r.CustomerID,
		CartID: r.CartID, CartVersion: r.CartVersion, Step: orders.Step(r.Step), ForwardStep: orders.Step(r.ForwardStep),
		Status: orders.SagaStatus(r.Status), Attempts: r.Attempts, LastError: r.LastError, Plan: r.Plan,
		PaymentMethod: r.PaymentMethod, Failure: r.Failure, LeaseToken: r.LeaseToken, LockedUntil: r.LockedUntil, CreatedAt: r.CreatedAt}
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Claim implements orders.Store. The idempotency row is inserted first: a concurrent request
// with the same key blocks on it until this transaction ends, then finds it. A key whose
// outcome has expired is taken over by the new checkout.
func (s *Store) Claim(ctx context.Context, saga orders.Saga, hash []byte, ttl, lease time.Duration) (orders.Claim, error) {
	var claim orders.Claim
	err := s.inTx(ctx, "claim idempotency key", func(tx pgx.Tx) error {
		var orderID string
		err := tx.QueryRow(ctx, `
			INSERT INTO orders.idempotency_key AS k (scope, key, request_hash, order_id, expires_at)
			VALUES ($1, $2, $3, $4, now() + $5 * interval '1 millisecond')
			ON CONFLICT (scope, key) DO UPDATE
				SET request_hash = excluded.request_hash, order_id = excluded.order_id, response = NULL,
				    created_at = now(), expires_at = excluded.expires_at
				WHERE k.expires_at < now() AND k.response IS NOT NULL
			RETURNING order_id`,
			saga.Scope, saga.IdempotencyKey, hash, saga.ID, millis(ttl)).Scan(&orderID)
		if errors.Is(err, pgx.ErrNoRows) {
			rec, err := idempotencyRecord(ctx, tx, saga.Scope, saga.IdempotencyKey)
			if err != nil {
				return err
			}
			claim.Existing = rec
			return nil
		}
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			INSERT INTO orders.saga (id, scope, idempotency_key, customer_id, cart_id, step, forward_step, status,
			                         plan, payment_method, lease_token, locked_until)
			VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10, now() + $11 * interval '1 millisecond')
			RETURNING `+sagaColumns,
			saga.ID, saga.Scope, saga.IdempotencyKey, nullable(saga.CustomerID), saga.CartID, saga.Step, saga.Status,
			saga.Plan, saga.PaymentMethod, saga.LeaseToken, millis(lease))
		if err != nil {
			return err
		}
		row, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[sagaRow])
		if err != nil {
			return err
		}
		created := row.saga()
		claim.Saga = &created
		if s.jobs != nil {
			// Due when the lease runs out: by then the request has normally ended the saga,
			// and the job only confirms it.
			return s.jobs.ScheduleTx(ctx, tx, saga.ID, lease)
		}
		return nil
	})
	return claim, err
}

type idempotencyRow struct {
	RequestHash []byte          `db:"request_hash"`
	OrderID     string          `db:"order_id"`
	Response    *orders.Outcome `db:"response"`
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

func idempotencyRecord(ctx context.Context, q querier, scope, key string) (*orders.IdempotencyRecord, error) {
	rows, err := q.Query(ctx, `SELECT request_hash, order_id, response FROM orders.idempotency_key WHERE scope = $1 AND key = $2`, scope, key)
	if err != nil {
		return nil, err
	}
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[idempotencyRow])
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

// saveSaga writes the saga's state under its lease and extends the lease.
func saveSaga(ctx context.Context, tx execer, saga *orders.Saga, lease time.Duration) error {
	tag, err := tx.Exec(ctx, `
		UPDATE orders.saga SET step = $3, forward_step = $4, status = $5, attempts = $6, last_error = $7,
		       plan = $8, cart_version = $9, failure = $10,
		       payment_method = CASE WHEN $5 IN ('COMPLETED', 'FAILED') THEN NULL ELSE payment_method END,
		       locked_until = now() + $11 * interval '1 millisecond', updated_at = now()
		WHERE id = $1 AND lease_token = $2`,
		saga.ID, saga.LeaseToken, saga.Step, saga.ForwardStep, saga.Status, saga.Attempts, nullable(saga.LastError),
		saga.Plan, saga.CartVersion, saga.Failure, millis(lease))
	if err != nil {
		return fmt.Errorf("save saga %s at %s: %w", saga.ID, saga.Step, err)
	}
	if tag.RowsAffected() == 0 {
		return orders.ErrLeaseLost
	}
	return nil
}

// SaveStep implements orders.Store.
func (s *Store) SaveStep(ctx context.Context, saga *orders.Saga, lease time.Duration) error {
	return saveSaga(ctx, s.pool, saga, lease)
}

// CreateOrder implements orders.Store.
func (s *Store) CreateOrder(ctx context.Context, saga *orders.Saga, o orders.Order, lease time.Duration) error {
	return s.inTx(ctx, "create order "+o.ID, func(tx pgx.Tx) error {
		if err := saveSaga(ctx, tx, saga, lease); err != nil {
			return err
		}
		skus := make([]string, len(o.Lines))
		qty := make([]int32, len(o.Lines))
		prices := make([]int64, len(o.Lines))
		for i, l := range o.Lines {
			skus[i], qty[i], prices[i] = l.SKU, int32(l.Quantity), l.UnitPrice
		}
		b := &pgx.Batch{}
		b.Queue(`
			INSERT INTO orders."order" (id, customer_id, cart_id, status, currency, subtotal, shipping, total,
			                            delivery_option, shipping_address)
			VALUES ($1, $2, $3, 'PLACED', $4, $5, $6, $7, $8, $9)`,
			o.ID, nullable(o.CustomerID), o.CartID, o.Currency, o.Subtotal, o.Shipping, o.Total, o.DeliveryOption, o.ShippingAddress)
		b.Queue(`
			INSERT INTO orders.order_line (order_id, position, sku, quantity, unit_price)
			SELECT $1, l.position, l.sku, l.quantity, l.unit_price
			FROM unnest($2::text[], $3::int[], $4::bigint[]) WITH ORDINALITY AS l (sku, quantity, unit_price, position)`,
			o.ID, skus, qty, prices)
		b.Queue(`INSERT INTO orders.order_status (order_id, seq, status) VALUES ($1, 1, 'PLACED')`, o.ID)
		return tx.SendBatch(ctx, b).Close()
	})
}

// appendStatus moves the order to status, recording it in the history, unless it is there.
func appendStatus(ctx context.Context, tx pgx.Tx, orderID string, status orders.Status, reason string) (bool, error) {
	tag, err := tx.Exec(ctx, `UPDATE orders."order" SET status = $2, updated_at = now() WHERE id = $1 AND status <> $2`, orderID, status)
	if err != nil || tag.RowsAffected() == 0 {
		return false, err
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO orders.order_status (order_id, seq, status, reason)
		SELECT $1, coalesce(max(seq), 0) + 1, $2, $3 FROM orders.order_status WHERE order_id = $1`,
		orderID, status, nullable(reason))
	return err == nil, err
}

// MarkPaid implements orders.Store.
func (s *Store) MarkPaid(ctx context.Context, saga *orders.Saga, lease time.Duration) error {
	return s.inTx(ctx, "mark order paid "+saga.ID, func(tx pgx.Tx) error {
		if err := saveSaga(ctx, tx, saga, lease); err != nil {
			return err
		}
		_, err := appendStatus(ctx, tx, saga.ID, orders.StatusPaid, "")
		return err
	})
}

// OrderPlaced is the payload of the OrderPlaced event.
type OrderPlaced struct {
	OrderID         string         `json:"orderId"`
	CustomerID      string         `json:"customerId,omitempty"`
	Currency        string         `json:"currency"`
	Total           int64          `json:"total"`
	Lines           []orders.Line  `json:"lines"`
	DeliveryOption  string         `json:"deliveryOption"`
	ShippingAddress orders.Address `json:"shippingAddress"`
}

// OrderCancelled is the payload of the OrderCancelled event.
type OrderCancelled struct {
	OrderID string `json:"orderId"`
	Reason  string `json:"reason"`
}

// Complete implements orders.Store.
func (s *Store) Complete(ctx context.Context, saga *orders.Saga, out orders.Outcome) error {
	return s.inTx(ctx, "complete checkout "+saga.ID, func(tx pgx.Tx) error {
		if err := saveSaga(ctx, tx, saga, 0); err != nil {
			return err
		}
		if err := storeOutcome(ctx, tx, saga.ID, out); err != nil {
			return err
		}
		p := saga.Plan
		return Outbox.Write(ctx, tx, outbox.Event{Type: EventOrderPlaced, Key: saga.ID, Payload: OrderPlaced{
			OrderID: saga.ID, CustomerID: saga.CustomerID, Currency: p.Currency, Total: p.Total, Lines: p.Lines,
			DeliveryOption: string(p.DeliveryOption), ShippingAddress: p.ShippingAddress}})
	})
}

func storeOutcome(ctx context.Context, tx pgx.Tx, orderID string, out orders.Outcome) error {
	_, err := tx.Exec(ctx, `UPDATE orders.idempotency_key SET response = $2 WHERE order_id = $1`, orderID, out)
	return err
}

// StartCompensation implements orders.Store.
func (s *Store) StartCompensation(ctx context.Context, saga *orders.Saga, lease time.Duration) error {
	return s.inTx(ctx, "start compensating "+saga.ID, func(tx pgx.Tx) error {
		if err := saveSaga(ctx, tx, saga, lease); err != nil {
			return err
		}
		reason := ""
		if saga.Failure != nil {
			reason = saga.Failure.Code
		}
		cancelled, err := appendStatus(ctx, tx, saga.ID, orders.StatusCancelled, reason)
		if err != nil || !cancelled {
			return err // no order yet, or cancelled before
		}
		return Outbox.Write(ctx, tx, outbox.Event{Type: EventOrderCancelled, Key: saga.ID, Payload: OrderCancelled{OrderID: saga.ID, Reason: reason}})
	})
}

// Fail implements orders.Store.
func (s *Store) Fail(ctx context.Context, saga *orders.Saga, out orders.Outcome) error {
	return s.inTx(ctx, "fail checkout "+saga.ID, func(tx pgx.Tx) error {
		if err := saveSaga(ctx, tx, saga, 0); err != nil {
			return err
		}
		return storeOutcome(ctx, tx, saga.ID, out)
	})
}

// ClaimUnfinished implements orders.Store.
func (s *Store) ClaimUnfinished(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]orders.Saga, error) {
	rows, err := s.pool.Query(ctx, `
		WITH stopped AS (
			SELECT id AS stopped_id FROM orders.saga
			WHERE status IN ('RUNNING', 'COMPENSATING') AND locked_until < $1
			ORDER BY locked_until LIMIT $3
			FOR UPDATE SKIP LOCKED
		)
		UPDATE orders.saga AS s SET lease_token = gen_random_uuid()::text,
		       locked_until = now() + $2 * interval '1 millisecond', updated_at = now()
		FROM stopped WHERE s.id = stopped.stopped_id
		RETURNING `+sagaColumns, now, millis(lease), limit)
	if err != nil {
		return nil, fmt.Errorf("claim unfinished sagas: %w", err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowToStructByName[sagaRow])
	if err != nil {
		return nil, fmt.Errorf("claim unfinished sagas: %w", err)
	}
	out := make([]orders.Saga, len(got))
	for i, r := range got {
		out[i] = r.saga()
	}
	return out, nil
}

// Saga implements orders.Store.
func (s *Store) Saga(ctx context.Context, id string) (orders.Saga, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+sagaColumns+` FROM orders.saga WHERE id = $1`, id)
	if err != nil {
		return orders.Saga{}, fmt.Errorf("read saga %s: %w", id, err)
	}
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[sagaRow])
	if err != nil {
		return orders.Saga{}, fmt.Errorf("read saga %s: %w", id, err)
	}
	return r.saga(), nil
}

// ClaimSaga implements orders.Store.
func (s *Store) ClaimSaga(ctx context.Context, id string, now time.Time, lease time.Duration) (orders.Saga, bool, error) {
	rows, err := s.pool.Query(ctx, `
		UPDATE orders.saga SET lease_token = gen_random_uuid()::text,
		       locked_until = now() + $3 * interval '1 millisecond', updated_at = now()
		WHERE id = $1 AND status IN ('RUNNING', 'COMPENSATING') AND locked_until < $2
		RETURNING `+sagaColumns, id, now, millis(lease))
	if err != nil {
		return orders.Saga{}, false, fmt.Errorf("claim saga %s: %w", id, err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowToStructByName[sagaRow])
	if err != nil {
		return orders.Saga{}, false, fmt.Errorf("claim saga %s: %w", id, err)
	}
	if len(got) == 1 {
		return got[0].saga(), true, nil
	}
	saga, err := s.Saga(ctx, id)
	return saga, false, err
}
