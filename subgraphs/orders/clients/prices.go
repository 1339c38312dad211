package clients

import (
	"context"

	"github.com/shopgraph/shopgraph/subgraphs/catalog"
	"github.com/shopgraph/shopgraph/subgraphs/orders"
)

// VariantReader is what the price adapter reads of the catalog (its postgres Store).
type VariantReader interface {
	VariantsBySKU(ctx context.Context, skus []string) ([]catalog.Variant, error)
}

// Prices is orders.Prices over the catalog.
type Prices struct {
	catalog VariantReader
}

var _ orders.Prices = (*Prices)(nil)

// NewPrices returns the adapter.
func NewPrices(r VariantReader) *Prices { return &Prices{catalog: r} }

// CurrentPrices implements orders.Prices.
func (p *Prices) CurrentPrices(ctx context.Context, skus []string) (map[string]orders.Money, error) {
	vs, err := p.catalog.VariantsBySKU(ctx, skus)
	if err != nil {
		return nil, err
	}
	out := make(map[string]orders.Money, len(vs))
	for _, v := range vs {
		out[v.SKU] = orders.Money{Amount: v.Price.Amount, Currency: v.Price.Currency}
	}
	return out, nil
}
