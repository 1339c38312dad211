package postgres_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shopgraph/shopgraph/subgraphs/catalog"
	"github.com/shopgraph/shopgraph/subgraphs/catalog/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/migrate"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
)

// TestSeedScale times a large seed and then listings on it. It runs only when
// CATALOG_SEED_PRODUCTS is set, e.g.
//
//	CATALOG_SEED_PRODUCTS=100000 go test -run TestSeedScale -v -timeout 30m ./subgraphs/catalog/postgres
//
// With CATALOG_SCALE_DATABASE_URL it migrates and keeps that database, seeding it only when
// empty, so listings can be timed again without seeding again.
func TestSeedScale(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("CATALOG_SEED_PRODUCTS"))
	if n <= 0 {
		t.Skip("set CATALOG_SEED_PRODUCTS to time a large seed")
	}
	ctx := context.Background()
	var pool *pgxpool.Pool
	if url := os.Getenv("CATALOG_SCALE_DATABASE_URL"); url != "" {
		if err := migrate.Up(ctx, url, postgres.Domain); err != nil {
			t.Fatal(err)
		}
		var err error
		if pool, err = pgxpool.New(ctx, url); err != nil {
			t.Fatal(err)
		}
		defer pool.Close()
	} else {
		pool = pgtest.NewPool(t, nil, postgres.Domain)
	}
	if seeded, err := postgres.IsSeeded(ctx, pool); err != nil || !seeded {
		seed(t, pool, n)
	}
	timeListings(t, postgres.NewStore(pool), pool)
}

func seed(t *testing.T, pool *pgxpool.Pool, n int) {
	ctx := context.Background()
	start := time.Now()
	last := start
	skus, err := postgres.Seed(ctx, pool, n, func(done int) {
		if time.Since(last) > 10*time.Second {
			t.Logf("%d products after %s", done, time.Since(start).Round(time.Second))
			last = time.Now()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	var size string
	if err := pool.QueryRow(ctx, `SELECT pg_size_pretty(pg_database_size(current_database()))`).Scan(&size); err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded %d products, %d SKUs in %s (%.0f products/s), database %s",
		n, len(skus), took.Round(time.Millisecond), float64(n)/took.Seconds(), size)
}

// timeListings pages through the seeded catalog in every order, plain and filtered, and
// fails when a page is slow: keyset pages must cost the same at page 1 and page 50.
func timeListings(t *testing.T, store *postgres.Store, pool *pgxpool.Pool) {
	ctx := context.Background()
	var root, cheapRoot, leaf, brand string
	if err := pool.QueryRow(ctx, `SELECT
		(SELECT id FROM catalog.category WHERE parent_id IS NULL ORDER BY position LIMIT 1),
		(SELECT id FROM catalog.category WHERE parent_id IS NULL ORDER BY position DESC LIMIT 1),
		(SELECT category_id FROM catalog.product LIMIT 1),
		(SELECT brand_id FROM catalog.product LIMIT 1)`).Scan(&root, &cheapRoot, &leaf, &brand); err != nil {
		t.Fatal(err)
	}
	lo, hi, floor := int64(5000), int64(9999), int64(200000)
	filters := map[string]catalog.ProductFilter{
		"none":          {},
		"root category": {CategoryID: root},
		"cheap root":    {CategoryID: cheapRoot}, // its prices sit at one end of the price index
		"price floor":   {PriceMin: &floor},      // a few percent of products, all in few categories
		"leaf category": {CategoryID: leaf},
		"brand":         {BrandID: brand},
		"price":         {PriceMin: &lo, PriceMax: &hi},
		"brand+leaf":    {BrandID: brand, CategoryID: leaf},
	}
	for _, sort := range []catalog.ProductSort{catalog.SortNewest, catalog.SortPriceAsc, catalog.SortPriceDesc, catalog.SortTitle, catalog.SortRating} {
		for name, filter := range filters {
			l := catalog.ProductListing{First: 20, Filter: filter, Sort: sort}
			var slowest time.Duration
			for page := range 50 {
				start := time.Now()
				p, err := store.ListProducts(ctx, l)
				if err != nil {
					t.Fatal(err)
				}
				took := time.Since(start)
				slowest = max(slowest, took)
				if page == 0 || page == 49 {
					t.Logf("%-10s %-13s page %2d: %s", sort, name, page+1, took.Round(10*time.Microsecond))
				}
				if !p.HasNextPage {
					break
				}
				c, err := catalog.DecodeProductCursor(catalog.ProductCursorOf(sort, &p.Products[len(p.Products)-1]), sort)
				if err != nil {
					t.Fatal(err)
				}
				l.After = &c
			}
			if slowest > 250*time.Millisecond {
				t.Errorf("%s, filter %s: slowest page took %s", sort, name, slowest)
			}
		}
	}
}
