package sources

import (
	"context"

	inventorypg "github.com/shopgraph/shopgraph/subgraphs/inventory/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/search"
)

// Stock is search.Stock over the inventory's store: a SKU is sellable when units on hand
// exceed the active holds at some center, as Variant.inStock says in the graph.
type Stock struct {
	store *inventorypg.Store
}

var _ search.Stock = (*Stock)(nil)

// NewStock returns the adapter.
func NewStock(store *inventorypg.Store) *Stock { return &Stock{store: store} }

// Sellable implements search.Stock.
func (s *Stock) Sellable(ctx context.Context, skus []string) (map[string]bool, error) {
	out := make(map[string]bool, len(skus))
	if len(skus) == 0 {
		return out, nil
	}
	avail, err := s.store.Availability(ctx, skus)
	if err != nil {
		return nil, err
	}
	for _, a := range avail {
		if a.Total() > 0 {
			out[a.SKU] = true
		}
	}
	return out, nil
}
