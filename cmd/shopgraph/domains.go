package main

import (
	"net/http"

	"github.com/jackc/pgx/v5/pgxpool"

	catalogresolvers "github.com/shopgraph/shopgraph/resolvers/catalog"
	inventoryresolvers "github.com/shopgraph/shopgraph/resolvers/inventory"
	paymentsresolvers "github.com/shopgraph/shopgraph/resolvers/payments"
	"github.com/shopgraph/shopgraph/subgraphs"
	catalog "github.com/shopgraph/shopgraph/subgraphs/catalog/postgres"
	inventory "github.com/shopgraph/shopgraph/subgraphs/inventory/postgres"
	payments "github.com/shopgraph/shopgraph/subgraphs/payments/postgres"
)

// subgraph is one domain as the binary runs it: its storage and its GraphQL handler.
type subgraph struct {
	domain  subgraphs.Domain
	handler func(pool *pgxpool.Pool) http.Handler
}

// allSubgraphs lists every domain this binary serves, in migration order.
func allSubgraphs() []subgraph {
	return []subgraph{
		{catalog.Domain, func(pool *pgxpool.Pool) http.Handler {
			return catalogresolvers.NewHandler(catalog.NewStore(pool))
		}},
		{inventory.Domain, func(pool *pgxpool.Pool) http.Handler {
			return inventoryresolvers.NewHandler(inventory.NewStore(pool))
		}},
		{payments.Domain, func(pool *pgxpool.Pool) http.Handler {
			return paymentsresolvers.NewHandler(payments.NewStore(pool))
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
