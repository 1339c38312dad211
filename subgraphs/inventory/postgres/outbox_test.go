package postgres_test

import (
	"context"
	"testing"

	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/inventory"
	"github.com/shopgraph/shopgraph/subgraphs/inventory/postgres"
)

// TestRestockAnnouncesStockChanged: a restock writes one StockChanged event keyed by the SKU in
// its own transaction; a refused restock writes none.
func TestRestockAnnouncesStockChanged(t *testing.T) {
	store, pool := newStore(t)
	ctx := context.Background()
	events := func() (n int, key string) {
		t.Helper()
		if err := pool.QueryRow(ctx, `SELECT count(*), coalesce(max(key), '') FROM inventory.outbox WHERE type = $1`,
			postgres.EventStockChanged).Scan(&n, &key); err != nil {
			t.Fatal(err)
		}
		return n, key
	}

	if _, err := store.Restock(ctx, inventory.Restock{SKU: "LAMP-1", FulfillmentCenterID: rotterdam, Quantity: 4}); err != nil {
		t.Fatal(err)
	}
	if n, key := events(); n != 1 || key != "LAMP-1" {
		t.Fatalf("after a restock: %d StockChanged events (key %q), want 1 for LAMP-1", n, key)
	}

	_, err := store.Restock(ctx, inventory.Restock{SKU: "LAMP-2", FulfillmentCenterID: ulid.Make().String(), Quantity: 1})
	if err == nil {
		t.Fatal("a restock at an unknown center must be refused")
	}
	if n, _ := events(); n != 1 {
		t.Fatalf("a refused restock left an event: %d events, want 1", n)
	}
}
