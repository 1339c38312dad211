// Package ordersresolvers maps the orders subgraph's GraphQL schema onto the orders domain.
// Resolvers stay thin: rules live in subgraphs/orders.
package ordersresolvers

import (
	"context"
	"net/http"

	ordersql "github.com/shopgraph/shopgraph/graph/orders"
	"github.com/shopgraph/shopgraph/loaders"
	"github.com/shopgraph/shopgraph/resolvers"
	"github.com/shopgraph/shopgraph/subgraphs/orders"
	"github.com/shopgraph/shopgraph/subgraphs/orders/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/trust"
)

// Resolver is the root of the orders resolvers.
type Resolver struct {
	store    *postgres.Store
	checkout *orders.Service
}

// HeaderIdempotencyKey is the HTTP header that may carry checkout's idempotency key.
const HeaderIdempotencyKey = "Idempotency-Key"

// NewHandler serves the orders subgraph: checkout runs on checkout (the saga service the
// binary wires over inventory, payments, carts and the catalog); gatewaySecret checks the
// customer headers the gateway signs (trust.Middleware). A request sees only its caller's
// orders.
func NewHandler(store *postgres.Store, checkout *orders.Service, gatewaySecret []byte) http.Handler {
	r := &Resolver{store: store, checkout: checkout}
	schema := ordersql.NewExecutableSchema(ordersql.Config{Resolvers: r})
	h := resolvers.Handler(schema, func(ctx context.Context) context.Context {
		return loaders.WithOrders(ctx, loaders.NewOrders(store, trust.CustomerFrom(ctx)))
	})
	return trust.Middleware(gatewaySecret)(withRequestHeaders(h))
}

type headersKey struct{}

type requestHeaders struct {
	idempotencyKey string
	cartToken      string
}

// withRequestHeaders keeps the headers checkout reads for the resolvers.
func withRequestHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), headersKey{}, requestHeaders{
			idempotencyKey: r.Header.Get(HeaderIdempotencyKey),
			cartToken:      r.Header.Get(trust.HeaderCartToken),
		})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func headersFrom(ctx context.Context) requestHeaders {
	h, _ := ctx.Value(headersKey{}).(requestHeaders)
	return h
}

// loaders returns the request's loaders; without them (a schema executed outside NewHandler)
// every call gets its own, which is correct but unbatched.
func (r *Resolver) loaders(ctx context.Context) *loaders.Orders {
	if l := loaders.OrdersFrom(ctx); l != nil {
		return l
	}
	return loaders.NewOrders(r.store, trust.CustomerFrom(ctx))
}

// signedIn returns the caller's customer id, or UNAUTHENTICATED for a guest.
func signedIn(ctx context.Context) (string, error) {
	id := trust.CustomerFrom(ctx)
	if id == "" {
		return "", &orders.RequestError{Code: orders.CodeUnauthenticated, Message: "sign in to see orders"}
	}
	return id, nil
}
