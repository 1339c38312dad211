package redis_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/inventory"
	"github.com/shopgraph/shopgraph/subgraphs/inventory/redis"
)

func TestFlashSaleNeverOversells(t *testing.T) {
	t.Parallel()
	for _, mode := range []struct {
		name string
		opts []redis.Option
	}{
		{"pipelined", nil},
		{"one round trip per script", []redis.Option{redis.WithoutAutoPipeline()}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			testFlashSaleNeverOversells(t, newFixture(t, mode.opts...))
		})
	}
}

func testFlashSaleNeverOversells(t *testing.T, f *fixture) {
	f.stock(t, "SNEAKER", rotterdam, 70)
	f.stock(t, "SNEAKER", leipzig, 30)
	f.hot(t, "SNEAKER")
	ctx := context.Background()

	const buyers = 1000
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		won    []string
		out    int
		others []error
	)
	for range buyers {
		wg.Go(func() {
			order := ulid.Make().String()
			_, err := f.res.Reserve(ctx, line("SNEAKER", 1, order))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won = append(won, order)
			case code(err) == inventory.CodeOutOfStock:
				out++
			default:
				others = append(others, err)
			}
		})
	}
	wg.Wait()
	if len(others) > 0 {
		t.Fatalf("%d reservations failed otherwise, first: %v", len(others), others[0])
	}
	if len(won) != 100 || out != buyers-100 {
		t.Fatalf("%d holds and %d OUT_OF_STOCK, want 100 and %d", len(won), out, buyers-100)
	}
	onHand, held := f.counters(t, "SNEAKER")
	if onHand[rotterdam] != 70 || held[rotterdam] != 70 || onHand[leipzig] != 30 || held[leipzig] != 30 {
		t.Fatalf("counters on hand %v held %v, want every unit held", onHand, held)
	}

	for _, order := range won {
		wg.Go(func() {
			if _, err := f.res.Confirm(ctx, order); err != nil {
				t.Errorf("confirm %s: %v", order, err)
			}
		})
	}
	wg.Wait()
	onHand, held = f.counters(t, "SNEAKER")
	if sum(onHand) != 0 || sum(held) != 0 {
		t.Errorf("counters after confirming: on hand %v held %v, want 0", onHand, held)
	}
	for sku, n := range onHand {
		if n < 0 {
			t.Errorf("%s on hand %d below zero", sku, n)
		}
	}
	if got := f.pgOnHand(t, "SNEAKER"); got != 100 {
		t.Errorf("Postgres on hand before the flush = %d, want 100 (it follows asynchronously)", got)
	}
	f.flush(t)
	if got := f.pgOnHand(t, "SNEAKER"); got != 0 {
		t.Errorf("Postgres on hand after the flush = %d, want 0", got)
	}
	if n := f.pgHolds(t, `sku = 'SNEAKER' AND status = 'CONFIRMED'`); n != 100 {
		t.Errorf("%d confirmed holds in Postgres, want 100", n)
	}
	f.flush(t) // flushing again changes nothing
	if got := f.pgOnHand(t, "SNEAKER"); got != 0 {
		t.Errorf("Postgres on hand after a second flush = %d, want 0", got)
	}
}

func TestFlashSaleReservationOfOneOrderTakesOneHold(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.stock(t, "CAP", rotterdam, 10)
	f.hot(t, "CAP")
	order := ulid.Make().String()

	ids := make([]string, 50)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			holds, err := f.res.Reserve(context.Background(), line("CAP", 3, order))
			if err != nil || len(holds) != 1 {
				t.Errorf("reserve %d: %v, %v", i, holds, err)
				return
			}
			ids[i] = holds[0].ID
		})
	}
	wg.Wait()
	for i, id := range ids {
		if id != ids[0] {
			t.Fatalf("reservation %d got hold %s, reservation 0 got %s", i, id, ids[0])
		}
	}
	if _, held := f.counters(t, "CAP"); held[rotterdam] != 3 {
		t.Errorf("held = %d, want 3", held[rotterdam])
	}
	f.flush(t)
	if n := f.pgHolds(t, `order_id = $1`, order); n != 1 {
		t.Errorf("%d holds in Postgres, want 1", n)
	}
}

// A hot line held and a second hot line sold out: the first hold is given back.
func TestFlashSaleReservationIsAllOrNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.stock(t, "HOODIE", rotterdam, 10)
	f.stock(t, "SCARF", rotterdam, 1)
	f.stock(t, "BELT", rotterdam, 5) // on the Postgres path
	f.hot(t, "HOODIE")
	f.hot(t, "SCARF")
	ctx := context.Background()

	tests := []struct {
		name  string
		lines []inventory.ReserveLine
		want  []string // the unavailable SKUs
	}{
		{"second hot line short", []inventory.ReserveLine{{SKU: "HOODIE", Quantity: 2}, {SKU: "SCARF", Quantity: 2}}, []string{"SCARF"}},
		{"Postgres line short", []inventory.ReserveLine{{SKU: "HOODIE", Quantity: 2}, {SKU: "BELT", Quantity: 6}}, []string{"BELT"}},
		{"lines short on both paths", []inventory.ReserveLine{{SKU: "HOODIE", Quantity: 2}, {SKU: "BELT", Quantity: 6}, {SKU: "SCARF", Quantity: 2}}, []string{"SCARF", "BELT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			order := ulid.Make().String()
			_, before := f.counters(t, "HOODIE")
			_, err := f.res.Reserve(ctx, inventory.ReserveRequest{OrderID: order, ShipTo: amsterdam, Lines: tt.lines})
			var oos *inventory.OutOfStockError
			if !errors.As(err, &oos) {
				t.Fatalf("Reserve = %v, want OUT_OF_STOCK for %v", err, tt.want)
			}
			var short []string
			for _, l := range oos.Lines {
				short = append(short, l.SKU)
			}
			if !slices.Equal(short, tt.want) {
				t.Errorf("unavailable lines %v, want %v", short, tt.want)
			}
			if _, held := f.counters(t, "HOODIE"); held[rotterdam] != before[rotterdam] {
				t.Errorf("HOODIE held = %d after a refused order, want %d as before", held[rotterdam], before[rotterdam])
			}
			holds, err := f.res.Holds(ctx, order)
			if err != nil || len(holds) != 0 {
				t.Errorf("holds of a refused order: %+v (%v), want none", holds, err)
			}
			// The order can still be reserved once the stock is there: the undone hold is forgotten.
			if _, err := f.res.Reserve(ctx, line("HOODIE", 2, order)); err != nil {
				t.Errorf("reserve again after a refusal: %v", err)
			}
		})
	}
	f.flush(t)
	if n := f.pgHolds(t, `sku = 'HOODIE' AND status = 'ACTIVE'`); n != len(tests) {
		t.Errorf("%d active HOODIE holds in Postgres, want %d", n, len(tests))
	}
}

func TestFlashSaleHoldLifecycle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.stock(t, "WATCH", rotterdam, 10)
	f.hot(t, "WATCH")
	ctx := context.Background()

	confirmed, released := ulid.Make().String(), ulid.Make().String()
	for _, o := range []string{confirmed, released} {
		if _, err := f.res.Reserve(ctx, line("WATCH", 2, o)); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name string
		call func() error
		want string
	}{
		{"confirm", func() error { _, err := f.res.Confirm(ctx, confirmed); return err }, ""},
		{"confirm again", func() error { _, err := f.res.Confirm(ctx, confirmed); return err }, ""},
		{"release after confirm", func() error { _, err := f.res.Release(ctx, confirmed); return err }, inventory.CodeHoldsConfirmed},
		{"release", func() error { _, err := f.res.Release(ctx, released); return err }, ""},
		{"release again", func() error { _, err := f.res.Release(ctx, released); return err }, ""},
		{"confirm after release", func() error { _, err := f.res.Confirm(ctx, released); return err }, inventory.CodeHoldsReleased},
		{"reserve after release", func() error { _, err := f.res.Reserve(ctx, line("WATCH", 2, released)); return err }, inventory.CodeHoldsReleased},
		{"reserve after confirm", func() error { _, err := f.res.Reserve(ctx, line("WATCH", 2, confirmed)); return err }, ""},
		{"confirm unknown order", func() error { _, err := f.res.Confirm(ctx, ulid.Make().String()); return err }, inventory.CodeHoldsNotFound},
	}
	for _, s := range steps {
		if err := s.call(); code(err) != s.want || (s.want == "" && err != nil) {
			t.Fatalf("%s: %v, want code %q", s.name, err, s.want)
		}
	}
	onHand, held := f.counters(t, "WATCH")
	if onHand[rotterdam] != 8 || held[rotterdam] != 0 {
		t.Errorf("counters on hand %d held %d, want 8 and 0", onHand[rotterdam], held[rotterdam])
	}
	f.flush(t)
	if got := f.pgOnHand(t, "WATCH"); got != 8 {
		t.Errorf("Postgres on hand = %d, want 8", got)
	}
}

// Holds expire by the clock: a sweep pass releases them in Redis and, once flushed, in
// Postgres; a hold past its TTL cannot be confirmed.
func TestFlashSaleExpiryAndSweeper(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.stock(t, "GAME", rotterdam, 3)
	f.hot(t, "GAME")
	ctx := context.Background()
	sweeper := &inventory.Sweeper{Reservations: f.res}

	swept, late, lasting := ulid.Make().String(), ulid.Make().String(), ulid.Make().String()
	for _, o := range []string{swept, late} {
		req := line("GAME", 1, o)
		req.TTL = time.Second
		if _, err := f.res.Reserve(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.res.Reserve(ctx, line("GAME", 1, lasting)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.res.Reserve(ctx, line("GAME", 1, ulid.Make().String())); code(err) != inventory.CodeOutOfStock {
		t.Fatalf("fourth unit: %v, want OUT_OF_STOCK", err)
	}

	f.advance(2 * time.Second)
	if _, err := f.res.Confirm(ctx, late); code(err) != inventory.CodeHoldsExpired {
		t.Errorf("confirm after the TTL: %v, want HOLDS_EXPIRED", err)
	}
	if n, err := sweeper.SweepOnce(ctx); err != nil || n != 1 {
		t.Fatalf("sweep released %d (%v), want 1", n, err)
	}
	if _, held := f.counters(t, "GAME"); held[rotterdam] != 1 {
		t.Errorf("held after the sweep = %d, want 1 (the 10-minute hold)", held[rotterdam])
	}
	if _, err := f.res.Reserve(ctx, line("GAME", 2, ulid.Make().String())); err != nil {
		t.Errorf("reserve the swept units: %v", err)
	}
	f.flush(t)
	if n := f.pgHolds(t, `order_id = ANY($1) AND status = 'RELEASED'`, []string{swept, late}); n != 2 {
		t.Errorf("%d expired holds released in Postgres, want 2", n)
	}
}

// Setting a hot SKU hot again re-derives its Redis counters from Postgres, and the flusher
// reloads a SKU that Redis lost.
func TestFlashSaleConcurrentConfirmationsDecrementOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.stock(t, "OVEN", rotterdam, 10)
	f.hot(t, "OVEN")
	ctx := context.Background()
	order := ulid.Make().String()
	if _, err := f.res.Reserve(ctx, line("OVEN", 3, order)); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := f.res.Confirm(ctx, order); err != nil {
				t.Errorf("confirm: %v", err)
			}
		})
	}
	wg.Wait()
	if onHand, held := f.counters(t, "OVEN"); onHand[rotterdam] != 7 || held[rotterdam] != 0 {
		t.Errorf("counters on hand %d held %d, want 7 and 0", onHand[rotterdam], held[rotterdam])
	}
	f.flush(t)
	if got := f.pgOnHand(t, "OVEN"); got != 7 {
		t.Errorf("Postgres on hand = %d, want 7", got)
	}
}
