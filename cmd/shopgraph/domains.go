package main

import (
	"net/http"

	partnerpg "github.com/shopgraph/shopgraph/gateway/partner/postgres"
	cartresolvers "github.com/shopgraph/shopgraph/resolvers/cart"
	catalogresolvers "github.com/shopgraph/shopgraph/resolvers/catalog"
	identityresolvers "github.com/shopgraph/shopgraph/resolvers/identity"
	inventoryresolvers "github.com/shopgraph/shopgraph/resolvers/inventory"
	ordersresolvers "github.com/shopgraph/shopgraph/resolvers/orders"
	paymentsresolvers "github.com/shopgraph/shopgraph/resolvers/payments"
	searchresolvers "github.com/shopgraph/shopgraph/resolvers/search"
	"github.com/shopgraph/shopgraph/subgraphs"
	cart "github.com/shopgraph/shopgraph/subgraphs/cart/postgres"
	catalog "github.com/shopgraph/shopgraph/subgraphs/catalog/postgres"
	identity "github.com/shopgraph/shopgraph/subgraphs/identity/postgres"
	inventory "github.com/shopgraph/shopgraph/subgraphs/inventory/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/orders/jobs"
	orders "github.com/shopgraph/shopgraph/subgraphs/orders/postgres"
	payments "github.com/shopgraph/shopgraph/subgraphs/payments/postgres"
)

// subgraph is one domain as the binary runs it: its storage and its GraphQL handler.
type subgraph struct {
	domain  subgraphs.Domain
	handler func(a *app) http.Handler
}

// allSubgraphs lists every domain this binary serves, in migration order.
func allSubgraphs() []subgraph {
	return []subgraph{
		{catalog.Domain, func(a *app) http.Handler {
			return catalogresolvers.NewHandler(catalog.NewStore(a.pool),
				catalogresolvers.WithGatewaySecret(a.secrets.Gateway),
				catalogresolvers.WithAuthors(identityAuthors{identity.NewStore(a.pool)}))
		}},
		{inventory.Domain, func(a *app) http.Handler {
			return inventoryresolvers.NewHandlerWith(inventory.NewStore(a.money), a.reservations,
				inventoryresolvers.WithGatewaySecret(a.secrets.Gateway))
		}},
		{payments.Domain, func(a *app) http.Handler {
			return paymentsresolvers.NewHandler(payments.NewStore(a.money))
		}},
		{identity.Domain, func(a *app) http.Handler {
			return identityresolvers.NewHandler(identity.NewStore(a.pool), a.tokens, a.secrets.Gateway)
		}},
		{cart.Domain, func(a *app) http.Handler {
			prices := catalogPrices{catalog.NewStore(a.money)} // a key read: a generic plan, planned once
			return cartresolvers.NewHandler(cart.NewStore(a.money), prices, a.secrets.Gateway)
		}},
		{orders.Domain, func(a *app) http.Handler {
			return ordersresolvers.NewHandler(a.orders, a.checkout, a.secrets.Gateway)
		}},
		// Search keeps no tables: its index is built from the catalog and inventory.
		{subgraphs.Domain{Name: "search"}, func(a *app) http.Handler {
			return searchresolvers.NewHandler(a.search)
		}},
	}
}

// allDomains lists every schema to migrate: the subgraphs', the job queue's, then the partner
// endpoint's API keys.
func allDomains() []subgraphs.Domain {
	var ds []subgraphs.Domain
	for _, s := range allSubgraphs() {
		if s.domain.Migrations != nil {
			ds = append(ds, s.domain)
		}
	}
	return append(ds, jobs.Domain, partnerpg.Domain)
}
