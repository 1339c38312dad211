package redis_test

import (
	"context"
	"testing"

	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/inventory/postgres"
)

// TestFlushAnnouncesStockChanged: sales on the flash-sale path reach search when they are
// flushed: each flush that writes a SKU's events writes one StockChanged for it in the same
// transaction, and a flush with nothing to write announces nothing.
func TestFlushAnnouncesStockChanged(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.stock(t, "KETTLE", rotterdam, 10)
	f.stock(t, "TOASTER", rotterdam, 10)
	f.hot(t, "KETTLE")
	f.hot(t, "TOASTER")
	ctx := context.Background()
	events := func(sku string) int {
		t.Helper()
		var n int
		if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM inventory.outbox WHERE type = $1 AND key = $2`,
			postgres.EventStockChanged, sku).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	f.flush(t)
	kettle, toaster := events("KETTLE"), events("TOASTER")

	for range 3 {
		if _, err := f.res.Reserve(ctx, line("KETTLE", 1, ulid.Make().String())); err != nil {
			t.Fatal(err)
		}
	}
	f.flush(t)
	if got := events("KETTLE"); got != kettle+1 {
		t.Fatalf("a flush of three reservations of KETTLE wrote %d StockChanged, want 1", got-kettle)
	}
	if got := events("TOASTER"); got != toaster {
		t.Fatalf("TOASTER had nothing to flush but got %d StockChanged", got-toaster)
	}
	if held := f.pgHolds(t, `sku = 'KETTLE'`); held != 3 {
		t.Fatalf("Postgres holds of KETTLE = %d, want 3 beside their event", held)
	}
	f.flush(t)
	if got := events("KETTLE"); got != kettle+1 {
		t.Fatalf("an empty flush announced KETTLE again: %d events, want %d", got, kettle+1)
	}
}
