package postgres_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs/inventory/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
)

// TestSeedScale times a seed at catalog scale and availability reads on it. It runs only when
// INVENTORY_SEED_SKUS is set, e.g. for the 3M SKUs of a 1M-product catalog:
//
//	INVENTORY_SEED_SKUS=3000000 go test -run TestSeedScale -v -timeout 30m ./subgraphs/inventory/postgres
func TestSeedScale(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("INVENTORY_SEED_SKUS"))
	if n <= 0 {
		t.Skip("set INVENTORY_SEED_SKUS to time a large seed")
	}
	ctx := context.Background()
	pool := pgtest.NewPool(t, nil, postgres.Domain)
	skus := seedSKUs(n)

	start := time.Now()
	last := time.Now()
	err := postgres.Seed(ctx, pool, skus, func(done int) {
		if time.Since(last) > 5*time.Second || done == n {
			t.Logf("seeded %d/%d skus in %v", done, n, time.Since(start).Round(time.Millisecond))
			last = time.Now()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	var rows int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM inventory.stock`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	t.Logf("seed: %d skus, %d stock rows in %v", n, rows, time.Since(start).Round(time.Millisecond))

	store := postgres.NewStore(pool)
	for _, offset := range []int{0, n / 2, n - 300} {
		start := time.Now()
		as, err := store.Availability(ctx, skus[offset:offset+300])
		if err != nil || len(as) != 300 {
			t.Fatalf("availability at %d: %d, %v", offset, len(as), err)
		}
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Errorf("availability of 300 skus at %d took %v; the primary key should serve it", offset, d)
		} else {
			t.Logf("availability of 300 skus at %d in %v", offset, d)
		}
	}
}
