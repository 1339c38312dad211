package main

import (
	"context"

	"github.com/shopgraph/shopgraph/subgraphs/cart"
	catalogpg "github.com/shopgraph/shopgraph/subgraphs/catalog/postgres"
	identitypg "github.com/shopgraph/shopgraph/subgraphs/identity/postgres"
)

// catalogPrices gives the cart the catalog's current prices, in process. Domains never read
// each other's tables; the binary joins them through their own interfaces. Its store is on
// the money path's pool, where the price read runs on a generic plan like checkout's.
type catalogPrices struct{ store *catalogpg.Store }

func (p catalogPrices) PriceOf(ctx context.Context, skus []string) (map[string]cart.Money, error) {
	prices, err := p.store.PricesBySKU(ctx, skus)
	if err != nil {
		return nil, err
	}
	out := make(map[string]cart.Money, len(prices))
	for sku, m := range prices {
		out[sku] = cart.Money{Amount: m.Amount, Currency: m.Currency}
	}
	return out, nil
}

// identityAuthors names the catalog's reviewers as identity knows them, in process.
type identityAuthors struct{ store *identitypg.Store }

func (a identityAuthors) AuthorName(ctx context.Context, customerID string) (string, error) {
	found, err := a.store.CustomersByID(ctx, []string{customerID})
	if err != nil {
		return "", err
	}
	return found[customerID].Name, nil
}

// identityRoles tells the gateway which role an account holds now, in process, so a staff
// token stops acting as staff soon after the account is demoted.
type identityRoles struct{ store *identitypg.Store }

func (r identityRoles) Role(ctx context.Context, accountID string) (string, error) {
	found, err := r.store.CustomersByID(ctx, []string{accountID})
	if err != nil {
		return "", err
	}
	return found[accountID].Role, nil
}
