package catalogresolvers_test

import (
	"encoding/json"
	"testing"
)

// A gateway asks for many entities at once; every type must cost one query, whatever the count.
// The fields below are batch resolvers on the entities themselves, so the count is exact and
// does not depend on how fast goroutines are scheduled.
const productEntities = `query($reps: [_Any!]!) {
	_entities(representations: $reps) {
		... on Product {
			id title
			brand { name }
			category { name }
			priceRange { min { amount currency } max { amount currency } }
			variants { sku price { amount } }
			rating { average count }
			reviews(first: 2) { edges { node { rating } } pageInfo { hasNextPage } }
		}
	}
}`

const variantEntities = `query($reps: [_Any!]!) {
	_entities(representations: $reps) {
		... on Variant { sku title price { amount currency } product { id title } }
	}
}`

// Products under a variant or a connection edge are resolved one by one, not as a list;
// their related rows are prefetched together, so these cost one query per type as well.
const variantEntitiesWithProductDetails = `query($reps: [_Any!]!) {
	_entities(representations: $reps) {
		... on Variant { sku product { id brand { name } category { name } priceRange { min { amount } } } }
	}
}`

const listingWithDetails = `{
	products(first: 100, sort: PRICE_ASC) {
		edges { node { id brand { name } category { name } variants { sku } priceRange { max { amount } }
			reviews(first: 1) { edges { node { rating } } } } }
	}
}`

func productReps(ids []string) []map[string]any {
	reps := make([]map[string]any, len(ids))
	for i, id := range ids {
		reps[i] = map[string]any{"__typename": "Product", "id": id}
	}
	return reps
}

func variantReps(skus []string) []map[string]any {
	reps := make([]map[string]any, len(skus))
	for i, sku := range skus {
		reps[i] = map[string]any{"__typename": "Variant", "sku": sku}
	}
	return reps
}

func TestHundredEntitiesCostOneQueryPerType(t *testing.T) {
	f := newCatalog(t, 300)
	ids := f.column(t, `SELECT id FROM catalog.product ORDER BY random() LIMIT 100`)
	skus := f.column(t, `SELECT sku FROM catalog.variant ORDER BY random() LIMIT 100`)

	tests := []struct {
		name  string
		query string
		reps  []map[string]any
		want  map[string]int
	}{
		{"products", productEntities, productReps(ids),
			map[string]int{"product": 1, "variant": 1, "brand": 1, "category": 1, "review": 1}},
		{"variants", variantEntities, variantReps(skus),
			map[string]int{"variant": 1, "product": 1}},
		{"variants with product details", variantEntitiesWithProductDetails, variantReps(skus),
			map[string]int{"variant": 2, "product": 1, "brand": 1, "category": 1}}, // by SKU, then by product
		{"a page of 100 products", listingWithDetails, nil,
			map[string]int{"product": 1, "variant": 1, "brand": 1, "category": 1, "review": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.queries.reset()
			var vars map[string]any
			if tt.reps != nil {
				vars = map[string]any{"reps": tt.reps}
			}
			resp := do(t, f.handler, tt.query, vars)
			if len(resp.Errors) > 0 {
				t.Fatalf("errors: %+v", resp.Errors)
			}
			var out struct {
				Entities []*json.RawMessage `json:"_entities"`
				Products struct{ Edges []json.RawMessage }
			}
			if err := json.Unmarshal(resp.Data, &out); err != nil {
				t.Fatal(err)
			}
			for i, e := range out.Entities {
				if e == nil {
					t.Fatalf("entity %d is null", i)
				}
			}
			if n := len(out.Entities) + len(out.Products.Edges); n != 100 {
				t.Fatalf("%d objects, want 100", n)
			}
			got := f.queries.byTable()
			for table, n := range tt.want {
				if got[table] != n {
					t.Errorf("%d queries on %s, want %d (all: %v)", got[table], table, n, got)
				}
			}
			if total, want := f.queries.total(), sum(tt.want); total != want {
				t.Errorf("%d queries in all, want %d", total, want)
			}
		})
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
