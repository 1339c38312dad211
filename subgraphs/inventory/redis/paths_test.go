package redis_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs/redistest"

	"github.com/oklog/ulid/v2"
	goredis "github.com/redis/go-redis/v9"

	"github.com/shopgraph/shopgraph/subgraphs/inventory"
	"github.com/shopgraph/shopgraph/subgraphs/inventory/redis"
)

func TestReconciliationRestoresCountersFromPostgres(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.stock(t, "PHONE", rotterdam, 20)
	f.stock(t, "PHONE", leipzig, 5)
	ctx := context.Background()
	// A hold taken on the Postgres path before the sale moves to Redis with the SKU.
	early := ulid.Make().String()
	if _, err := f.res.Reserve(ctx, line("PHONE", 4, early)); err != nil {
		t.Fatal(err)
	}
	f.hot(t, "PHONE")
	if _, err := f.res.Reserve(ctx, line("PHONE", 3, ulid.Make().String())); err != nil {
		t.Fatal(err)
	}
	want := func(t *testing.T, stage string) {
		t.Helper()
		onHand, held := f.counters(t, "PHONE")
		if onHand[rotterdam] != 20 || onHand[leipzig] != 5 || held[rotterdam] != 7 || held[leipzig] != 0 {
			t.Errorf("%s: on hand %v held %v, want 20/5 on hand and 7 held at NL-RTM", stage, onHand, held)
		}
	}
	want(t, "after the sale started")

	client := redistest.Client(t)
	stockKey := func() string {
		keys, err := client.Keys(ctx, "*{PHONE}:stock").Result()
		if err != nil || len(keys) == 0 {
			t.Fatalf("find stock key: %v", err)
		}
		for _, k := range keys {
			if n, _ := client.Exists(ctx, k).Result(); n == 1 {
				if v, _ := client.HGet(ctx, k, "on:"+rotterdam).Int(); v == 20 {
					return k
				}
			}
		}
		t.Fatal("stock key of this test not found")
		return ""
	}()
	client.HSet(ctx, stockKey, "rs:"+rotterdam, 999, "on:"+leipzig, 0)
	f.hot(t, "PHONE")
	want(t, "after reconciling corrupted counters")

	client.Del(ctx, stockKey)
	f.flush(t)
	want(t, "after Redis lost the SKU")

	if _, err := f.res.Confirm(ctx, early); err != nil {
		t.Fatalf("confirm the hold taken before the sale: %v", err)
	}
	f.flush(t)
	if got := f.pgOnHand(t, "PHONE"); got != 21 {
		t.Errorf("Postgres on hand = %d, want 21", got)
	}
}

// Back on the Postgres path, the holds taken in Redis are there and count.
func TestSwitchingBackToPostgresKeepsHolds(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.stock(t, "BIKE", rotterdam, 5)
	f.hot(t, "BIKE")
	ctx := context.Background()
	order := ulid.Make().String()
	if _, err := f.res.Reserve(ctx, line("BIKE", 4, order)); err != nil {
		t.Fatal(err)
	}
	if err := f.res.SetHot(ctx, "BIKE", false); err != nil {
		t.Fatal(err)
	}
	if loaded, err := f.flash.Loaded(ctx, []string{"BIKE"}); err != nil || loaded[0] {
		t.Fatalf("BIKE still loaded in Redis: %v %v", loaded, err)
	}
	if _, err := f.res.Reserve(ctx, line("BIKE", 2, ulid.Make().String())); code(err) != inventory.CodeOutOfStock {
		t.Errorf("reserve past the Redis hold on the Postgres path: %v, want OUT_OF_STOCK", err)
	}
	if _, err := f.res.Confirm(ctx, order); err != nil {
		t.Fatalf("confirm on the Postgres path: %v", err)
	}
	if got := f.pgOnHand(t, "BIKE"); got != 1 {
		t.Errorf("on hand = %d, want 1", got)
	}
}

// A restock of a hot SKU reaches Redis once, with the holds taken before it kept.
func TestRestockOfAHotSKUReachesRedis(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.stock(t, "BALL", rotterdam, 1)
	f.hot(t, "BALL")
	ctx := context.Background()
	if _, err := f.res.Reserve(ctx, line("BALL", 1, ulid.Make().String())); err != nil {
		t.Fatal(err)
	}
	for _, center := range []string{leipzig, rotterdam} {
		if _, err := f.res.Restock(ctx, inventory.Restock{SKU: "BALL", FulfillmentCenterID: center, Quantity: 4}); err != nil {
			t.Fatal(err)
		}
	}
	onHand, held := f.counters(t, "BALL")
	if onHand[rotterdam] != 5 || onHand[leipzig] != 4 || held[rotterdam] != 1 {
		t.Errorf("counters on hand %v held %v, want 5 and 4 on hand, 1 held at NL-RTM", onHand, held)
	}
	if _, err := f.res.Reserve(ctx, line("BALL", 4, ulid.Make().String())); err != nil {
		t.Errorf("reserve the restocked units: %v", err)
	}
}

// The background loops end to end: an expired flash-sale hold is released by Sweeper.Run and
// reaches Postgres through Flusher.Run; both stop with their context.
func TestBackgroundSweeperAndFlusher(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.stock(t, "TENT", rotterdam, 2)
	f.hot(t, "TENT")
	ctx := context.Background()
	order := ulid.Make().String()
	req := line("TENT", 2, order)
	req.TTL = time.Second
	if _, err := f.res.Reserve(ctx, req); err != nil {
		t.Fatal(err)
	}
	f.advance(time.Minute)

	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { (&inventory.Sweeper{Reservations: f.res, Interval: 10 * time.Millisecond}).Run(runCtx) })
	wg.Go(func() { (&inventory.Flusher{Reservations: f.res, Interval: 10 * time.Millisecond}).Run(runCtx) })
	deadline := time.Now().Add(10 * time.Second)
	for f.pgHolds(t, `order_id = $1 AND status = 'RELEASED'`, order) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the expired hold never reached Postgres as released")
		}
		time.Sleep(5 * time.Millisecond) // polling a condition, not waiting for time to pass
	}
	stop()
	wg.Wait()
	if _, held := f.counters(t, "TENT"); held[rotterdam] != 0 {
		t.Errorf("held = %d after the sweep, want 0", held[rotterdam])
	}
}

// Another replica's routing hint is stale both ways: the Postgres path refuses a SKU that went
// hot, and the flash-sale path one that went cold, so each reservation lands on the right path.
func TestStaleRoutingHintFollowsTheSwitch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.stock(t, "KITE", rotterdam, 10)
	ctx := context.Background()
	stale := inventory.NewReservations(f.store, inventory.WithFlashSale(f.flash), inventory.WithHotRefresh(time.Hour))
	if _, err := stale.Reserve(ctx, line("KITE", 1, ulid.Make().String())); err != nil { // primes the hint: cold
		t.Fatal(err)
	}
	f.hot(t, "KITE")
	if _, err := stale.Reserve(ctx, line("KITE", 2, ulid.Make().String())); err != nil {
		t.Fatal(err)
	}
	if _, held := f.counters(t, "KITE"); held[rotterdam] != 3 {
		t.Fatalf("Redis held = %d, want 3 (1 loaded from Postgres, 2 taken there)", held[rotterdam])
	}

	if _, err := stale.Reserve(ctx, line("KITE", 1, ulid.Make().String())); err != nil { // hint: hot
		t.Fatal(err)
	}
	if err := f.res.SetHot(ctx, "KITE", false); err != nil {
		t.Fatal(err)
	}
	order := ulid.Make().String()
	if _, err := stale.Reserve(ctx, line("KITE", 6, order)); err != nil {
		t.Fatal(err)
	}
	if _, err := stale.Reserve(ctx, line("KITE", 1, ulid.Make().String())); code(err) != inventory.CodeOutOfStock {
		t.Errorf("eleventh unit: %v, want OUT_OF_STOCK", err)
	}
	if n := f.pgHolds(t, `sku = 'KITE' AND status = 'ACTIVE'`); n != 4 {
		t.Errorf("%d active holds in Postgres, want 4", n)
	}
}

// Buyers on two replicas, taking and giving back units, while an operator switches the SKU
// between paths again and again: however reservations, releases and switches interleave, no
// unit is held twice and every hold a buyer was given is in Postgres at the end.
func TestSwitchingUnderLoadNeverOversells(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.stock(t, "LEGO", rotterdam, 30)
	f.stock(t, "LEGO", leipzig, 20)
	ctx := context.Background()
	replicas := []*inventory.Reservations{
		f.res,
		inventory.NewReservations(f.store, inventory.WithFlashSale(f.flash), inventory.WithHotRefresh(5*time.Millisecond)),
	}
	const wantSwitches = 12

	var (
		kept, released, out, busy, switches atomic.Int64
		mu                                  sync.Mutex
		failures                            []error
	)
	fail := func(err error) {
		mu.Lock()
		failures = append(failures, err)
		mu.Unlock()
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; switches.Load() < wantSwitches; i++ {
			if err := f.res.SetHot(ctx, "LEGO", i%2 == 0); err != nil {
				fail(err)
				return
			}
			switches.Add(1)
		}
	})
	for i := range 16 {
		wg.Go(func() {
			res := replicas[i%2]
			for n := 0; switches.Load() < wantSwitches; n++ {
				order := ulid.Make().String()
				_, err := res.Reserve(ctx, line("LEGO", 1, order))
				switch {
				case err == nil && n%2 == 0:
					if _, err := res.Release(ctx, order); err != nil {
						fail(err)
						return
					}
					released.Add(1)
				case err == nil:
					kept.Add(1)
				case code(err) == inventory.CodeOutOfStock:
					out.Add(1)
				case errors.Is(err, inventory.ErrReservationBusy):
					busy.Add(1)
				default:
					fail(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d failures, first: %v", len(failures), failures[0])
	}
	if err := f.res.SetHot(ctx, "LEGO", false); err != nil { // everything back in Postgres
		t.Fatal(err)
	}
	t.Logf("%d kept, %d released, %d out of stock, %d busy, %d switches", kept.Load(), released.Load(), out.Load(), busy.Load(), switches.Load())
	pgHeld := f.pgHolds(t, `sku = 'LEGO' AND status = 'ACTIVE'`)
	if kept.Load() > 50 || int64(pgHeld) != kept.Load() {
		t.Fatalf("%d holds kept by buyers, %d active holds in Postgres; want them equal and at most 50", kept.Load(), pgHeld)
	}
	if n := f.pgHolds(t, `sku = 'LEGO' AND status = 'RELEASED'`); int64(n) != released.Load() {
		t.Errorf("%d released holds in Postgres, want %d", n, released.Load())
	}
	var over int
	if err := f.pool.QueryRow(ctx, `
		SELECT count(*) FROM inventory.stock s
		WHERE s.sku = 'LEGO' AND s.on_hand < (
			SELECT coalesce(sum(quantity), 0) FROM inventory.hold h
			WHERE h.sku = s.sku AND h.fulfillment_center_id = s.fulfillment_center_id AND h.status = 'ACTIVE')`).Scan(&over); err != nil || over != 0 {
		t.Errorf("%d centers hold more than they have (%v)", over, err)
	}
}

// With Redis down, hot SKUs fail with an error (the saga compensates) and other SKUs still sell.
func TestRedisOutage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.stock(t, "HOT", rotterdam, 5)
	f.stock(t, "COLD", rotterdam, 5)
	f.hot(t, "HOT")
	dead := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1", DialTimeout: 100 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { _ = dead.Close() })
	flash, err := redis.New(dead)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = flash.Close() })
	res := inventory.NewReservations(f.store, inventory.WithFlashSale(flash))
	ctx := context.Background()

	_, err = res.Reserve(ctx, line("HOT", 1, ulid.Make().String()))
	if err == nil || code(err) != "" {
		t.Errorf("reserve a hot SKU without Redis: %v, want a system error", err)
	}
	order := ulid.Make().String()
	if _, err := res.Reserve(ctx, line("COLD", 1, order)); err != nil {
		t.Errorf("reserve a cold SKU without Redis: %v", err)
	}
	if _, err := res.Confirm(ctx, order); err == nil {
		t.Error("confirm reported success without asking Redis about the order's flash-sale holds")
	}
	if n := f.pgHolds(t, `order_id = $1 AND status = 'CONFIRMED'`, order); n != 1 {
		t.Errorf("the Postgres hold of the order was not confirmed (%d)", n)
	}

	// Once no SKU is hot, orders settle without Redis.
	if err := f.res.SetHot(ctx, "HOT", false); err != nil {
		t.Fatal(err)
	}
	if _, err := res.Confirm(ctx, order); err != nil {
		t.Errorf("confirm again with no hot SKU: %v", err)
	}
	other := ulid.Make().String()
	if _, err := res.Reserve(ctx, line("HOT", 1, other)); err != nil {
		t.Fatal(err)
	}
	if _, err := res.Release(ctx, other); err != nil {
		t.Errorf("release with no hot SKU: %v", err)
	}
}

// The saga retrying confirm at once on the flash-sale path: units leave stock once, in Redis
// and, after the flush, in Postgres.
