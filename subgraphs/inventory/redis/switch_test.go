package redis_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/inventory"
)

// A reservation that fails after its flash-sale hold moved with its SKU back to Postgres undoes
// the hold there; moved hot again, it undoes it in Redis. Before, the flash-sale undo found the
// SKU unloaded and the hold stayed active in Postgres until it expired.
func TestUndoFollowsTheHoldAcrossASwitch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.stock(t, "SWITCH", rotterdam, 5)
	f.hot(t, "SWITCH")
	ctx := context.Background()
	take := func() inventory.Hold {
		t.Helper()
		holds, err := f.res.Reserve(ctx, line("SWITCH", 2, ulid.Make().String()))
		if err != nil || len(holds) != 1 {
			t.Fatalf("reserve: %v, %v", holds, err)
		}
		return holds[0]
	}
	setHot := func(hot bool) {
		t.Helper()
		if err := f.res.SetHot(ctx, "SWITCH", hot); err != nil {
			t.Fatal(err)
		}
	}

	cold := take()
	setHot(false)
	if n := f.pgHolds(t, `id = $1 AND status = 'ACTIVE'`, cold.ID); n != 1 {
		t.Fatalf("the switch wrote %d active holds of %s to Postgres, want 1", n, cold.ID)
	}
	if err := f.flash.Undo(ctx, cold.OrderID, cold.SKU); !errors.Is(err, inventory.ErrNotHot) {
		t.Fatalf("undo on the flash-sale path of a SKU back in Postgres: %v, want ErrNotHot", err)
	}
	hot, err := f.store.UndoHold(ctx, cold)
	if err != nil || hot {
		t.Fatalf("undo in Postgres: hot %v, %v", hot, err)
	}
	if n := f.pgHolds(t, `id = $1`, cold.ID); n != 0 {
		t.Fatalf("%d rows of the undone hold left, want none", n)
	}
	avail, err := f.store.Availability(ctx, []string{"SWITCH"})
	if err != nil || avail[0].Total() != 5 {
		t.Fatalf("available after the undo: %+v, %v; want 5", avail, err)
	}

	setHot(true)
	again := take()
	setHot(false)
	setHot(true) // the hold is in Redis again, loaded from Postgres
	hot, err = f.store.UndoHold(ctx, again)
	if err != nil || !hot {
		t.Fatalf("undo in Postgres of a hot SKU's hold: hot %v, %v; want hot and nothing done", hot, err)
	}
	if n := f.pgHolds(t, `id = $1 AND status = 'ACTIVE'`, again.ID); n != 1 {
		t.Fatalf("undo in Postgres changed the hold of a hot SKU: %d active rows, want 1", n)
	}
	if err := f.flash.Undo(ctx, again.OrderID, again.SKU); err != nil {
		t.Fatal(err)
	}
	setHot(false) // everything back in Postgres
	if n := f.pgHolds(t, `sku = 'SWITCH' AND status = 'ACTIVE'`); n != 0 {
		t.Fatalf("%d active holds after both undos, want none", n)
	}
}

// A SKU loaded while switching hot stays paused until the switch resumes it with its token:
// no flash-sale hold exists before Postgres says the SKU is hot. A token of an earlier load
// starts nothing.
func TestLoadedSKUWaitsForResume(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	loaded := func() bool {
		t.Helper()
		got, err := f.flash.Loaded(ctx, []string{"WAIT"})
		if err != nil {
			t.Fatal(err)
		}
		return got[0]
	}
	reserve := func() error {
		_, err := f.flash.Reserve(ctx, inventory.FlashReserve{OrderID: ulid.Make().String(), HoldID: ulid.Make().String(),
			Line: inventory.ReserveLine{SKU: "WAIT", Quantity: 1}, Centers: []string{rotterdam},
			Now: time.Now(), ExpiresAt: time.Now().Add(time.Minute)})
		return err
	}
	snap := inventory.HotSnapshot{SKU: "WAIT", OnHand: map[string]int{rotterdam: 3}}
	token, err := f.flash.Load(ctx, snap)
	if err != nil {
		t.Fatal(err)
	}
	if loaded() || !errors.Is(reserve(), inventory.ErrNotHot) {
		t.Fatal("a loaded SKU runs before Resume")
	}
	if err := f.flash.Resume(ctx, "WAIT", "not-the-token"); err != nil || loaded() {
		t.Fatalf("Resume with another token started the SKU (%v)", err)
	}
	if err := f.flash.Resume(ctx, "WAIT", token); err != nil || !loaded() {
		t.Fatalf("Resume with the load's token: loaded %v, %v", loaded(), err)
	}
	if err := reserve(); err != nil {
		t.Fatalf("reserve after Resume: %v", err)
	}
	if err := f.flash.Pause(ctx, "WAIT"); err != nil {
		t.Fatal(err)
	}
	if err := f.flash.Resume(ctx, "WAIT", token); err != nil || loaded() {
		t.Fatalf("a late Resume restarted a paused SKU (%v)", err)
	}
}
