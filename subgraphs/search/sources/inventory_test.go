package sources_test

import (
	"context"
	"testing"

	"github.com/shopgraph/shopgraph/subgraphs/redistest"

	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/inventory"
	inventorypg "github.com/shopgraph/shopgraph/subgraphs/inventory/postgres"
	inventoryredis "github.com/shopgraph/shopgraph/subgraphs/inventory/redis"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
	"github.com/shopgraph/shopgraph/subgraphs/search/sources"
)

// The index reads stock as the graph does: a SKU sold out on the flash-sale path is not
// sellable at once, before its sales are flushed to Postgres.
func TestStockReadsTheFlashSalePath(t *testing.T) {
	client := redistest.Client(t)
	prefix := redistest.Prefix(t, client, "search")
	flash, err := inventoryredis.New(client, inventoryredis.WithPrefix(prefix))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = flash.Close() })

	ctx := context.Background()
	pool := pgtest.NewPool(t, nil, inventorypg.Domain)
	const center = "01KE6P4YM47JTZARED010EGNK2"
	for _, sql := range []string{
		`INSERT INTO inventory.fulfillment_center (id, code, name, latitude, longitude)
		 VALUES ($1, 'NL-RTM', 'Rotterdam Waalhaven', 51.886, 4.431)`,
		`INSERT INTO inventory.stock (sku, fulfillment_center_id, on_hand) VALUES ('DROP', $1, 2), ('STEADY', $1, 2)`,
	} {
		if _, err := pool.Exec(ctx, sql, center); err != nil {
			t.Fatal(err)
		}
	}
	store := inventorypg.NewStore(pool)
	res := inventory.NewReservations(store, inventory.WithFlashSale(flash))
	if err := res.SetHot(ctx, "DROP", true); err != nil {
		t.Fatal(err)
	}
	if _, err := res.Reserve(ctx, inventory.ReserveRequest{OrderID: ulid.Make().String(),
		Lines: []inventory.ReserveLine{{SKU: "DROP", Quantity: 2}}}); err != nil {
		t.Fatal(err)
	}

	skus := []string{"DROP", "STEADY", "NONE"}
	exact, err := sources.NewStock(res).Sellable(ctx, skus)
	if err != nil {
		t.Fatal(err)
	}
	if exact["DROP"] || !exact["STEADY"] || exact["NONE"] {
		t.Errorf("sellable = %v, want STEADY only", exact)
	}
	stale, err := sources.NewStock(store).Sellable(ctx, skus)
	if err != nil {
		t.Fatal(err)
	}
	if !stale["DROP"] {
		t.Fatal("Postgres alone already shows DROP sold out before a flush: this test proves nothing")
	}
}
