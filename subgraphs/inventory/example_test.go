package inventory_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	goredis "github.com/redis/go-redis/v9"

	"github.com/shopgraph/shopgraph/subgraphs/inventory"
	"github.com/shopgraph/shopgraph/subgraphs/inventory/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/inventory/redis"
)

// How the binary wires reservations and how the checkout saga calls them.
func ExampleReservations() {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	pool, _ := pgxpool.New(ctx, "postgres://127.0.0.1:54329/shopgraph")
	flash, _ := redis.New(goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:63790"}))
	defer flash.Close()
	store := postgres.NewStore(pool)
	reservations := inventory.NewReservations(store, inventory.WithFlashSale(flash))
	go (&inventory.Sweeper{Reservations: reservations}).Run(ctx) // expired holds, every 30s
	go (&inventory.Flusher{Reservations: reservations}).Run(ctx) // flash-sale changes to Postgres, every 1s

	// Saga step 2: reserve. A retry with the same order id returns the same holds.
	holds, err := reservations.Reserve(ctx, inventory.ReserveRequest{
		OrderID: "01KE6P4YM47JTZARED010EGNK9",
		Lines:   []inventory.ReserveLine{{SKU: "TSHIRT-RED-M", Quantity: 2}},
		ShipTo:  inventory.Location{Latitude: 52.37, Longitude: 4.90},
		TTL:     10 * time.Minute,
	})
	var oos *inventory.OutOfStockError
	switch {
	case errors.As(err, &oos):
		fmt.Println(oos.UserErrorCode(), oos.Lines) // OUT_OF_STOCK, the lines no center can serve
		return
	case err != nil:
		return // a system fault: retry the step, or compensate with Release
	}
	fmt.Println(holds[0].FulfillmentCenterID, holds[0].ExpiresAt)

	// Saga step 6: confirm. A *HoldStateError (HOLDS_EXPIRED, HOLDS_RELEASED) means the units
	// are gone: compensate (refund). Any other error: retry Confirm, which is idempotent.
	// A saga that fails before this step compensates with Release instead.
	_, err = reservations.Confirm(ctx, "01KE6P4YM47JTZARED010EGNK9")
	var state *inventory.HoldStateError
	if errors.As(err, &state) {
		fmt.Println(state.UserErrorCode())
	}
}
