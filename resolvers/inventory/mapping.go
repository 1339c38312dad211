package inventoryresolvers

import (
	"context"
	"fmt"

	inventoryql "github.com/shopgraph/shopgraph/graph/inventory"
	"github.com/shopgraph/shopgraph/resolvers"
	"github.com/shopgraph/shopgraph/subgraphs/inventory"
)

func centerModel(c inventory.FulfillmentCenter) *inventoryql.FulfillmentCenter {
	return &inventoryql.FulfillmentCenter{ID: c.ID, Code: c.Code, Name: c.Name, Latitude: c.Latitude, Longitude: c.Longitude}
}

func availabilityModel(a inventory.Availability) *inventoryql.Availability {
	centers := make([]inventoryql.FulfillmentCenterAvailability, len(a.Centers))
	for i, c := range a.Centers {
		centers[i] = inventoryql.FulfillmentCenterAvailability{FulfillmentCenter: centerModel(c.Center), Available: c.Available()}
	}
	return &inventoryql.Availability{Total: a.Total(), FulfillmentCenters: centers}
}

func stockLevelModel(s inventory.CenterStock) *inventoryql.StockLevel {
	return &inventoryql.StockLevel{FulfillmentCenter: centerModel(s.Center), OnHand: s.OnHand, Available: s.Available(), UpdatedAt: s.UpdatedAt}
}

// holdModels maps holds, loading their fulfillment centers in one batch.
func (r *Resolver) holdModels(ctx context.Context, holds []inventory.Hold) ([]inventoryql.Hold, error) {
	ids := make([]string, len(holds))
	for i, h := range holds {
		ids[i] = h.FulfillmentCenterID
	}
	centers, errs := r.loaders(ctx).FulfillmentCenter.LoadMany(ctx, ids)()
	out := make([]inventoryql.Hold, len(holds))
	for i, h := range holds {
		if len(errs) > i && errs[i] != nil {
			return nil, errs[i]
		}
		if centers[i] == nil {
			return nil, fmt.Errorf("hold %s: fulfillment center %s does not exist", h.ID, h.FulfillmentCenterID)
		}
		out[i] = inventoryql.Hold{
			ID: h.ID, OrderID: h.OrderID, Variant: &inventoryql.Variant{Sku: h.SKU},
			FulfillmentCenter: centerModel(*centers[i]), Quantity: h.Quantity,
			Status: inventoryql.HoldStatus(h.Status), ExpiresAt: h.ExpiresAt,
		}
	}
	return out, nil
}

func userErrorModel(r *inventory.Rejection) inventoryql.UserError {
	e := inventoryql.UserError{Code: r.Code, Message: r.Message}
	if r.Field != "" {
		e.Field = []string{"input", r.Field}
	}
	return e
}

// requiredSKUs reads the SKUs that the gateway sends for Product.inStock
// (@requires(fields: "variants { sku }")). The representation comes from outside, so every
// shape is checked rather than asserted.
func requiredSKUs(rep map[string]any) ([]string, error) {
	raw, ok := rep["variants"]
	if !ok {
		return nil, resolvers.BadUserInput("Product representation lacks variants { sku }, which inStock requires")
	}
	variants, ok := raw.([]any)
	if !ok {
		return nil, resolvers.BadUserInput("Product representation: variants must be a list")
	}
	skus := make([]string, len(variants))
	for i, v := range variants {
		variant, _ := v.(map[string]any)
		sku, ok := variant["sku"].(string)
		if !ok {
			return nil, resolvers.BadUserInput(fmt.Sprintf("Product representation: variants[%d].sku must be a string", i))
		}
		if err := inventory.ValidateSKU("sku", sku); err != nil {
			return nil, resolvers.BadUserInput(fmt.Sprintf("Product representation: variants[%d]: %v", i, err))
		}
		skus[i] = sku
	}
	return skus, nil
}
