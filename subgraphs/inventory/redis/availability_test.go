package redis_test

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs/redistest"

	"github.com/oklog/ulid/v2"
	goredis "github.com/redis/go-redis/v9"

	"github.com/shopgraph/shopgraph/subgraphs/inventory"
	"github.com/shopgraph/shopgraph/subgraphs/inventory/redis"
)

// availableAt is the units available per center code, and in total.
func availableAt(t testing.TB, as []inventory.Availability, sku string) (byCode map[string]int, total int) {
	t.Helper()
	for _, a := range as {
		if a.SKU != sku {
			continue
		}
		byCode = map[string]int{}
		for _, c := range a.Centers {
			byCode[c.Center.Code] = c.Available()
		}
		return byCode, a.Total()
	}
	t.Fatalf("no availability for %s in %+v", sku, as)
	return nil, 0
}

func (f *fixture) availability(t testing.TB, r interface {
	Availability(context.Context, []string) ([]inventory.Availability, error)
}, skus ...string) []inventory.Availability {
	t.Helper()
	as, err := r.Availability(context.Background(), skus)
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != len(skus) {
		t.Fatalf("%d availabilities for %d skus", len(as), len(skus))
	}
	return as
}

// A reservation on the flash-sale path shows in availability at once, before any flush, while
// Postgres still has the old figure; after the flush both agree.
func TestAvailabilityOfAHotSKUIsExactBeforeTheFlush(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.stock(t, "TV", rotterdam, 5)
	f.stock(t, "TV", leipzig, 3)
	f.hot(t, "TV")
	ctx := context.Background()

	held := ulid.Make().String()
	if _, err := f.res.Reserve(ctx, line("TV", 2, held)); err != nil {
		t.Fatal(err)
	}
	sold := ulid.Make().String()
	if _, err := f.res.Reserve(ctx, line("TV", 3, sold)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.res.Confirm(ctx, sold); err != nil {
		t.Fatal(err)
	}
	// Rotterdam, the nearer center, served both: 2 held and 3 sold of its 5.
	byCode, total := availableAt(t, f.availability(t, f.res, "TV"), "TV")
	if byCode["NL-RTM"] != 0 || byCode["DE-LEJ"] != 3 || total != 3 {
		t.Fatalf("availability %v (total %d), want NL-RTM 0 and DE-LEJ 3 after 2 held and 3 sold", byCode, total)
	}
	if _, pgTotal := availableAt(t, f.availability(t, f.store, "TV"), "TV"); pgTotal != 8 {
		t.Fatalf("Postgres shows %d before the flush, want the stale 8 (else this test proves nothing)", pgTotal)
	}

	f.flush(t)
	pgByCode, pgTotal := availableAt(t, f.availability(t, f.store, "TV"), "TV")
	byCode, total = availableAt(t, f.availability(t, f.res, "TV"), "TV")
	if total != 3 || pgTotal != 3 || len(byCode) != 2 || byCode["NL-RTM"] != pgByCode["NL-RTM"] || byCode["DE-LEJ"] != pgByCode["DE-LEJ"] {
		t.Errorf("after the flush: exact %v (%d), Postgres %v (%d); want both 3, alike per center", byCode, total, pgByCode, pgTotal)
	}
}

// The last unit sold on the flash-sale path makes the SKU out of stock at once; a hold that
// expired stops counting before the sweeper releases it, as on the Postgres path.
func TestSoldOutOnTheFlashSalePathIsOutOfStockAtOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.stock(t, "CONSOLE", rotterdam, 3)
	f.hot(t, "CONSOLE")
	ctx := context.Background()
	for range 3 {
		if _, err := f.res.Reserve(ctx, line("CONSOLE", 1, ulid.Make().String())); err != nil {
			t.Fatal(err)
		}
	}
	if as := f.availability(t, f.res, "CONSOLE"); as[0].InStock() || as[0].Total() != 0 {
		t.Errorf("after the last unit was held: in stock %v, total %d; want sold out", as[0].InStock(), as[0].Total())
	}
	if as := f.availability(t, f.store, "CONSOLE"); !as[0].InStock() {
		t.Fatal("Postgres already shows the sale before a flush: this test proves nothing")
	}
	if _, err := f.res.Reserve(ctx, line("CONSOLE", 1, ulid.Make().String())); code(err) != "OUT_OF_STOCK" {
		t.Fatalf("a fourth unit: %v, want OUT_OF_STOCK as availability said", err)
	}

	f.advance(inventory.DefaultHoldTTL + time.Second)
	if as := f.availability(t, f.res, "CONSOLE"); as[0].Total() != 3 {
		t.Errorf("after the holds expired, unswept: total %d, want 3", as[0].Total())
	}
	if _, held := f.counters(t, "CONSOLE"); held[rotterdam] != 3 {
		t.Fatalf("Redis still counts %d held before the sweep, want 3 (else expiry was not tested)", held[rotterdam])
	}
}

// countingHook counts what a Redis client sends: single commands and pipelines.
type countingHook struct{ commands, pipelines atomic.Int64 }

func (h *countingHook) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (h *countingHook) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		h.commands.Add(1)
		return next(ctx, cmd)
	}
}

func (h *countingHook) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		h.pipelines.Add(1)
		return next(ctx, cmds)
	}
}

// A batch costs one Redis round trip when some of its SKUs are hot, and none when none is.
func TestAvailabilityReadsRedisOncePerBatch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, sku := range []string{"COLD", "HOT-1", "HOT-2", "HOT-3"} {
		f.stock(t, sku, rotterdam, 10)
		f.stock(t, sku, leipzig, 10)
	}
	for _, sku := range []string{"HOT-1", "HOT-2", "HOT-3"} {
		f.hot(t, sku)
		if _, err := f.res.Reserve(context.Background(), line(sku, 4, ulid.Make().String())); err != nil {
			t.Fatal(err)
		}
	}
	hook := &countingHook{}
	client := redistest.Client(t)
	client.AddHook(hook)
	flash, err := redis.New(client, redis.WithPrefix(f.prefix), redis.WithoutAutoPipeline())
	if err != nil {
		t.Fatal(err)
	}
	res := inventory.NewReservations(f.store, inventory.WithFlashSale(flash))
	// The first read connects and may load the script into Redis; count the steady state.
	f.availability(t, res, "HOT-1")

	tests := []struct {
		name          string
		skus          []string
		wantPipelines int64
		wantTotal     map[string]int
	}{
		{"no hot sku", []string{"COLD", "UNKNOWN"}, 0, map[string]int{"COLD": 20}},
		{"three hot skus among others", []string{"HOT-1", "COLD", "HOT-2", "UNKNOWN", "HOT-3"}, 1,
			map[string]int{"HOT-1": 16, "HOT-2": 16, "HOT-3": 16, "COLD": 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hook.commands.Store(0)
			hook.pipelines.Store(0)
			as := f.availability(t, res, tt.skus...)
			if c, p := hook.commands.Load(), hook.pipelines.Load(); c != 0 || p != tt.wantPipelines {
				t.Errorf("%d commands and %d pipelines sent to Redis, want %d pipelines only", c, p, tt.wantPipelines)
			}
			for sku, want := range tt.wantTotal {
				if _, got := availableAt(t, as, sku); got != want {
					t.Errorf("%s: total %d, want %d", sku, got, want)
				}
			}
		})
	}
}

// Without Redis, a hot SKU's availability is Postgres' figure: a moment old, never an error.
func TestAvailabilityWithoutRedisFallsBackToPostgres(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.stock(t, "HOT", rotterdam, 5)
	f.hot(t, "HOT")
	if _, err := f.res.Reserve(context.Background(), line("HOT", 2, ulid.Make().String())); err != nil {
		t.Fatal(err)
	}
	// A dead port answers at once; a listener that accepts and never replies is the slow outage.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = silent.Close() })
	tests := []struct {
		name string
		opts goredis.Options
	}{
		{"refused", goredis.Options{Addr: "127.0.0.1:1", MaxRetries: -1}},
		// The deadline of the read holds a silent server to it only with context timeouts on.
		{"silent", goredis.Options{Addr: silent.Addr().String(), MaxRetries: -1, ContextTimeoutEnabled: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dead := goredis.NewClient(&tt.opts)
			t.Cleanup(func() { _ = dead.Close() })
			flash, err := redis.New(dead, redis.WithPrefix(f.prefix))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = flash.Close() })
			res := inventory.NewReservations(f.store, inventory.WithFlashSale(flash))
			for i := range 2 { // the second within the pause after the failure, without Redis
				as, err := res.Availability(context.Background(), []string{"HOT"})
				if err != nil {
					t.Fatalf("availability %d without Redis: %v, want Postgres' figure", i, err)
				}
				if _, total := availableAt(t, as, "HOT"); total != 5 {
					t.Errorf("availability %d: total %d, want Postgres' 5 (the unflushed hold is Redis' only)", i, total)
				}
			}
		})
	}
	if _, total := availableAt(t, f.availability(t, f.res, "HOT"), "HOT"); total != 3 {
		t.Errorf("with Redis: total %d, want 3", total)
	}
}

// A hot SKU that Redis has not loaded (paused by a switch, or lost) answers from Postgres.
func TestAvailabilityOfAnUnloadedHotSKUIsPostgres(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.stock(t, "LOST", rotterdam, 5)
	f.hot(t, "LOST")
	ctx := context.Background()
	if _, err := f.res.Reserve(ctx, line("LOST", 1, ulid.Make().String())); err != nil {
		t.Fatal(err)
	}
	f.flush(t)
	if err := f.flash.Drop(ctx, "LOST"); err != nil {
		t.Fatal(err)
	}
	if _, total := availableAt(t, f.availability(t, f.res, "LOST"), "LOST"); total != 4 {
		t.Errorf("total %d, want Postgres' 4", total)
	}
}
