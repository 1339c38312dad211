package loaders

import (
	"context"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/shopgraph/shopgraph/subgraphs/payments"
)

// PaymentsReader is what the payments loaders read from: one query per batch of keys.
type PaymentsReader interface {
	// IntentsByOrder returns the intents of the orders that have one, keyed by order id.
	IntentsByOrder(ctx context.Context, orderIDs []string) (map[string]payments.Intent, error)
	// LedgerByIntent returns the ledger entries of each intent, oldest first, keyed by intent id.
	LedgerByIntent(ctx context.Context, intentIDs []string) (map[string][]payments.LedgerEntry, error)
}

// Payments batches the payment lookups of one request: every Order.payment of an _entities
// call shares one query, and every Payment.events another.
type Payments struct {
	IntentByOrder *dataloader.Loader[string, *payments.Intent]       // nil when the order has no payment
	Ledger        *dataloader.Loader[string, []payments.LedgerEntry] // by intent id
}

const (
	// paymentsWait is how long a batch stays open: long enough for the resolvers of one
	// _entities call, which gqlgen starts together, to join it.
	paymentsWait = 2 * time.Millisecond
	// paymentsBatchCap bounds the keys of one query.
	paymentsBatchCap = 1000
)

// NewPayments returns fresh loaders for one request.
func NewPayments(r PaymentsReader) *Payments {
	return &Payments{
		IntentByOrder: dataloader.NewBatchedLoader(paymentsBatch(r.IntentsByOrder, func(i payments.Intent, ok bool) *payments.Intent {
			if !ok {
				return nil
			}
			return &i
		}),
			dataloader.WithWait[string, *payments.Intent](paymentsWait),
			dataloader.WithBatchCapacity[string, *payments.Intent](paymentsBatchCap)),
		Ledger: dataloader.NewBatchedLoader(paymentsBatch(r.LedgerByIntent, func(es []payments.LedgerEntry, _ bool) []payments.LedgerEntry {
			return es
		}),
			dataloader.WithWait[string, []payments.LedgerEntry](paymentsWait),
			dataloader.WithBatchCapacity[string, []payments.LedgerEntry](paymentsBatchCap)),
	}
}

// paymentsBatch answers each key from one fetch of the whole batch; pick turns the map's
// answer for a key (present or not) into the loader's value.
func paymentsBatch[V, R any](fetch func(context.Context, []string) (map[string]V, error), pick func(V, bool) R) dataloader.BatchFunc[string, R] {
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

type paymentsKey struct{}

// WithPayments returns ctx carrying the request's payments loaders.
func WithPayments(ctx context.Context, l *Payments) context.Context {
	return context.WithValue(ctx, paymentsKey{}, l)
}

// PaymentsFrom returns the loaders installed by WithPayments, or nil.
func PaymentsFrom(ctx context.Context) *Payments {
	l, _ := ctx.Value(paymentsKey{}).(*Payments)
	return l
}
