package postgres_test

import (
	"context"
	"testing"
	"time"

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

// TestHoldsAnnounceStockChanged: taking, giving back and expiring holds change what can be sold,
// so each writes StockChanged for its SKUs in its own transaction.
func TestHoldsAnnounceStockChanged(t *testing.T) {
	store, pool := newStore(t)
	ctx := context.Background()
	setStock(t, pool, "MUG", rotterdam, 10)
	count := func() int {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM inventory.outbox WHERE type = $1 AND key = 'MUG'`,
			postgres.EventStockChanged).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	reserve := func(order string, ttl time.Duration) {
		t.Helper()
		if _, err := store.ReserveHolds(ctx, inventory.ReserveRequest{OrderID: order, TTL: ttl,
			Lines: []inventory.ReserveLine{{SKU: "MUG", Quantity: 2}}}); err != nil {
			t.Fatal(err)
		}
	}

	order := newOrderID()
	reserve(order, time.Minute)
	if n := count(); n != 1 {
		t.Fatalf("after a reserve: %d events, want 1", n)
	}
	reserve(order, time.Minute) // the same order again: nothing changes, nothing announced
	if n := count(); n != 1 {
		t.Fatalf("after a repeated reserve: %d events, want 1", n)
	}
	if _, err := store.ReleaseHolds(ctx, order); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 2 {
		t.Fatalf("after a release: %d events, want 2", n)
	}

	reserve(newOrderID(), time.Millisecond)
	if _, err := store.ExpireHolds(ctx, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 4 {
		t.Fatalf("after a reserve and its expiry: %d events, want 4", n)
	}
}
