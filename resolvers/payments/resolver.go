// Package paymentsresolvers maps the payments subgraph's GraphQL schema onto the payments
// domain. Resolvers stay thin: rules live in subgraphs/payments.
package paymentsresolvers

import (
	"context"
	"net/http"

	paymentsql "github.com/shopgraph/shopgraph/graph/payments"
	"github.com/shopgraph/shopgraph/loaders"
	"github.com/shopgraph/shopgraph/resolvers"
	"github.com/shopgraph/shopgraph/subgraphs/payments/postgres"
)

// Resolver is the root of the payments resolvers.
type Resolver struct {
	store *postgres.Store
}

// NewHandler serves the payments subgraph, with fresh loaders for every request.
func NewHandler(store *postgres.Store) http.Handler {
	schema := paymentsql.NewExecutableSchema(paymentsql.Config{Resolvers: &Resolver{store: store}})
	return resolvers.Handler(schema, func(ctx context.Context) context.Context {
		return loaders.WithPayments(ctx, loaders.NewPayments(store))
	})
}

// loaders returns the request's loaders. Without them (a schema executed outside NewHandler)
// every call gets its own, which is correct but unbatched.
func (r *Resolver) loaders(ctx context.Context) *loaders.Payments {
	if l := loaders.PaymentsFrom(ctx); l != nil {
		return l
	}
	return loaders.NewPayments(r.store)
}
