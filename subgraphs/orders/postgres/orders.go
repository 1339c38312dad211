package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/shopgraph/shopgraph/subgraphs/orders"
	"github.com/shopgraph/shopgraph/subgraphs/outbox"
	"github.com/shopgraph/shopgraph/subgraphs/rowscan"
)

// orderRow is an order as its row holds it: the customer is null for a guest's.
type orderRow struct {
	Order      orders.Order
	CustomerID pgtype.Text
}

func (r *orderRow) order() orders.Order {
	o := r.Order
	o.CustomerID = r.CustomerID.String
	return o
}

// orderScan reads the order's own columns.
var orderScan = rowscan.Columns[orderRow]{
	Names: []string{"id", "customer_id", "cart_id", "status", "currency",
		"subtotal", "shipping", "total", "delivery_option", "placed_at", "updated_at"},
	Fields: func(r *orderRow) []any {
		o := &r.Order
		// Room for orderReadScan's two more columns, so that it appends without a copy.
		return append(make([]any, 0, 13), &o.ID, &r.CustomerID, &o.CartID, (*string)(&o.Status), &o.Currency,
			&o.Subtotal, &o.Shipping, &o.Total, (*string)(&o.DeliveryOption), &o.PlacedAt, &o.UpdatedAt)
	},
}

// orderReadScan reads a whole order: orderScan's columns, the shipping address and the lines
// (orderLines).
var orderReadScan = rowscan.Columns[orderRow]{
	Names: rowscan.Concat(orderScan.Names, []string{"shipping_address", "lines"}),
	Fields: func(r *orderRow) []any {
		return append(orderScan.Fields(r), &r.Order.ShippingAddress, &r.Order.Lines)
	},
}

// orderLines is the lines column of orderReadScan, for an order o.
const orderLines = `(SELECT jsonb_agg(jsonb_build_object('sku', l.sku, 'quantity', l.quantity, 'unitPrice', l.unit_price) ORDER BY l.position)
	   FROM orders.order_line l WHERE l.order_id = o.id) AS lines`

// orderOwnColumns is the select list of orderScan.
var orderOwnColumns = orderScan.List()

// orderColumns is the select list of orderReadScan, from orders."order" o.
var orderColumns = orderOwnColumns + `, shipping_address, ` + orderLines

// The reads of orders, whole statements made once, so that no read joins strings.
var (
	selectOrdersByID     = `SELECT ` + orderColumns + ` FROM orders."order" o WHERE o.id = ANY($1) AND o.customer_id = $2`
	selectCustomerOrders = `
		SELECT ` + orderColumns + ` FROM orders."order" o
		WHERE o.customer_id = $1 AND o.id < $2
		ORDER BY o.id DESC LIMIT $3`
	selectOrder   = `SELECT ` + orderColumns + ` FROM orders."order" o WHERE o.id = $1`
	selectHistory = `
		SELECT ` + statusScan.List() + ` FROM orders.order_status
		WHERE order_id = ANY($1) ORDER BY order_id, seq`
)

func collectOrders(rows pgx.Rows) ([]orders.Order, error) {
	got, err := orderReadScan.Collect(rows)
	if err != nil {
		return nil, err
	}
	out := make([]orders.Order, len(got))
	for i := range got {
		out[i] = got[i].order()
	}
	return out, nil
}

// OrdersByID returns the customer's orders among ids, keyed by id. Orders of anyone else are
// absent, exactly like orders that do not exist.
func (s *Store) OrdersByID(ctx context.Context, customerID string, ids []string) (map[string]orders.Order, error) {
	if customerID == "" {
		return map[string]orders.Order{}, nil
	}
	rows, err := s.pool.Query(ctx, selectOrdersByID, ids, customerID)
	if err != nil {
		return nil, fmt.Errorf("read orders: %w", err)
	}
	got, err := orderReadScan.Collect(rows)
	if err != nil {
		return nil, fmt.Errorf("read orders: %w", err)
	}
	out := make(map[string]orders.Order, len(got))
	for i := range got {
		out[got[i].Order.ID] = got[i].order()
	}
	return out, nil
}

// CustomerOrders returns up to limit of the customer's orders, newest first, placed before the
// order after ("" for the newest).
func (s *Store) CustomerOrders(ctx context.Context, customerID, after string, limit int) ([]orders.Order, error) {
	if after == "" {
		// Sorts after every ULID, so one plain range condition serves the first page too and
		// the index on (customer_id, id DESC) starts right at the page.
		after = "ZZZZZZZZZZZZZZZZZZZZZZZZZZ"
	}
	rows, err := s.pool.Query(ctx, selectCustomerOrders, customerID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list orders: %w", err)
	}
	out, err := collectOrders(rows)
	if err != nil {
		return nil, fmt.Errorf("list orders: %w", err)
	}
	return out, nil
}

type statusRow struct {
	OrderID string
	Status  string
	Reason  pgtype.Text
	At      time.Time
}

var statusScan = rowscan.Columns[statusRow]{
	Names:  []string{"order_id", "status", "reason", "created_at"},
	Fields: func(r *statusRow) []any { return []any{&r.OrderID, &r.Status, &r.Reason, &r.At} },
}

// HistoryByOrder returns the status history of each order, oldest first, keyed by order id.
func (s *Store) HistoryByOrder(ctx context.Context, ids []string) (map[string][]orders.StatusChange, error) {
	rows, err := s.pool.Query(ctx, selectHistory, ids)
	if err != nil {
		return nil, fmt.Errorf("read order history: %w", err)
	}
	got, err := statusScan.Collect(rows)
	if err != nil {
		return nil, fmt.Errorf("read order history: %w", err)
	}
	out := make(map[string][]orders.StatusChange, len(ids))
	for _, r := range got {
		out[r.OrderID] = append(out[r.OrderID], orders.StatusChange{Status: orders.Status(r.Status), Reason: r.Reason.String, At: r.At})
	}
	return out, nil
}

// OrderByID returns an order whoever placed it, for the checkout that placed it (a guest's
// order has no customer to check); nil when there is none.
func (s *Store) OrderByID(ctx context.Context, id string) (*orders.Order, error) {
	rows, err := s.pool.Query(ctx, selectOrder, id)
	if err != nil {
		return nil, fmt.Errorf("read order %s: %w", id, err)
	}
	r, err := pgx.CollectExactlyOneRow(rows, orderReadScan.Row)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	o := r.order()
	return &o, nil
}

// OrderStatusChanged is the payload of the OrderStatusChanged event.
type OrderStatusChanged struct {
	OrderID string `json:"orderId"`
	From    string `json:"from"`
	Status  string `json:"status"`
	Reason  string `json:"reason,omitempty"`
}

// EventOrderStatusChanged is published when an order moves on after checkout.
const EventOrderStatusChanged = "OrderStatusChanged"

// MoveOrder moves an order on after checkout (fulfillment's FULFILLING, SHIPPED, DELIVERED, a
// RETURNED), recording the history and an OrderStatusChanged event in one transaction. Moving
// it to the status it has is a no-op, so a redelivered event changes nothing; a move its
// status does not allow is a *orders.TransitionError.
func (s *Store) MoveOrder(ctx context.Context, orderID string, to orders.Status, reason string) error {
	return s.inTx(ctx, "move order "+orderID, func(tx pgx.Tx) error {
		var from string
		if err := tx.QueryRow(ctx, `SELECT status FROM orders."order" WHERE id = $1 FOR UPDATE`, orderID).Scan(&from); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return orders.NotFound("order", orderID)
			}
			return err
		}
		switch {
		case orders.Status(from) == to:
			return nil
		case !orders.CanMove(orders.Status(from), to):
			return &orders.TransitionError{OrderID: orderID, From: orders.Status(from), To: to}
		}
		if _, err := tx.Exec(ctx, `
			WITH o AS (UPDATE orders."order" SET status = $2, updated_at = now() WHERE id = $1 RETURNING id)
			INSERT INTO orders.order_status (order_id, seq, status, reason)
			SELECT o.id, coalesce((SELECT max(seq) FROM orders.order_status WHERE order_id = o.id), 0) + 1, $2, $3 FROM o`,
			orderID, to, nullable(reason)); err != nil {
			return err
		}
		return Outbox.Write(ctx, tx, outbox.Event{Type: EventOrderStatusChanged, Key: orderID,
			Payload: OrderStatusChanged{OrderID: orderID, From: from, Status: string(to), Reason: reason}})
	})
}
