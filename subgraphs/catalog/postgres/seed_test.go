package postgres_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shopgraph/shopgraph/subgraphs/catalog/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
)

// digest fingerprints every seeded row, so two catalogs compare equal only if identical.
func digest(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	var d string
	err := pool.QueryRow(context.Background(), `SELECT md5(
		(SELECT string_agg(b::text, ',' ORDER BY id) FROM catalog.brand b) ||
		(SELECT string_agg(c::text, ',' ORDER BY id) FROM catalog.category c) ||
		(SELECT string_agg(p::text, ',' ORDER BY id) FROM catalog.product p) ||
		(SELECT string_agg(v::text, ',' ORDER BY sku) FROM catalog.variant v) ||
		(SELECT coalesce(string_agg(r::text, ',' ORDER BY id), '') FROM catalog.review r))`).Scan(&d)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestSeedIsDeterministic(t *testing.T) {
	ctx := context.Background()
	a := pgtest.NewPool(t, nil, postgres.Domain)
	b := pgtest.NewPool(t, nil, postgres.Domain)

	seeded, err := postgres.IsSeeded(ctx, a)
	if err != nil || seeded {
		t.Fatalf("IsSeeded on an empty catalog = %v, %v", seeded, err)
	}
	var calls []int
	skusA, err := postgres.Seed(ctx, a, 12_345, func(done int) { calls = append(calls, done) })
	if err != nil {
		t.Fatal(err)
	}
	skusB, err := postgres.Seed(ctx, b, 12_345, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(skusA, skusB) {
		t.Error("two seeds of the same size returned different SKUs")
	}
	if da, db := digest(t, a), digest(t, b); da != db {
		t.Errorf("two seeds of the same size differ: %s vs %s", da, db)
	}
	if want := []int{5000, 10000, 12345}; !slices.Equal(calls, want) {
		t.Errorf("progress calls = %v, want %v", calls, want)
	}
	if seeded, err := postgres.IsSeeded(ctx, a); err != nil || !seeded {
		t.Errorf("IsSeeded after seeding = %v, %v", seeded, err)
	}
}

func TestSeedIsConsistent(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t, nil, postgres.Domain)
	skus, err := postgres.Seed(ctx, pool, 2000, nil)
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		brands, categories, roots, depth3, products, variants, distinctSKUs int
		minVariants, maxVariants, maxReviews                                int
		badPriceMin, badRating, badMedia                                    int
	}
	err = pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM catalog.brand),
		(SELECT count(*) FROM catalog.category),
		(SELECT count(*) FROM catalog.category WHERE parent_id IS NULL),
		(SELECT count(*) FROM catalog.category c JOIN catalog.category p ON p.id = c.parent_id WHERE p.parent_id IS NOT NULL),
		(SELECT count(*) FROM catalog.product),
		(SELECT count(*) FROM catalog.variant),
		(SELECT count(DISTINCT sku) FROM catalog.variant),
		(SELECT min(n) FROM (SELECT count(*) n FROM catalog.variant GROUP BY product_id) x),
		(SELECT max(n) FROM (SELECT count(*) n FROM catalog.variant GROUP BY product_id) x),
		(SELECT max(n) FROM (SELECT count(*) n FROM catalog.review GROUP BY product_id) x),
		(SELECT count(*) FROM catalog.product p WHERE price_min <> (SELECT min(price) FROM catalog.variant v WHERE v.product_id = p.id)),
		(SELECT count(*) FROM catalog.product p WHERE (rating_count, rating_sum) <>
			(SELECT count(*), coalesce(sum(rating), 0) FROM catalog.review r WHERE r.product_id = p.id)),
		(SELECT count(*) FROM catalog.product WHERE jsonb_array_length(media) = 0)`).Scan(
		&s.brands, &s.categories, &s.roots, &s.depth3, &s.products, &s.variants, &s.distinctSKUs,
		&s.minVariants, &s.maxVariants, &s.maxReviews, &s.badPriceMin, &s.badRating, &s.badMedia)
	if err != nil {
		t.Fatal(err)
	}
	if s.brands != 60 || s.categories < 35 || s.categories > 50 || s.roots < 4 || s.depth3 == 0 {
		t.Errorf("reference data: %d brands, %d categories, %d roots, %d at depth 3", s.brands, s.categories, s.roots, s.depth3)
	}
	if s.products != 2000 || s.variants != len(skus) || s.distinctSKUs != len(skus) {
		t.Errorf("%d products, %d variants, %d distinct SKUs, %d SKUs returned", s.products, s.variants, s.distinctSKUs, len(skus))
	}
	if s.minVariants != 1 || s.maxVariants != 5 || s.maxReviews != 8 {
		t.Errorf("variants per product %d..%d, at most %d reviews", s.minVariants, s.maxVariants, s.maxReviews)
	}
	if s.badPriceMin+s.badRating+s.badMedia != 0 {
		t.Errorf("inconsistent products: %d price_min, %d rating, %d without media", s.badPriceMin, s.badRating, s.badMedia)
	}
}
