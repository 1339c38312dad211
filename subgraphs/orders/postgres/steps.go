package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs/orders"
	"github.com/shopgraph/shopgraph/subgraphs/outbox"
)

// The saga's steps that change more than the saga. Each is one statement (data-modifying
// CTEs on updateSaga), or one transaction where an event joins it, so a step is recorded
// whole or not at all, and not at all when the lease was lost.

// moveOrder moves the order of CTE s to status $10 with reason $11, recording the change in
// the history, unless the order is there already (or does not exist).
const moveOrder = `
	o AS (
		UPDATE orders."order" SET status = $10, updated_at = now()
		WHERE id IN (SELECT id FROM s) AND status <> $10
		RETURNING id
	),
	h AS (
		INSERT INTO orders.order_status (order_id, seq, status, reason)
		SELECT o.id, coalesce((SELECT max(seq) FROM orders.order_status WHERE order_id = o.id), 0) + 1, $10, $11
		FROM o
	)`

// CreateOrder implements orders.Store.
func (s *Store) CreateOrder(ctx context.Context, saga *orders.Saga, o orders.Order, lease time.Duration) error {
	skus := make([]string, len(o.Lines))
	qty := make([]int32, len(o.Lines))
	prices := make([]int64, len(o.Lines))
	for i, l := range o.Lines {
		skus[i], qty[i], prices[i] = l.SKU, int32(l.Quantity), l.UnitPrice
	}
	return withSaga(ctx, s.pool, "create order "+o.ID, saga, `
		WITH s AS (`+updateSaga+` RETURNING id),
		o AS (
			INSERT INTO orders."order" (id, customer_id, cart_id, status, currency, subtotal, shipping, total,
			                            delivery_option, shipping_address)
			SELECT s.id, $10, $11, 'PLACED', $12, $13, $14, $15, $16, $17 FROM s
			RETURNING id
		),
		l AS (
			INSERT INTO orders.order_line (order_id, position, sku, quantity, unit_price)
			SELECT o.id, line.position, line.sku, line.quantity, line.unit_price
			FROM o, unnest($18::text[], $19::int[], $20::bigint[]) WITH ORDINALITY AS line (sku, quantity, unit_price, position)
		),
		h AS (INSERT INTO orders.order_status (order_id, seq, status) SELECT o.id, 1, 'PLACED' FROM o)
		SELECT count(*) FROM s`,
		sagaArgs(saga, lease, nullable(o.CustomerID), o.CartID, o.Currency, o.Subtotal, o.Shipping, o.Total,
			o.DeliveryOption, o.ShippingAddress, skus, qty, prices))
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

// finishSaga ends the saga of CTE s and stores the outcome under its idempotency key ($10).
const finishSaga = `
	WITH s AS (` + updateSaga + ` RETURNING id),
	k AS (UPDATE orders.idempotency_key SET response = $10 WHERE order_id IN (SELECT id FROM s))
	SELECT count(*) FROM s`

// MarkPaid implements orders.Store.
func (s *Store) MarkPaid(ctx context.Context, saga *orders.Saga, lease time.Duration) error {
	return withSaga(ctx, s.pool, "mark order paid "+saga.ID, saga, `
		WITH s AS (`+updateSaga+` RETURNING id),`+moveOrder+`
		SELECT count(*) FROM s`,
		sagaArgs(saga, lease, orders.StatusPaid, nil))
}

// Complete implements orders.Store: one statement ends the saga, stores the outcome and
// writes OrderPlaced, or does nothing when the lease was lost.
func (s *Store) Complete(ctx context.Context, saga *orders.Saga, out orders.Outcome) (orders.Order, error) {
	p := saga.Plan
	event, err := Outbox.Args(outbox.Event{Type: EventOrderPlaced, Key: saga.ID, Payload: OrderPlaced{
		OrderID: saga.ID, CustomerID: saga.CustomerID, Currency: p.Currency, Total: p.Total, Lines: p.Lines,
		DeliveryOption: string(p.DeliveryOption), ShippingAddress: p.ShippingAddress}})
	if err != nil {
		return orders.Order{}, fmt.Errorf("complete checkout %s: %w", saga.ID, err)
	}
	// The order is read in the same statement, for the answer (its snapshot predates the
	// statement's own writes, none of which touch the order). Its lines and address are the
	// plan's, as CreateOrder wrote them and nothing changes them since: not read back.
	rows, err := s.pool.Query(ctx, `
		WITH s AS (`+updateSaga+` RETURNING id),
		k AS (UPDATE orders.idempotency_key SET response = $10 WHERE order_id IN (SELECT id FROM s)),
		e AS (`+Outbox.InsertFrom("s", 11)+`)
		SELECT `+orderOwnColumns+` FROM orders."order" WHERE id IN (SELECT id FROM s)`,
		sagaArgs(saga, 0, append([]any{out}, event...)...)...)
	if err != nil {
		return orders.Order{}, fmt.Errorf("complete checkout %s: %w", saga.ID, err)
	}
	got, err := orderScan.Collect(rows)
	if err != nil {
		return orders.Order{}, fmt.Errorf("complete checkout %s: %w", saga.ID, err)
	}
	if len(got) == 0 {
		// The saga was not written (lease lost) or, impossibly, has no order.
		return orders.Order{}, orders.ErrLeaseLost
	}
	placed := got[0].order()
	placed.Lines, placed.ShippingAddress = p.Lines, p.ShippingAddress
	return placed, nil
}

// Fail implements orders.Store.
func (s *Store) Fail(ctx context.Context, saga *orders.Saga, out orders.Outcome) error {
	return withSaga(ctx, s.pool, "fail checkout "+saga.ID, saga, finishSaga, sagaArgs(saga, 0, out))
}

// StartCompensation implements orders.Store: one statement sets the saga compensating,
// cancels its order if there is one (and it is not cancelled already) and writes
// OrderCancelled for it, or does nothing when the lease was lost.
func (s *Store) StartCompensation(ctx context.Context, saga *orders.Saga, lease time.Duration) error {
	reason := ""
	if saga.Failure != nil {
		reason = saga.Failure.Code
	}
	event, err := Outbox.Args(outbox.Event{Type: EventOrderCancelled, Key: saga.ID, Payload: OrderCancelled{OrderID: saga.ID, Reason: reason}})
	if err != nil {
		return fmt.Errorf("start compensating %s: %w", saga.ID, err)
	}
	return withSaga(ctx, s.pool, "start compensating "+saga.ID, saga, `
		WITH s AS (`+updateSaga+` RETURNING id),`+moveOrder+`,
		e AS (`+Outbox.InsertFrom("o", 12)+`)
		SELECT count(*) FROM s`,
		sagaArgs(saga, lease, append([]any{orders.StatusCancelled, nullable(reason)}, event...)...))
}
