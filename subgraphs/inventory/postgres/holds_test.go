package postgres_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/inventory"
	"github.com/shopgraph/shopgraph/subgraphs/inventory/postgres"
)

var (
	amsterdam = inventory.Location{Latitude: 52.37, Longitude: 4.90}
	berlin    = inventory.Location{Latitude: 52.52, Longitude: 13.40}
)

func newOrderID() string { return ulid.Make().String() }

func reserveOne(sku string, qty int) func(order string) inventory.ReserveRequest {
	return func(order string) inventory.ReserveRequest {
		return inventory.ReserveRequest{OrderID: order, Lines: []inventory.ReserveLine{{SKU: sku, Quantity: qty}}, ShipTo: amsterdam}
	}
}

func onHand(t testing.TB, pool *pgxpool.Pool, sku string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), `SELECT coalesce(sum(on_hand), 0) FROM inventory.stock WHERE sku = $1`, sku).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func countHolds(t testing.TB, pool *pgxpool.Pool, where string, args ...any) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM inventory.hold WHERE `+where, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func available(t testing.TB, store *postgres.Store, sku string) int {
	t.Helper()
	a, err := store.Availability(context.Background(), []string{sku})
	if err != nil {
		t.Fatal(err)
	}
	return a[0].Total()
}

func code(err error) string {
	var coded interface{ UserErrorCode() string }
	if errors.As(err, &coded) {
		return coded.UserErrorCode()
	}
	return ""
}

// 100 units, 1,000 buyers of one unit each, all at once: exactly 100 get a hold, the others are
// told OUT_OF_STOCK, and confirming every hold leaves nothing on hand, never less.
func TestConcurrentReservationsNeverOversell(t *testing.T) {
	store, pool := newStore(t)
	setStock(t, pool, "CONSOLE", rotterdam, 60)
	setStock(t, pool, "CONSOLE", leipzig, 40)
	res := inventory.NewReservations(store)
	ctx := context.Background()

	const buyers = 1000
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		won      []string
		outCount int
		others   []error
	)
	for range buyers {
		wg.Go(func() {
			order := newOrderID()
			holds, err := res.Reserve(ctx, reserveOne("CONSOLE", 1)(order))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && len(holds) == 1:
				won = append(won, order)
			case code(err) == inventory.CodeOutOfStock:
				outCount++
			default:
				others = append(others, err)
			}
		})
	}
	wg.Wait()
	if len(others) > 0 {
		t.Fatalf("%d reservations failed otherwise, first: %v", len(others), others[0])
	}
	if len(won) != 100 || outCount != buyers-100 {
		t.Fatalf("%d holds and %d OUT_OF_STOCK, want 100 and %d", len(won), outCount, buyers-100)
	}
	if got := available(t, store, "CONSOLE"); got != 0 {
		t.Errorf("available after the sale = %d, want 0", got)
	}

	for _, order := range won {
		wg.Go(func() {
			if _, err := res.Confirm(ctx, order); err != nil {
				t.Errorf("confirm %s: %v", order, err)
			}
		})
	}
	wg.Wait()
	if got := onHand(t, pool, "CONSOLE"); got != 0 {
		t.Errorf("on hand after confirming every hold = %d, want 0", got)
	}
	if n := countHolds(t, pool, `sku = 'CONSOLE' AND status = 'CONFIRMED'`); n != 100 {
		t.Errorf("%d confirmed holds, want 100", n)
	}
	var negative int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM inventory.stock WHERE on_hand < 0`).Scan(&negative); err != nil || negative != 0 {
		t.Errorf("stock rows below zero: %d (%v)", negative, err)
	}
}

// The same order reserved 50 times at once gets one set of holds.
func TestConcurrentReservationsOfOneOrderTakeOneHold(t *testing.T) {
	store, pool := newStore(t)
	setStock(t, pool, "LAMP", rotterdam, 10)
	res := inventory.NewReservations(store)
	order := newOrderID()

	ids := make([]string, 50)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			holds, err := res.Reserve(context.Background(), reserveOne("LAMP", 3)(order))
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
	if n := countHolds(t, pool, `order_id = $1`, order); n != 1 {
		t.Errorf("%d holds for the order, want 1", n)
	}
	if got := available(t, store, "LAMP"); got != 7 {
		t.Errorf("available = %d, want 7", got)
	}
}

// An order whose second line cannot be served takes no hold for its first.
func TestReservationIsAllOrNothing(t *testing.T) {
	store, pool := newStore(t)
	setStock(t, pool, "CHAIR", rotterdam, 5)
	setStock(t, pool, "TABLE", rotterdam, 1)
	res := inventory.NewReservations(store)
	order := newOrderID()

	_, err := res.Reserve(context.Background(), inventory.ReserveRequest{OrderID: order, ShipTo: amsterdam,
		Lines: []inventory.ReserveLine{{SKU: "CHAIR", Quantity: 4}, {SKU: "TABLE", Quantity: 2}, {SKU: "NO-SUCH-SKU", Quantity: 1}}})
	var oos *inventory.OutOfStockError
	if !errors.As(err, &oos) || oos.UserErrorCode() != "OUT_OF_STOCK" {
		t.Fatalf("Reserve = %v, want *OutOfStockError", err)
	}
	want := []inventory.UnavailableLine{{SKU: "TABLE", Requested: 2, Available: 1}, {SKU: "NO-SUCH-SKU", Requested: 1, Available: 0}}
	if len(oos.Lines) != len(want) || oos.Lines[0] != want[0] || oos.Lines[1] != want[1] {
		t.Errorf("unavailable lines = %+v, want %+v", oos.Lines, want)
	}
	if n := countHolds(t, pool, `order_id = $1`, order); n != 0 {
		t.Errorf("%d holds left for a refused order, want 0", n)
	}
	if got := available(t, store, "CHAIR"); got != 5 {
		t.Errorf("CHAIR available = %d, want 5", got)
	}
}

func TestReservationPicksTheNearestCenterWithStock(t *testing.T) {
	tests := []struct {
		name       string
		rotterdam  int
		leipzig    int
		quantity   int
		shipTo     inventory.Location
		wantCenter string
	}{
		{"Amsterdam ships from Rotterdam", 5, 5, 2, amsterdam, rotterdam},
		{"Berlin ships from Leipzig", 5, 5, 2, berlin, leipzig},
		{"nearest lacks the quantity", 1, 5, 2, amsterdam, leipzig},
		{"exactly enough at the nearest", 2, 5, 2, amsterdam, rotterdam},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store, pool := newStore(t)
			setStock(t, pool, "DESK", rotterdam, tt.rotterdam)
			setStock(t, pool, "DESK", leipzig, tt.leipzig)
			holds, err := inventory.NewReservations(store).Reserve(context.Background(), inventory.ReserveRequest{
				OrderID: newOrderID(), ShipTo: tt.shipTo, Lines: []inventory.ReserveLine{{SKU: "DESK", Quantity: tt.quantity}}})
			if err != nil {
				t.Fatal(err)
			}
			if holds[0].FulfillmentCenterID != tt.wantCenter || holds[0].Quantity != tt.quantity {
				t.Errorf("hold %+v, want %d units at %s", holds[0], tt.quantity, tt.wantCenter)
			}
		})
	}
}

// Each step of an order's holds after another, as the checkout saga and its retries call them.
func TestHoldLifecycle(t *testing.T) {
	type step struct {
		op       string // reserve, reserve-other-quantity, confirm, release
		wantCode string // "" for success
		wantHold string // status of the hold afterwards, "" for none
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"confirm twice", []step{{"reserve", "", "ACTIVE"}, {"confirm", "", "CONFIRMED"}, {"confirm", "", "CONFIRMED"}}},
		{"release twice", []step{{"reserve", "", "ACTIVE"}, {"release", "", "RELEASED"}, {"release", "", "RELEASED"}}},
		{"release after confirm", []step{{"reserve", "", "ACTIVE"}, {"confirm", "", "CONFIRMED"}, {"release", "HOLDS_CONFIRMED", "CONFIRMED"}}},
		{"confirm after release", []step{{"reserve", "", "ACTIVE"}, {"release", "", "RELEASED"}, {"confirm", "HOLDS_RELEASED", "RELEASED"}}},
		{"reserve after release", []step{{"reserve", "", "ACTIVE"}, {"release", "", "RELEASED"}, {"reserve", "HOLDS_RELEASED", "RELEASED"}}},
		{"reserve after confirm", []step{{"reserve", "", "ACTIVE"}, {"confirm", "", "CONFIRMED"}, {"reserve", "", "CONFIRMED"}}},
		{"reserve with another quantity", []step{{"reserve", "", "ACTIVE"}, {"reserve-other-quantity", "IDEMPOTENCY_CONFLICT", "ACTIVE"}}},
		{"confirm without holds", []step{{"confirm", "HOLDS_NOT_FOUND", ""}}},
		{"release without holds", []step{{"release", "", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store, pool := newStore(t)
			setStock(t, pool, "RUG", rotterdam, 10)
			res := inventory.NewReservations(store)
			ctx := context.Background()
			order := newOrderID()
			for i, s := range tt.steps {
				var err error
				switch s.op {
				case "reserve":
					_, err = res.Reserve(ctx, reserveOne("RUG", 2)(order))
				case "reserve-other-quantity":
					_, err = res.Reserve(ctx, reserveOne("RUG", 3)(order))
				case "confirm":
					_, err = res.Confirm(ctx, order)
				case "release":
					_, err = res.Release(ctx, order)
				}
				if code(err) != s.wantCode || (s.wantCode == "" && err != nil) {
					t.Fatalf("step %d %s: %v, want code %q", i, s.op, err, s.wantCode)
				}
				holds, err := res.Holds(ctx, order)
				if err != nil {
					t.Fatal(err)
				}
				got := ""
				if len(holds) > 0 {
					got = holds[0].Status
				}
				if len(holds) > 1 || got != s.wantHold {
					t.Fatalf("after step %d %s: holds %+v, want one %q", i, s.op, holds, s.wantHold)
				}
			}
			wantOnHand := 10
			if tt.steps[len(tt.steps)-1].wantHold == "CONFIRMED" {
				wantOnHand = 8
			}
			if got := onHand(t, pool, "RUG"); got != wantOnHand {
				t.Errorf("on hand = %d, want %d", got, wantOnHand)
			}
		})
	}
}

// An expired hold stops counting at once, is released by one sweep, and can't be confirmed.
func TestExpiredHoldsAreSweptAndNotConfirmed(t *testing.T) {
	store, pool := newStore(t)
	setStock(t, pool, "KETTLE", rotterdam, 5)
	clock := time.Now()
	res := inventory.NewReservations(store, inventory.WithClock(func() time.Time { return clock }))
	ctx := context.Background()
	sweeper := &inventory.Sweeper{Reservations: res}

	expiring, lasting := newOrderID(), newOrderID()
	if _, err := res.Reserve(ctx, inventory.ReserveRequest{OrderID: expiring, ShipTo: amsterdam, TTL: time.Minute,
		Lines: []inventory.ReserveLine{{SKU: "KETTLE", Quantity: 2}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := res.Reserve(ctx, reserveOne("KETTLE", 1)(lasting)); err != nil { // default TTL, 10 minutes
		t.Fatal(err)
	}
	if n, err := sweeper.SweepOnce(ctx); err != nil || n != 0 {
		t.Fatalf("sweep before expiry released %d (%v), want 0", n, err)
	}

	// Age the first hold past its TTL in the database; availability ignores it at once.
	exec(t, pool, `UPDATE inventory.hold SET expires_at = now() - interval '1 second' WHERE order_id = $1`, expiring)
	if got := available(t, store, "KETTLE"); got != 4 {
		t.Errorf("available with an expired hold = %d, want 4", got)
	}
	if _, err := res.Confirm(ctx, expiring); code(err) != inventory.CodeHoldsExpired {
		t.Errorf("confirm of an expired hold: %v, want HOLDS_EXPIRED", err)
	}

	clock = clock.Add(2 * time.Minute)
	if n, err := sweeper.SweepOnce(ctx); err != nil || n != 1 {
		t.Fatalf("sweep released %d (%v), want 1", n, err)
	}
	if n := countHolds(t, pool, `order_id = $1 AND status = 'RELEASED'`, expiring); n != 1 {
		t.Errorf("expired hold not released")
	}
	if n := countHolds(t, pool, `order_id = $1 AND status = 'ACTIVE'`, lasting); n != 1 {
		t.Errorf("the sweep released a hold that had not expired")
	}
	if got := onHand(t, pool, "KETTLE"); got != 5 {
		t.Errorf("on hand = %d, want 5", got)
	}
}

func TestSweeperRunStopsWithItsContext(t *testing.T) {
	store, _ := newStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		(&inventory.Sweeper{Reservations: inventory.NewReservations(store), Interval: time.Hour}).Run(ctx)
		close(done)
	}()
	cancel()
	<-done
}

func TestReserveRejectsBadInput(t *testing.T) {
	store, _ := newStore(t)
	res := inventory.NewReservations(store)
	line := []inventory.ReserveLine{{SKU: "A", Quantity: 1}}
	tests := []struct {
		name      string
		req       inventory.ReserveRequest
		wantField string
	}{
		{"no order", inventory.ReserveRequest{Lines: line}, "orderId"},
		{"order with space", inventory.ReserveRequest{OrderID: "a b", Lines: line}, "orderId"},
		{"no lines", inventory.ReserveRequest{OrderID: "o"}, "lines"},
		{"zero quantity", inventory.ReserveRequest{OrderID: "o", Lines: []inventory.ReserveLine{{SKU: "A"}}}, "lines[0].quantity"},
		{"bad sku", inventory.ReserveRequest{OrderID: "o", Lines: []inventory.ReserveLine{{SKU: "A", Quantity: 1}, {SKU: "", Quantity: 1}}}, "lines[1].sku"},
		{"negative ttl", inventory.ReserveRequest{OrderID: "o", Lines: line, TTL: -time.Second}, "ttl"},
		{"ttl past a day", inventory.ReserveRequest{OrderID: "o", Lines: line, TTL: 25 * time.Hour}, "ttl"},
		{"latitude out of range", inventory.ReserveRequest{OrderID: "o", Lines: line, ShipTo: inventory.Location{Latitude: 91}}, "shipTo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := res.Reserve(context.Background(), tt.req)
			var input *inventory.InputError
			if !errors.As(err, &input) || input.Field != tt.wantField {
				t.Errorf("Reserve = %v, want *InputError on %s", err, tt.wantField)
			}
		})
	}
}

// Setting a SKU hot needs the flash-sale path; without one the Postgres path keeps it.
func TestSetHotWithoutFlashSaleIsRefused(t *testing.T) {
	store, pool := newStore(t)
	setStock(t, pool, "TV", rotterdam, 3)
	res := inventory.NewReservations(store)
	var rejection *inventory.Rejection
	if err := res.SetHot(context.Background(), "TV", true); !errors.As(err, &rejection) || rejection.Code != inventory.CodeFlashSaleDisabled {
		t.Fatalf("SetHot = %v, want FLASH_SALE_DISABLED", err)
	}
	if _, err := res.Reserve(context.Background(), reserveOne("TV", 1)(newOrderID())); err != nil {
		t.Errorf("reserve after a refused switch: %v", err)
	}
}

// The saga retrying confirm and release at once: units leave stock once, and a release racing
// the confirmations either wins before them or is refused.
func TestConcurrentConfirmationsDecrementOnce(t *testing.T) {
	store, pool := newStore(t)
	setStock(t, pool, "OVEN", rotterdam, 10)
	res := inventory.NewReservations(store)
	ctx := context.Background()
	order := newOrderID()
	if _, err := res.Reserve(ctx, reserveOne("OVEN", 3)(order)); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var confirmed, refused atomic.Int64
	for i := range 20 {
		wg.Go(func() {
			var err error
			if i == 7 {
				_, err = res.Release(ctx, order)
			} else {
				_, err = res.Confirm(ctx, order)
			}
			switch {
			case err == nil && i != 7:
				confirmed.Add(1)
			case err == nil, code(err) == inventory.CodeHoldsConfirmed, code(err) == inventory.CodeHoldsReleased:
				refused.Add(1)
			default:
				t.Errorf("call %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	want := 7
	if confirmed.Load() == 0 { // the release won
		want = 10
	}
	if got := onHand(t, pool, "OVEN"); got != want {
		t.Errorf("on hand = %d, want %d (%d confirmations succeeded)", got, want, confirmed.Load())
	}
}
