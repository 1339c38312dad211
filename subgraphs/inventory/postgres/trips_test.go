package postgres_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/inventory"
	"github.com/shopgraph/shopgraph/subgraphs/inventory/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
)

// newWiredStore is a store on one connection that counts its round trips and plans like the
// money path's pool (generic plans only).
func newWiredStore(t *testing.T) (*postgres.Store, *pgxpool.Pool, *pgtest.Wire) {
	t.Helper()
	w := &pgtest.Wire{}
	pool := pgtest.NewPool(t, func(c *pgxpool.Config) {
		c.MaxConns = 1
		c.ConnConfig.Tracer = w
		c.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
	}, postgres.Domain)
	exec(t, pool, `INSERT INTO inventory.fulfillment_center (id, code, name, latitude, longitude) VALUES
		($1, 'NL-RTM', 'Rotterdam Waalhaven', 51.886, 4.431),
		($2, 'DE-LEJ', 'Leipzig Schkeuditz', 51.4239, 12.2364)`, rotterdam, leipzig)
	return postgres.NewStore(pool), pool, w
}

// Reserving costs two round trips (a read of two statements, then one statement taking the
// order's and the stock rows' locks and one writing), confirming and releasing one each, once
// the connection has its statements prepared; a repeated reserve costs its read only.
func TestHoldRoundTrips(t *testing.T) {
	store, pool, w := newWiredStore(t)
	setStock(t, pool, "TRIP", rotterdam, 100)
	setStock(t, pool, "TRIP", leipzig, 100)
	ctx := context.Background()
	reserve := func(order string) error {
		_, err := store.ReserveHolds(ctx, reserveOne("TRIP", 1)(order))
		return err
	}
	confirm := func(order string) error { _, err := store.ConfirmHolds(ctx, order); return err }
	release := func(order string) error { _, err := store.ReleaseHolds(ctx, order); return err }
	warm := newOrderID() // prepares every statement of the paths measured below
	for _, step := range []func(string) error{reserve, reserve, confirm, confirm, release} {
		if err := step(warm); err != nil && code(err) == "" {
			t.Fatalf("warm up: %v", err)
		}
	}
	if err := reserve(newOrderID()); err != nil {
		t.Fatal(err)
	}

	confirmed, released := newOrderID(), newOrderID()
	steps := []struct {
		name         string
		run          func() error
		trips, stmts int
	}{
		{"reserve", func() error { return reserve(confirmed) }, 2, 4},
		{"reserve replayed", func() error { return reserve(confirmed) }, 1, 2},
		{"confirm", func() error { return confirm(confirmed) }, 1, 3},
		{"confirm replayed", func() error { return confirm(confirmed) }, 1, 3},
		{"reserve to release", func() error { return reserve(released) }, 2, 4},
		{"release", func() error { return release(released) }, 1, 2},
		{"release replayed", func() error { return release(released) }, 1, 2},
	}
	w.Reset()
	for _, s := range steps {
		if err := s.run(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		trips, stmts := w.Reset()
		t.Logf("%s: %d round trips, %d statements", s.name, trips, stmts)
		if trips != s.trips || stmts != s.stmts {
			t.Errorf("%s took %d round trips and %d statements, want %d and %d", s.name, trips, stmts, s.trips, s.stmts)
		}
	}
	if n := countHolds(t, pool, `order_id = $1 AND status = 'CONFIRMED'`, confirmed); n != 1 {
		t.Errorf("confirmed order has %d confirmed holds, want 1", n)
	}
	if n := countHolds(t, pool, `order_id = $1 AND status = 'RELEASED'`, released); n != 1 {
		t.Errorf("released order has %d released holds, want 1", n)
	}
}

// Many buyers after the last units of SKUs stocked at two centers, all at once, some asking
// for the SKUs in one order and some in the other: exactly as many win as there are units,
// the others are told OUT_OF_STOCK (no deadlock, no busy), no center holds more than it has,
// and confirming every winner leaves nothing on hand, never less.
func TestConcurrentReservationsOfTheLastUnits(t *testing.T) {
	tests := []struct {
		name  string
		lines [][]string // the SKUs buyers ask for, one unit each, taken in turn
	}{
		{"one SKU", [][]string{{"LAST-A"}}},
		{"two SKUs in either order", [][]string{{"LAST-A", "LAST-B"}, {"LAST-B", "LAST-A"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store, pool := newStore(t)
			for _, sku := range tt.lines[0] {
				setStock(t, pool, sku, rotterdam, 3) // nearest to Amsterdam: sells out first
				setStock(t, pool, sku, leipzig, 2)
			}
			const buyers, units = 40, 5
			ctx := context.Background()
			start := make(chan struct{})
			var (
				wg  sync.WaitGroup
				mu  sync.Mutex
				won []string
				out int
			)
			for i := range buyers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					req := inventory.ReserveRequest{OrderID: newOrderID(), ShipTo: amsterdam}
					for _, sku := range tt.lines[i%len(tt.lines)] {
						req.Lines = append(req.Lines, inventory.ReserveLine{SKU: sku, Quantity: 1})
					}
					<-start
					_, err := store.ReserveHolds(ctx, req)
					mu.Lock()
					defer mu.Unlock()
					var oos *inventory.OutOfStockError
					switch {
					case err == nil:
						won = append(won, req.OrderID)
					case errors.As(err, &oos):
						out++
						for _, l := range oos.Lines {
							if l.Available != 0 {
								t.Errorf("refused with %d units of %s available, want the fresh 0", l.Available, l.SKU)
							}
						}
					default:
						t.Errorf("reserve: %v", err)
					}
				}()
			}
			close(start)
			wg.Wait()
			if len(won) != units || out != buyers-units {
				t.Fatalf("%d won and %d were told out of stock, want %d and %d", len(won), out, units, buyers-units)
			}
			var over int
			if err := pool.QueryRow(ctx, `
				SELECT count(*) FROM inventory.stock s
				WHERE s.on_hand < (SELECT coalesce(sum(quantity), 0) FROM inventory.hold h
				                   WHERE h.sku = s.sku AND h.fulfillment_center_id = s.fulfillment_center_id AND h.status = 'ACTIVE')`,
			).Scan(&over); err != nil || over != 0 {
				t.Fatalf("%d stock rows hold more than they have (%v)", over, err)
			}
			// Each win announces its SKUs once; refused writes and refusals announce nothing.
			var events int
			if err := pool.QueryRow(ctx, `SELECT count(*) FROM inventory.outbox WHERE type = $1`,
				postgres.EventStockChanged).Scan(&events); err != nil || events != units*len(tt.lines[0]) {
				t.Fatalf("%d StockChanged events (%v), want %d", events, err, units*len(tt.lines[0]))
			}

			var cwg sync.WaitGroup
			for _, order := range won {
				cwg.Add(1)
				go func() {
					defer cwg.Done()
					if _, err := store.ConfirmHolds(ctx, order); err != nil {
						t.Errorf("confirm %s: %v", order, err)
					}
				}()
			}
			cwg.Wait()
			for _, sku := range tt.lines[0] {
				if got := onHand(t, pool, sku); got != 0 {
					t.Errorf("%s: %d on hand after confirming every winner, want 0", sku, got)
				}
			}
		})
	}
}

// A release writes one StockChanged event per SKU it gave units back of, in the statement
// that releases them, each with its own id, a ULID.
func TestReleaseAnnouncesEachSKU(t *testing.T) {
	store, pool := newStore(t)
	ctx := context.Background()
	skus := []string{"REL-A", "REL-B", "REL-C"}
	req := inventory.ReserveRequest{OrderID: newOrderID(), ShipTo: amsterdam}
	for _, sku := range skus {
		setStock(t, pool, sku, rotterdam, 5)
		req.Lines = append(req.Lines, inventory.ReserveLine{SKU: sku, Quantity: 2})
	}
	if _, err := store.ReserveHolds(ctx, req); err != nil {
		t.Fatal(err)
	}
	exec(t, pool, `DELETE FROM inventory.outbox`)
	for range 2 { // the second release gives nothing back and announces nothing
		settled, err := store.ReleaseHolds(ctx, req.OrderID)
		if err != nil {
			t.Fatal(err)
		}
		if len(settled.Holds) != len(skus) || settled.Holds[0].Status != inventory.HoldReleased {
			t.Fatalf("released %+v, want the %d holds RELEASED", settled.Holds, len(skus))
		}
	}
	rows, _ := pool.Query(ctx, `SELECT id, key, payload->>'sku' FROM inventory.outbox WHERE type = $1 ORDER BY id`, postgres.EventStockChanged)
	type event struct{ id, key, sku string }
	events, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (e event, err error) {
		return e, r.Scan(&e.id, &e.key, &e.sku)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != len(skus) {
		t.Fatalf("%d events, want one per SKU (%d): %+v", len(events), len(skus), events)
	}
	for i, e := range events {
		if _, err := ulid.ParseStrict(e.id); err != nil {
			t.Errorf("event id %q is not a ULID: %v", e.id, err)
		}
		if e.key != skus[i] || e.sku != skus[i] {
			t.Errorf("event %d is about %q (payload %q), want %q", i, e.key, e.sku, skus[i])
		}
	}
	if available(t, store, "REL-B") != 5 {
		t.Errorf("released units are not available again")
	}
}
