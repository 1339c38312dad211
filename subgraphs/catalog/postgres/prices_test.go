package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shopgraph/shopgraph/subgraphs/catalog/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
)

// Prices are read by one statement whatever the number of SKUs, so on a pool with generic
// plans (the money path's) Postgres plans it once per connection, not per read; unknown SKUs
// are left out, and the prices are the variants'.
func TestPricesBySKUIsOnePreparedStatement(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t, func(c *pgxpool.Config) {
		c.MaxConns = 1 // one connection: its prepared statements are the ones counted
		c.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
	}, postgres.Domain)
	skus, err := postgres.Seed(ctx, pool, 20, nil)
	if err != nil {
		t.Fatal(err)
	}
	store := postgres.NewStore(pool)
	reads := 0
	for n := 1; n <= 4; n++ {
		for range 3 {
			want := append([]string{"NO-SUCH-SKU"}, skus[:n]...)
			got, err := store.PricesBySKU(ctx, want)
			reads++
			if err != nil || len(got) != n {
				t.Fatalf("prices of %v = %v, %v; want %d", want, got, err, n)
			}
			variants, err := store.VariantsBySKU(ctx, skus[:n])
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range variants {
				if got[v.SKU] != v.Price {
					t.Fatalf("price of %s = %+v, want the variant's %+v", v.SKU, got[v.SKU], v.Price)
				}
			}
		}
	}
	var statements, generic, custom int
	err = pool.QueryRow(ctx, `SELECT count(*), coalesce(sum(generic_plans), 0), coalesce(sum(custom_plans), 0)
		FROM pg_prepared_statements WHERE statement LIKE 'SELECT v.sku, v.price,%'`).Scan(&statements, &generic, &custom)
	if err != nil {
		t.Fatal(err)
	}
	if statements != 1 || generic != reads || custom != 0 {
		t.Fatalf("price read: %d prepared statements, %d generic and %d custom plans for %d reads; want 1, %d, 0",
			statements, generic, custom, reads, reads)
	}
}
