package inventoryresolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/shopgraph/shopgraph/subgraphs/inventory"
)

// representationSKUs returns every well-formed SKU named by the representations of the
// _entities call being resolved: Variant keys and the variants that Product representations
// carry for @requires. gqlgen resolves the Variant and Product batches of one call
// concurrently; whichever loads first reads the SKUs of both, so a gateway's entity fetch
// costs one query however its representations mix types. Outside _entities it returns nil.
func representationSKUs(ctx context.Context) []string {
	var reps []map[string]any
	for fc := graphql.GetFieldContext(ctx); fc != nil; fc = fc.Parent {
		// List elements have a context of their own without a field.
		if fc.Field.Field != nil && fc.Field.Name == "_entities" {
			reps, _ = fc.Args["representations"].([]map[string]any)
			break
		}
	}
	var skus []string
	add := func(v any) {
		if sku, ok := v.(string); ok && inventory.ValidateSKU("sku", sku) == nil {
			skus = append(skus, sku)
		}
	}
	for _, rep := range reps {
		switch rep["__typename"] {
		case "Variant":
			add(rep["sku"])
		case "Product":
			variants, _ := rep["variants"].([]any)
			for _, v := range variants {
				variant, _ := v.(map[string]any)
				add(variant["sku"])
			}
		}
	}
	return skus
}
