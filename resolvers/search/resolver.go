// Package searchresolvers maps the search subgraph's GraphQL schema onto the search domain.
// Resolvers stay thin: query rules live in subgraphs/search, matching in its engines.
package searchresolvers

import (
	"net/http"

	searchql "github.com/shopgraph/shopgraph/graph/search"
	"github.com/shopgraph/shopgraph/resolvers"
	"github.com/shopgraph/shopgraph/subgraphs/search"
)

// Resolver is the root of the search resolvers.
type Resolver struct {
	engine search.Engine
}

// NewHandler serves the search subgraph over engine. Search needs no loaders: one query to the
// engine answers a whole page, and the gateway resolves the products' fields elsewhere.
func NewHandler(engine search.Engine) http.Handler {
	schema := searchql.NewExecutableSchema(searchql.Config{Resolvers: &Resolver{engine: engine}})
	return resolvers.Handler(schema, nil)
}
