package loaders

import (
	"context"

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
	IntentByOrder *Loader[string, *payments.Intent]       // nil when the order has no payment
	Ledger        *Loader[string, []payments.LedgerEntry] // by intent id
}

// NewPayments returns fresh loaders for one request.
func NewPayments(r PaymentsReader) *Payments {
	return &Payments{
		IntentByOrder: mapLoader(r.IntentsByOrder, pointerOrNil[payments.Intent]),
		Ledger:        mapLoader(r.LedgerByIntent, valueOrZero[[]payments.LedgerEntry]),
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
