package inventoryresolvers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	inventoryresolvers "github.com/shopgraph/shopgraph/resolvers/inventory"
	"github.com/shopgraph/shopgraph/subgraphs/inventory/postgres"
)

// stockSKUs gives n products of three variants each stock in both centers, and returns the
// representations the gateway would send for them: n Variants and n Products.
func stockSKUs(t testing.TB, s *subgraph, n int) (variants, products []any) {
	t.Helper()
	s.exec(t, `
		INSERT INTO inventory.stock (sku, fulfillment_center_id, on_hand)
		SELECT 'SKU-' || p || '-' || v, fc.id, (p + v) % 4
		FROM generate_series(1, $1::int) p, generate_series(1, 3) v, inventory.fulfillment_center fc`, n)
	for p := 1; p <= n; p++ {
		variants = append(variants, variantRep(fmt.Sprintf("SKU-%d-1", p)))
		products = append(products, productRep(fmt.Sprintf("prod-%d", p),
			fmt.Sprintf("SKU-%d-1", p), fmt.Sprintf("SKU-%d-2", p), fmt.Sprintf("SKU-%d-3", p)))
	}
	return variants, products
}

func TestEntitiesQueryOncePerBatch(t *testing.T) {
	s := newSubgraph(t)
	variants, products := stockSKUs(t, s, 100)
	tests := []struct {
		name string
		reps []any
	}{
		{"100 variants", variants},
		{"100 products with 3 variants each", products},
		{"100 variants and 100 products", append(append([]any{}, variants...), products...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.queries.n.Store(0)
			var data struct {
				Entities []entity `json:"_entities"`
			}
			decode(t, do(t, s.handler, entitiesQuery, map[string]any{"representations": tt.reps}), &data)
			if len(data.Entities) != len(tt.reps) {
				t.Fatalf("%d entities for %d representations", len(data.Entities), len(tt.reps))
			}
			for i, e := range data.Entities {
				if e.InStock == nil {
					t.Fatalf("entity %d has no inStock", i)
				}
			}
			if n := s.queries.n.Load(); n != 1 {
				t.Errorf("%d queries, want 1 for the whole batch", n)
			}
		})
	}
}

func TestDatabaseOutageIsAnErrorResponse(t *testing.T) {
	pool, err := pgxpool.New(context.Background(), "postgres://postgres@127.0.0.1:1/none?connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	h := as(inventoryresolvers.NewHandler(postgres.NewStore(pool), inventoryresolvers.WithGatewaySecret(gatewaySecret)), staff)
	tests := []struct {
		name  string
		query string
		vars  map[string]any
	}{
		{"variant entities", entitiesQuery, map[string]any{"representations": []any{variantRep("A"), variantRep("B")}}},
		{"product entities", entitiesQuery, map[string]any{"representations": []any{productRep("p", "A")}}},
		{"fulfillment centers", `{ fulfillmentCenters { id } }`, nil},
		{"restock", restockMutation, restockInput("A", rotterdam, 1)},
		{"holds", holdsQuery, map[string]any{"orderId": "01KE6P4YM47JTZARED010EGNK9"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := do(t, h, tt.query, tt.vars)
			if len(resp.Errors) == 0 {
				t.Fatalf("no error from a dead database: %s", resp.Data)
			}
			for _, e := range resp.Errors {
				if e.Extensions["code"] != "INTERNAL_SERVER_ERROR" || e.Message != "internal server error" {
					t.Errorf("error = %+v, want a masked INTERNAL_SERVER_ERROR", e)
				}
				if strings.Contains(e.Message, "127.0.0.1") {
					t.Errorf("error leaks the database address: %q", e.Message)
				}
			}
		})
	}
}

// BenchmarkEntities resolves 100 Variant and 100 Product entities (300 SKUs) per request
// through the HTTP handler, as the gateway's entity fetch does.
func BenchmarkEntities(b *testing.B) {
	s := newSubgraph(b)
	variants, products := stockSKUs(b, s, 100)
	reps := append(append([]any{}, variants...), products...)
	var h http.Handler = s.handler
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		resp := do(b, h, entitiesQuery, map[string]any{"representations": reps})
		if len(resp.Errors) > 0 {
			b.Fatal(resp.Errors)
		}
	}
}
