package clients

import (
	"context"

	"github.com/shopgraph/shopgraph/subgraphs/catalog"
	"github.com/shopgraph/shopgraph/subgraphs/orders"
)

// PriceReader is what the price adapter reads of the catalog (its postgres Store).
type PriceReader interface {
	PricesBySKU(ctx context.Context, skus []string) (map[string]catalog.Money, error)
}

// Prices is orders.Prices over the catalog.
type Prices struct {
	catalog PriceReader
}

var _ orders.Prices = (*Prices)(nil)

// NewPrices returns the adapter.
func NewPrices(r PriceReader) *Prices { return &Prices{catalog: r} }

// CurrentPrices implements orders.Prices.
func (p *Prices) CurrentPrices(ctx context.Context, skus []string) (map[string]orders.Money, error) {
	prices, err := p.catalog.PricesBySKU(ctx, skus)
	if err != nil {
		return nil, err
	}
	out := make(map[string]orders.Money, len(prices))
	for sku, m := range prices {
		out[sku] = orders.Money{Amount: m.Amount, Currency: m.Currency}
	}
	return out, nil
}
