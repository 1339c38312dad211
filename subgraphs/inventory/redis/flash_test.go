package redis_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/oklog/ulid/v2"
	goredis "github.com/redis/go-redis/v9"

	"github.com/shopgraph/shopgraph/subgraphs/inventory"
	"github.com/shopgraph/shopgraph/subgraphs/inventory/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/inventory/redis"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
)

const (
	rotterdam = "01KE6P4YM47JTZARED010EGNK2"
	leipzig   = "01KE6P4YM0YFZMTH8Y8AF1G8GN"
)

var amsterdam = inventory.Location{Latitude: 52.37, Longitude: 4.90}

// redisClient connects to the server the test script starts (REDIS_URL).
func redisClient(t testing.TB) *goredis.Client {
	t.Helper()
	u := os.Getenv("REDIS_URL")
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("REDIS_URL is not set: run the tests with `make test`")
		}
		t.Skip("REDIS_URL is not set: run the tests with `make test`")
	}
	opt, err := goredis.ParseURL(u)
	if err != nil {
		t.Fatalf("parse REDIS_URL: %v", err)
	}
	opt.PoolSize = 64
	c := goredis.NewClient(opt)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

type fixture struct {
	res   *inventory.Reservations
	flash *redis.Flash
	store *postgres.Store
	pool  *pgxpool.Pool
	now   atomic.Int64 // the clock of reservations and sweeps, unix ms
}

// newFixture gives a test its own database and its own key prefix, so tests run in parallel.
func newFixture(t testing.TB, opts ...redis.Option) *fixture {
	t.Helper()
	client := redisClient(t)
	prefix := "test:inventory:" + ulid.Make().String()
	t.Cleanup(func() {
		ctx := context.Background()
		iter := client.Scan(ctx, 0, prefix+":*", 1000).Iterator()
		for iter.Next(ctx) {
			client.Del(ctx, iter.Val())
		}
	})
	f := &fixture{pool: pgtest.NewPool(t, func(c *pgxpool.Config) { c.MaxConns = 20 }, postgres.Domain)}
	f.now.Store(time.Now().UnixMilli())
	f.store = postgres.NewStore(f.pool)
	flash, err := redis.New(client, append([]redis.Option{redis.WithPrefix(prefix)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = flash.Close() })
	f.flash = flash
	f.res = inventory.NewReservations(f.store, inventory.WithFlashSale(f.flash),
		inventory.WithClock(func() time.Time { return time.UnixMilli(f.now.Load()) }))
	f.exec(t, `INSERT INTO inventory.fulfillment_center (id, code, name, latitude, longitude) VALUES
		($1, 'NL-RTM', 'Rotterdam Waalhaven', 51.886, 4.431),
		($2, 'DE-LEJ', 'Leipzig Schkeuditz', 51.4239, 12.2364)`, rotterdam, leipzig)
	return f
}

func (f *fixture) exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	if _, err := f.pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("exec %q: %v", sql, err)
	}
}

func (f *fixture) stock(t testing.TB, sku, center string, onHand int) {
	t.Helper()
	f.exec(t, `INSERT INTO inventory.stock (sku, fulfillment_center_id, on_hand) VALUES ($1, $2, $3)`, sku, center, onHand)
}

func (f *fixture) hot(t testing.TB, sku string) {
	t.Helper()
	if err := f.res.SetHot(context.Background(), sku, true); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) advance(d time.Duration) { f.now.Add(d.Milliseconds()) }

func (f *fixture) counters(t testing.TB, sku string) (onHand, held map[string]int) {
	t.Helper()
	onHand, held, err := f.flash.Counters(context.Background(), sku)
	if err != nil {
		t.Fatal(err)
	}
	return onHand, held
}

func (f *fixture) pgOnHand(t testing.TB, sku string) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), `SELECT coalesce(sum(on_hand), 0) FROM inventory.stock WHERE sku = $1`, sku).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *fixture) pgHolds(t testing.TB, where string, args ...any) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM inventory.hold WHERE `+where, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *fixture) flush(t testing.TB) {
	t.Helper()
	if err := f.res.FlushOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func line(sku string, qty int, order string) inventory.ReserveRequest {
	return inventory.ReserveRequest{OrderID: order, ShipTo: amsterdam, Lines: []inventory.ReserveLine{{SKU: sku, Quantity: qty}}}
}

func code(err error) string {
	var coded interface{ UserErrorCode() string }
	if errors.As(err, &coded) {
		return coded.UserErrorCode()
	}
	return ""
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// The flash sale: 100 units of a hot SKU, 1,000 buyers at once. Exactly 100 holds, 900
// OUT_OF_STOCK; confirming every hold leaves 0 on hand in Redis and, once flushed, in Postgres.
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

	client := redisClient(t)
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
