package main

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	catalogpg "github.com/shopgraph/shopgraph/subgraphs/catalog/postgres"
	inventorypg "github.com/shopgraph/shopgraph/subgraphs/inventory/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
	"github.com/shopgraph/shopgraph/subgraphs/redistest"
)

// seedStore returns a fresh database with every domain migrated, holding a seeded catalog of
// products in stock, and the catalog's SKUs.
func seedStore(t testing.TB, products int) (*pgxpool.Pool, []string) {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.NewPool(t, nil, allDomains()...)
	skus, err := catalogpg.Seed(ctx, pool, products, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := inventorypg.Seed(ctx, pool, skus, nil); err != nil {
		t.Fatal(err)
	}
	return pool, skus
}

// testApp is what serve runs (subgraph services, bus, search index, workers not yet started)
// over pool and the test Redis; it closes when the test ends.
func testApp(t testing.TB, pool *pgxpool.Pool, opts appOptions) *app {
	t.Helper()
	a, err := newApp(context.Background(), pool, redistest.Client(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.close)
	return a
}
