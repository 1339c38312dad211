package main

import (
	"net/http"

	"github.com/jackc/pgx/v5/pgxpool"

	inventoryresolvers "github.com/shopgraph/shopgraph/resolvers/inventory"
	"github.com/shopgraph/shopgraph/subgraphs"
	inventory "github.com/shopgraph/shopgraph/subgraphs/inventory/postgres"
)

// subgraph is one domain as the binary runs it: its storage and its GraphQL handler.
type subgraph struct {
	domain  subgraphs.Domain
	handler func(pool *pgxpool.Pool) http.Handler
}

// allSubgraphs lists every domain this binary serves, in migration order.
func allSubgraphs() []subgraph {
	return []subgraph{
		{inventory.Domain, func(pool *pgxpool.Pool) http.Handler {
			return inventoryresolvers.NewHandler(inventory.NewStore(pool))
		}},
	}
}

func allDomains() []subgraphs.Domain {
	var ds []subgraphs.Domain
	for _, s := range allSubgraphs() {
		ds = append(ds, s.domain)
	}
	return ds
}
