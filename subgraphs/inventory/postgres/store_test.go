package postgres_test

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/inventory"
	"github.com/shopgraph/shopgraph/subgraphs/inventory/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
)

const (
	rotterdam = "01KE6P4YM47JTZARED010EGNK2"
	leipzig   = "01KE6P4YM0YFZMTH8Y8AF1G8GN"
)

func newStore(t testing.TB) (*postgres.Store, *pgxpool.Pool) {
	t.Helper()
	pool := pgtest.NewPool(t, func(c *pgxpool.Config) { c.MaxConns = 20 }, postgres.Domain)
	exec(t, pool, `INSERT INTO inventory.fulfillment_center (id, code, name, latitude, longitude) VALUES
		($1, 'NL-RTM', 'Rotterdam Waalhaven', 51.886, 4.431),
		($2, 'DE-LEJ', 'Leipzig Schkeuditz', 51.4239, 12.2364)`, rotterdam, leipzig)
	return postgres.NewStore(pool), pool
}

func exec(t testing.TB, pool *pgxpool.Pool, sql string, args ...any) {
	t.Helper()
	if _, err := pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("exec %q: %v", sql, err)
	}
}

func setStock(t testing.TB, pool *pgxpool.Pool, sku, center string, onHand int) {
	t.Helper()
	exec(t, pool, `INSERT INTO inventory.stock (sku, fulfillment_center_id, on_hand) VALUES ($1, $2, $3)`, sku, center, onHand)
}

func insertHold(t *testing.T, pool *pgxpool.Pool, sku, center string, quantity int, status string, expiresIn time.Duration) {
	t.Helper()
	exec(t, pool, `
		INSERT INTO inventory.hold (id, order_id, sku, fulfillment_center_id, quantity, status, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, now() + $7::interval)`,
		ulid.Make().String(), ulid.Make().String(), sku, center, quantity, status, expiresIn.String())
}

func TestAvailabilityCountsActiveUnexpiredHolds(t *testing.T) {
	store, pool := newStore(t)
	setStock(t, pool, "MUG-BLUE", rotterdam, 10)
	insertHold(t, pool, "MUG-BLUE", rotterdam, 3, inventory.HoldActive, 15*time.Minute)
	insertHold(t, pool, "MUG-BLUE", rotterdam, 5, inventory.HoldActive, -time.Minute) // expired, not yet swept
	insertHold(t, pool, "MUG-BLUE", rotterdam, 2, inventory.HoldReleased, 15*time.Minute)
	insertHold(t, pool, "MUG-BLUE", rotterdam, 1, inventory.HoldConfirmed, 15*time.Minute) // already decremented
	setStock(t, pool, "MUG-BLUE", leipzig, 2)
	insertHold(t, pool, "MUG-BLUE", leipzig, 4, inventory.HoldActive, time.Hour) // more held than on hand
	setStock(t, pool, "MUG-RED", leipzig, 0)

	got, err := store.Availability(context.Background(), []string{"NO-SUCH-SKU", "MUG-BLUE", "MUG-RED"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].SKU != "NO-SUCH-SKU" || got[1].SKU != "MUG-BLUE" || got[2].SKU != "MUG-RED" {
		t.Fatalf("availability not in the order asked: %+v", got)
	}
	if got[0].Total() != 0 || got[0].InStock() || len(got[0].Centers) != 0 {
		t.Errorf("unknown sku: %+v, want no centers and nothing available", got[0])
	}
	blue := got[1]
	if len(blue.Centers) != 2 || blue.Centers[0].Center.Code != "DE-LEJ" || blue.Centers[1].Center.Code != "NL-RTM" {
		t.Fatalf("MUG-BLUE centers = %+v, want DE-LEJ then NL-RTM", blue.Centers)
	}
	if c := blue.Centers[1]; c.OnHand != 10 || c.Held != 3 || c.Available() != 7 {
		t.Errorf("NL-RTM: on hand %d held %d available %d, want 10, 3, 7", c.OnHand, c.Held, c.Available())
	}
	if c := blue.Centers[0]; c.Available() != 0 {
		t.Errorf("DE-LEJ available = %d, want 0 (holds above stock)", c.Available())
	}
	if blue.Total() != 7 || !blue.InStock() {
		t.Errorf("MUG-BLUE total %d in stock %v, want 7 true", blue.Total(), blue.InStock())
	}
	if red := got[2]; red.Total() != 0 || red.InStock() || len(red.Centers) != 1 {
		t.Errorf("MUG-RED = %+v, want one sold-out center", red)
	}
}

func TestFulfillmentCenters(t *testing.T) {
	store, _ := newStore(t)
	all, err := store.FulfillmentCenters(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].Code != "DE-LEJ" || all[1].Code != "NL-RTM" || all[1].Latitude != 51.886 {
		t.Errorf("FulfillmentCenters() = %+v, want DE-LEJ, NL-RTM", all)
	}
	byID, err := store.FulfillmentCentersByID(context.Background(), []string{rotterdam, ulid.Make().String()})
	if err != nil {
		t.Fatal(err)
	}
	if len(byID) != 1 || byID[rotterdam].Name != "Rotterdam Waalhaven" {
		t.Errorf("FulfillmentCentersByID() = %+v, want only Rotterdam", byID)
	}
}

func TestRestock(t *testing.T) {
	store, pool := newStore(t)
	ctx := context.Background()

	first, err := store.Restock(ctx, inventory.Restock{SKU: "LAMP-1", FulfillmentCenterID: rotterdam, Quantity: 5})
	if err != nil {
		t.Fatal(err)
	}
	if first.OnHand != 5 || first.Center.Code != "NL-RTM" || first.UpdatedAt.IsZero() {
		t.Errorf("first restock = %+v, want 5 on hand at NL-RTM", first)
	}
	exec(t, pool, `INSERT INTO inventory.hold (id, order_id, sku, fulfillment_center_id, quantity, expires_at)
		VALUES ($1, 'order-1', 'LAMP-1', $2, 2, now() + interval '10 minutes')`, ulid.Make().String(), rotterdam)
	second, err := store.Restock(ctx, inventory.Restock{SKU: "LAMP-1", FulfillmentCenterID: rotterdam, Quantity: 3})
	if err != nil {
		t.Fatal(err)
	}
	if second.OnHand != 8 || second.Held != 2 || second.Available() != 6 {
		t.Errorf("second restock: on hand %d held %d available %d, want 8, 2, 6", second.OnHand, second.Held, second.Available())
	}
}

func TestRestockRejections(t *testing.T) {
	store, pool := newStore(t)
	ctx := context.Background()
	setStock(t, pool, "FULL", rotterdam, math.MaxInt32-10)

	tests := []struct {
		name     string
		restock  inventory.Restock
		wantCode string
	}{
		{"unknown center", inventory.Restock{SKU: "LAMP-1", FulfillmentCenterID: ulid.Make().String(), Quantity: 1}, inventory.CodeUnknownFulfillmentCenter},
		{"stock overflow", inventory.Restock{SKU: "FULL", FulfillmentCenterID: rotterdam, Quantity: 11}, inventory.CodeStockLimitExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := store.Restock(ctx, tt.restock)
			var rejection *inventory.Rejection
			if !errors.As(err, &rejection) || rejection.Code != tt.wantCode {
				t.Fatalf("Restock() = %v, want rejection %s", err, tt.wantCode)
			}
		})
	}
	var onHand int
	if err := pool.QueryRow(ctx, `SELECT on_hand FROM inventory.stock WHERE sku = 'FULL'`).Scan(&onHand); err != nil {
		t.Fatal(err)
	}
	if onHand != math.MaxInt32-10 {
		t.Errorf("refused restock changed stock to %d", onHand)
	}
	if _, err := store.Restock(ctx, inventory.Restock{SKU: "LAMP-1", FulfillmentCenterID: rotterdam, Quantity: 0}); !errors.As(err, new(*inventory.InputError)) {
		t.Errorf("Restock(quantity 0) = %v, want *InputError", err)
	}
}

// Concurrent restocks of the same rows, including the first insert of a row, must all count.
func TestConcurrentRestocksNeverLoseUpdates(t *testing.T) {
	store, pool := newStore(t)
	ctx := context.Background()
	setStock(t, pool, "EXISTING", rotterdam, 100)

	const workers, perWorker = 16, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker)
	want := map[string]int{"EXISTING": 100, "NEW": 0}
	for w := range workers {
		for i := range perWorker {
			want["EXISTING"] += w + i + 1
			want["NEW"] += w + 1
		}
		wg.Go(func() {
			for i := range perWorker {
				if _, err := store.Restock(ctx, inventory.Restock{SKU: "EXISTING", FulfillmentCenterID: rotterdam, Quantity: w + i + 1}); err != nil {
					errs <- err
				}
				if _, err := store.Restock(ctx, inventory.Restock{SKU: "NEW", FulfillmentCenterID: leipzig, Quantity: w + 1}); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent restock: %v", err)
	}
	got, err := store.Availability(ctx, []string{"EXISTING", "NEW"})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Total() != want["EXISTING"] || got[1].Total() != want["NEW"] {
		t.Errorf("after concurrent restocks: EXISTING %d NEW %d, want %d %d",
			got[0].Total(), got[1].Total(), want["EXISTING"], want["NEW"])
	}
}

func TestStoreReportsOutage(t *testing.T) {
	pool, err := pgxpool.New(context.Background(), "postgres://postgres@127.0.0.1:1/none?connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	store := postgres.NewStore(pool)
	if _, err := store.Availability(context.Background(), []string{"A"}); err == nil {
		t.Error("Availability on a dead database returned no error")
	}
	if _, err := store.Restock(context.Background(), inventory.Restock{SKU: "A", FulfillmentCenterID: rotterdam, Quantity: 1}); err == nil {
		t.Error("Restock on a dead database returned no error")
	}
}
