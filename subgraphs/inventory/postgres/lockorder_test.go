package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// A reservation's write takes the order's lock before it waits for a stock row: while another
// transaction holds the row, the blocked reservation already holds the order's lock, and once
// the row is free it takes its hold.
func TestReserveTakesTheOrderLockBeforeTheStockRows(t *testing.T) {
	store, pool := newStore(t)
	setStock(t, pool, "ORDERED", rotterdam, 5)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	blocker, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Rollback(ctx)
	if _, err := blocker.Exec(ctx, `SELECT 1 FROM inventory.stock WHERE sku = 'ORDERED' FOR UPDATE`); err != nil {
		t.Fatal(err)
	}

	order := newOrderID()
	done := make(chan error, 1)
	go func() {
		_, err := store.ReserveHolds(ctx, reserveOne("ORDERED", 2)(order))
		done <- err
	}()
	waitForRowLockWait(ctx, t, pool)

	var free bool
	if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock(hashtextextended('inventory.order:' || $1, 0))`, order).Scan(&free)
	}); err != nil {
		t.Fatal(err)
	}
	if free {
		t.Fatal("the order's lock was free while its reservation waited for a stock row")
	}
	if err := blocker.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("reserve after the row was freed: %v", err)
	}
	if n := countHolds(t, pool, `order_id = $1 AND status = 'ACTIVE'`, order); n != 1 {
		t.Errorf("%d active holds for the order, want 1", n)
	}
}

// waitForRowLockWait returns once some backend of the test's database waits for a row lock.
func waitForRowLockWait(ctx context.Context, t *testing.T, pool interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		var waiting bool
		if err := pool.QueryRow(ctx, `
			SELECT EXISTS (SELECT 1 FROM pg_stat_activity
			               WHERE datname = current_database() AND wait_event_type = 'Lock'
			                 AND wait_event IN ('transactionid', 'tuple'))`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting {
			return
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			t.Fatal("no reservation waited for the locked stock row")
		}
	}
}
