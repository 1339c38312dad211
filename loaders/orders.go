package loaders

import (
	"context"
	"time"

	"github.com/graph-gophers/dataloader/v7"

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
	OrderByID *dataloader.Loader[string, *orders.Order] // nil when not the customer's order
	History   *dataloader.Loader[string, []orders.StatusChange]
}

const (
	ordersWait     = 2 * time.Millisecond
	ordersBatchCap = 1000
)

// NewOrders returns fresh loaders for one request of customerID ("" for a guest, who sees no
// orders).
func NewOrders(r OrdersReader, customerID string) *Orders {
	byID := func(ctx context.Context, ids []string) (map[string]orders.Order, error) {
		return r.OrdersByID(ctx, customerID, ids)
	}
	return &Orders{
		OrderByID: dataloader.NewBatchedLoader(ordersBatch(byID, func(o orders.Order, ok bool) *orders.Order {
			if !ok {
				return nil
			}
			return &o
		}),
			dataloader.WithWait[string, *orders.Order](ordersWait),
			dataloader.WithBatchCapacity[string, *orders.Order](ordersBatchCap)),
		History: dataloader.NewBatchedLoader(ordersBatch(r.HistoryByOrder, func(h []orders.StatusChange, _ bool) []orders.StatusChange {
			return h
		}),
			dataloader.WithWait[string, []orders.StatusChange](ordersWait),
			dataloader.WithBatchCapacity[string, []orders.StatusChange](ordersBatchCap)),
	}
}

// ordersBatch answers each key from one fetch of the whole batch.
func ordersBatch[V, R any](fetch func(context.Context, []string) (map[string]V, error), pick func(V, bool) R) dataloader.BatchFunc[string, R] {
	return func(ctx context.Context, keys []string) []*dataloader.Result[R] {
		found, err := fetch(ctx, keys)
		results := make([]*dataloader.Result[R], len(keys))
		for i, k := range keys {
			if err != nil {
				results[i] = &dataloader.Result[R]{Error: err}
				continue
			}
			v, ok := found[k]
			results[i] = &dataloader.Result[R]{Data: pick(v, ok)}
		}
		return results
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
