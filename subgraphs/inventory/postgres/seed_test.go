package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shopgraph/shopgraph/subgraphs/inventory/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
)

func seedSKUs(n int) []string {
	skus := make([]string, n)
	for i := range skus {
		skus[i] = fmt.Sprintf("SKU-%07d-%c", i/3, 'A'+i%3)
	}
	return skus
}

// fingerprint digests every stock row, so two seeds can be compared for equality.
func fingerprint(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	var sum string
	err := pool.QueryRow(context.Background(), `
		SELECT md5(string_agg(sku || '/' || fulfillment_center_id || '/' || on_hand, ',' ORDER BY sku, fulfillment_center_id))
		FROM inventory.stock`).Scan(&sum)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func TestSeed(t *testing.T) {
	ctx := context.Background()
	const n = 120_000 // more than two COPY chunks
	skus := seedSKUs(n)
	pool := pgtest.NewPool(t, nil, postgres.Domain)

	if seeded, err := postgres.IsSeeded(ctx, pool); err != nil || seeded {
		t.Fatalf("IsSeeded() on an empty store = %v, %v", seeded, err)
	}
	var progress []int
	if err := postgres.Seed(ctx, pool, skus, func(done int) { progress = append(progress, done) }); err != nil {
		t.Fatal(err)
	}
	if len(progress) < 3 || progress[len(progress)-1] != n || !slices.IsSorted(progress) {
		t.Errorf("progress = %v, want increasing counts ending at %d", progress, n)
	}
	if seeded, err := postgres.IsSeeded(ctx, pool); err != nil || !seeded {
		t.Fatalf("IsSeeded() after Seed = %v, %v", seeded, err)
	}

	var centers, stocked, soldOut, minRows, maxRows, rows int
	err := pool.QueryRow(ctx, `
		WITH per_sku AS (
			SELECT sku, count(*) AS centers, sum(on_hand) AS on_hand FROM inventory.stock GROUP BY sku
		)
		SELECT (SELECT count(*) FROM inventory.fulfillment_center),
		       count(*), count(*) FILTER (WHERE on_hand = 0), min(centers), max(centers),
		       (SELECT count(*) FROM inventory.stock)
		FROM per_sku`).Scan(&centers, &stocked, &soldOut, &minRows, &maxRows, &rows)
	if err != nil {
		t.Fatal(err)
	}
	if centers != 6 {
		t.Errorf("%d fulfillment centers, want 6", centers)
	}
	if stocked != n || minRows != 1 || maxRows != 3 {
		t.Errorf("%d skus with stock rows in %d..%d centers, want %d in 1..3", stocked, minRows, maxRows, n)
	}
	if pct := 100 * soldOut / n; pct < 8 || pct > 12 {
		t.Errorf("%d%% of skus sold out everywhere, want about 10%%", pct)
	}

	// A second seed leaves the store as it is.
	before := fingerprint(t, pool)
	if err := postgres.Seed(ctx, pool, skus, nil); err != nil {
		t.Fatal(err)
	}
	if after := fingerprint(t, pool); after != before {
		t.Error("seeding a seeded store changed its stock")
	}

	// Stock depends only on the SKU: another store seeded in another order is identical.
	other := pgtest.NewPool(t, nil, postgres.Domain)
	reversed := slices.Clone(skus)
	slices.Reverse(reversed)
	if err := postgres.Seed(ctx, other, reversed, nil); err != nil {
		t.Fatal(err)
	}
	if got := fingerprint(t, other); got != before {
		t.Error("seeding the same skus in another order gave other stock")
	}
}

func TestSeedRejectsBadSKUs(t *testing.T) {
	pool := pgtest.NewPool(t, nil, postgres.Domain)
	if err := postgres.Seed(context.Background(), pool, []string{"OK-1", ""}, nil); err == nil {
		t.Fatal("Seed accepted an empty sku")
	}
	if seeded, err := postgres.IsSeeded(context.Background(), pool); err != nil || seeded {
		t.Errorf("a refused seed left stock behind (IsSeeded = %v, %v)", seeded, err)
	}
}
