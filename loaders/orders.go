package loaders

import (
	"context"

	"github.com/shopgraph/shopgraph/subgraphs/orders"
)

// OrdersReader is what the orders loaders read from: one query per batch of keys.
type OrdersReader interface {
	// OrdersByID returns the customer's orders among ids; others' orders are absent.
	OrdersByID(ctx context.Context, customerID string, ids []string) (map[string]orders.Order, error)
	// HistoryByOrder returns each order's status history, oldest first.
	HistoryByOrder(ctx context.Context, ids []string) (map[string][]orders.StatusChange, error)
}

// Orders batches the order lookups of one request, for the customer it acts for: every
// Order entity of an _entities call shares one query, every statusHistory another.
type Orders struct {
	OrderByID *Loader[string, *orders.Order] // nil when not the customer's order
	History   *Loader[string, []orders.StatusChange]
}

// NewOrders returns fresh loaders for one request of customerID ("" for a guest, who sees no
// orders).
func NewOrders(r OrdersReader, customerID string) *Orders {
	byID := func(ctx context.Context, ids []string) (map[string]orders.Order, error) {
		return r.OrdersByID(ctx, customerID, ids)
	}
	return &Orders{
		OrderByID: mapLoader(byID, pointerOrNil[orders.Order]),
		History:   mapLoader(r.HistoryByOrder, valueOrZero[[]orders.StatusChange]),
	}
}

type ordersKey struct{}

// WithOrders returns ctx carrying the request's orders loaders.
func WithOrders(ctx context.Context, l *Orders) context.Context {
	return context.WithValue(ctx, ordersKey{}, l)
}

// OrdersFrom returns the loaders installed by WithOrders, or nil.
func OrdersFrom(ctx context.Context) *Orders {
	l, _ := ctx.Value(ordersKey{}).(*Orders)
	return l
}
