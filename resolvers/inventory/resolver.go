// Package inventoryresolvers maps the inventory subgraph's GraphQL schema onto the inventory
// domain. Resolvers stay thin: rules live in subgraphs/inventory.
package inventoryresolvers

import (
	"context"
	"net/http"

	inventoryql "github.com/shopgraph/shopgraph/graph/inventory"
	"github.com/shopgraph/shopgraph/loaders"
	"github.com/shopgraph/shopgraph/resolvers"
	"github.com/shopgraph/shopgraph/subgraphs/inventory"
	"github.com/shopgraph/shopgraph/subgraphs/inventory/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/trust"
)

// Resolver is the root of the inventory resolvers.
type Resolver struct {
	store         *postgres.Store
	reservations  *inventory.Reservations
	gatewaySecret []byte
}

// Option configures NewHandler and NewHandlerWith.
type Option func(*Resolver)

// WithGatewaySecret checks the caller headers the gateway signs (trust.Middleware), so the
// operators' mutations (restock, setHotSku) know whether the caller is staff. Without it
// every caller is a guest and those mutations answer UNAUTHENTICATED; reads need no caller.
func WithGatewaySecret(secret []byte) Option {
	return func(r *Resolver) { r.gatewaySecret = append([]byte(nil), secret...) }
}

// NewHandler serves the inventory subgraph on the Postgres path only, with fresh loaders for
// every request.
func NewHandler(store *postgres.Store, opts ...Option) http.Handler {
	return NewHandlerWith(store, inventory.NewReservations(store), opts...)
}

// NewHandlerWith serves the inventory subgraph with the reservation API that the binary also
// gives the checkout saga, so that both see the same flash-sale path and hot SKUs.
func NewHandlerWith(store *postgres.Store, reservations *inventory.Reservations, opts ...Option) http.Handler {
	r := &Resolver{store: store, reservations: reservations}
	for _, o := range opts {
		o(r)
	}
	schema := inventoryql.NewExecutableSchema(inventoryql.Config{Resolvers: r})
	h := resolvers.Handler(schema, func(ctx context.Context) context.Context {
		return loaders.WithInventory(ctx, loaders.NewInventory(r.reader()))
	})
	if len(r.gatewaySecret) == 0 {
		// No secret to check headers with: whatever an outer layer put in the context, the
		// caller is a guest.
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			h.ServeHTTP(w, req.WithContext(trust.WithCaller(req.Context(), trust.Caller{})))
		})
	}
	return trust.Middleware(r.gatewaySecret)(h)
}

// loaders returns the request's loaders. Without them (a schema executed outside NewHandler)
// every call gets its own, which is correct but unbatched.
func (r *Resolver) loaders(ctx context.Context) *loaders.Inventory {
	if l := loaders.InventoryFrom(ctx); l != nil {
		return l
	}
	return loaders.NewInventory(r.reader())
}

// stockReader is what the loaders read: availability through the reservation API, exact for
// hot SKUs too, and fulfillment centers from the store.
type stockReader struct {
	*postgres.Store
	reservations *inventory.Reservations
}

func (s stockReader) Availability(ctx context.Context, skus []string) ([]inventory.Availability, error) {
	return s.reservations.Availability(ctx, skus)
}

func (r *Resolver) reader() loaders.InventoryReader {
	return stockReader{Store: r.store, reservations: r.reservations}
}

// availability loads the stock of skus through the request's loader, keyed by SKU. The
// batch resolvers of Variant and Product share the loader, so a SKU asked for by several
// fields, or by a variant and its product, is read once; under _entities the first load
// reads the SKUs of every representation at once.
func (r *Resolver) availability(ctx context.Context, skus []string) (map[string]inventory.Availability, error) {
	return r.loaders(ctx).Availability.Load(ctx, append(representationSKUs(ctx), skus...))
}

func variantSKUs(vs []*inventoryql.Variant) []string {
	skus := make([]string, len(vs))
	for i, v := range vs {
		skus[i] = v.Sku
	}
	return skus
}
