// Package catalogresolvers maps the catalog subgraph's GraphQL schema onto the catalog domain.
// Resolvers stay thin: argument rules live in subgraphs/catalog, and every read of a related
// object goes through the request's loaders so a page of products costs one query per type.
package catalogresolvers

import (
	"context"
	"net/http"

	catalogql "github.com/shopgraph/shopgraph/graph/catalog"
	"github.com/shopgraph/shopgraph/loaders"
	"github.com/shopgraph/shopgraph/resolvers"
	"github.com/shopgraph/shopgraph/subgraphs/catalog/postgres"
)

// Resolver is the root of the catalog resolvers.
type Resolver struct {
	store *postgres.Store
}

// NewHandler serves the catalog subgraph, with fresh loaders for every request.
func NewHandler(store *postgres.Store) http.Handler {
	schema := catalogql.NewExecutableSchema(catalogql.Config{Resolvers: &Resolver{store: store}})
	return resolvers.Handler(schema, func(ctx context.Context) context.Context {
		return loaders.WithCatalog(ctx, loaders.NewCatalog(store))
	})
}

// loaders returns the request's loaders. Without them (a schema executed outside NewHandler)
// every call gets its own, which is correct but unbatched.
func (r *Resolver) loaders(ctx context.Context) *loaders.Catalog {
	if l := loaders.CatalogFrom(ctx); l != nil {
		return l
	}
	return loaders.NewCatalog(r.store)
}
