// Package cartresolvers maps the cart subgraph's GraphQL schema onto the cart domain.
// Resolvers stay thin: rules live in subgraphs/cart.
package cartresolvers

import (
	"context"
	"net/http"

	cartql "github.com/shopgraph/shopgraph/graph/cart"
	"github.com/shopgraph/shopgraph/loaders"
	"github.com/shopgraph/shopgraph/resolvers"
	"github.com/shopgraph/shopgraph/subgraphs/cart"
	"github.com/shopgraph/shopgraph/subgraphs/cart/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/trust"
)

// Resolver is the root of the cart resolvers.
type Resolver struct {
	store   *postgres.Store
	service *cart.Service
}

// NewHandler serves the cart subgraph. prices tells addToCart what a SKU costs (the binary
// wires the catalog); gatewaySecret checks the customer headers the gateway signs
// (trust.Middleware). Every request sees only its caller's carts: the signed-in customer's,
// and the guest cart of its X-Cart-Token header.
func NewHandler(store *postgres.Store, prices cart.Prices, gatewaySecret []byte) http.Handler {
	r := &Resolver{store: store, service: cart.NewService(store, prices)}
	schema := cartql.NewExecutableSchema(cartql.Config{Resolvers: r})
	h := resolvers.Handler(schema, func(ctx context.Context) context.Context {
		return loaders.WithCart(ctx, loaders.NewCart(store, ownerFrom(ctx)))
	})
	return trust.Middleware(gatewaySecret)(withCartToken(h))
}

type cartTokenKey struct{}

// withCartToken keeps the request's guest cart token for the resolvers.
func withCartToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), cartTokenKey{}, r.Header.Get(trust.HeaderCartToken))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// ownerFrom is who the request acts for: the customer the gateway vouched for, holding the
// guest cart token the request presents.
func ownerFrom(ctx context.Context) cart.Owner {
	token, _ := ctx.Value(cartTokenKey{}).(string)
	return cart.NewOwner(trust.CustomerFrom(ctx), token)
}

// loaders returns the request's loaders. Without them (a schema executed outside NewHandler)
// every call gets its own, which is correct but unbatched.
func (r *Resolver) loaders(ctx context.Context) *loaders.Cart {
	if l := loaders.CartFrom(ctx); l != nil {
		return l
	}
	return loaders.NewCart(r.store, ownerFrom(ctx))
}
