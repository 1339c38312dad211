package redis_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs/redistest"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/oklog/ulid/v2"

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

type fixture struct {
	res    *inventory.Reservations
	flash  *redis.Flash
	store  *postgres.Store
	pool   *pgxpool.Pool
	prefix string       // the test's own Redis key prefix
	now    atomic.Int64 // the clock of reservations and sweeps, unix ms
}

// newFixture gives a test its own database and its own key prefix, so tests run in parallel.
func newFixture(t testing.TB, opts ...redis.Option) *fixture {
	t.Helper()
	client := redistest.Client(t)
	prefix := "test:inventory:" + ulid.Make().String()
	t.Cleanup(func() {
		ctx := context.Background()
		iter := client.Scan(ctx, 0, prefix+":*", 1000).Iterator()
		for iter.Next(ctx) {
			client.Del(ctx, iter.Val())
		}
	})
	f := &fixture{pool: pgtest.NewPool(t, func(c *pgxpool.Config) { c.MaxConns = 20 }, postgres.Domain), prefix: prefix}
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
