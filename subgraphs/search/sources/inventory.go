package sources

import (
	"context"

	"github.com/shopgraph/shopgraph/subgraphs/inventory"
	"github.com/shopgraph/shopgraph/subgraphs/search"
)

// StockReader reads the availability of SKUs in one batch: inventory.Reservations, which is
// exact for SKUs on the flash-sale path too, or the inventory's Postgres store alone.
type StockReader interface {
	Availability(ctx context.Context, skus []string) ([]inventory.Availability, error)
}

// Stock is search.Stock over the inventory: a SKU is sellable when units on hand exceed the
// active holds at some center, as Variant.inStock says in the graph.
type Stock struct {
	reader StockReader
}

var _ search.Stock = (*Stock)(nil)

// NewStock returns the adapter. Give it the process's inventory.Reservations so that the index
// sees a flash sale's sales as they happen, not when they are flushed to Postgres.
func NewStock(r StockReader) *Stock { return &Stock{reader: r} }

// Sellable implements search.Stock.
func (s *Stock) Sellable(ctx context.Context, skus []string) (map[string]bool, error) {
	out := make(map[string]bool, len(skus))
	if len(skus) == 0 {
		return out, nil
	}
	avail, err := s.reader.Availability(ctx, skus)
	if err != nil {
		return nil, err
	}
	for _, a := range avail {
		if a.InStock() {
			out[a.SKU] = true
		}
	}
	return out, nil
}
