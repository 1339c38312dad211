package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs/inventory"
)

// Holds released longer ago than the retention go; holds released since, confirmed holds
// however old, and active ones stay, and the stock they counted against is untouched.
func TestHoldRetentionDeletesOldReleasedHolds(t *testing.T) {
	ctx := context.Background()
	store, pool := newStore(t)
	setStock(t, pool, "KEEP", rotterdam, 10)
	reserve := func() string {
		t.Helper()
		order := newOrderID()
		if _, err := store.ReserveHolds(ctx, reserveOne("KEEP", 1)(order)); err != nil {
			t.Fatal(err)
		}
		return order
	}
	oldReleased, newReleased, oldConfirmed, active := reserve(), reserve(), reserve(), reserve()
	for _, o := range []string{oldReleased, newReleased} {
		if _, err := store.ReleaseHolds(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := store.ConfirmHolds(ctx, oldConfirmed); err != nil {
		t.Fatal(err)
	}
	exec(t, pool, `UPDATE inventory.hold SET updated_at = now() - interval '40 days' WHERE order_id = ANY($1)`,
		[]string{oldReleased, oldConfirmed})

	r := &inventory.HoldRetention{Store: store, Released: 30 * 24 * time.Hour}
	if n, err := r.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("purged %d holds (%v), want the one released 40 days ago", n, err)
	}
	for order, want := range map[string]int{oldReleased: 0, newReleased: 1, oldConfirmed: 1, active: 1} {
		if n := countHolds(t, pool, `order_id = $1`, order); n != want {
			t.Errorf("order %s has %d holds, want %d", order, n, want)
		}
	}
	if got := onHand(t, pool, "KEEP"); got != 9 {
		t.Errorf("on hand %d, want 9 (one confirmed)", got)
	}
	if got := available(t, store, "KEEP"); got != 8 {
		t.Errorf("available %d, want 8 (one confirmed, one active)", got)
	}
	if n, err := r.RunOnce(ctx); err != nil || n != 0 {
		t.Errorf("second run purged %d (%v), want nothing", n, err)
	}
}
