package inventoryresolvers_test

import (
	"context"
	"testing"

	"github.com/oklog/ulid/v2"

	inventoryresolvers "github.com/shopgraph/shopgraph/resolvers/inventory"
	"github.com/shopgraph/shopgraph/subgraphs/inventory"
	"github.com/shopgraph/shopgraph/subgraphs/inventory/postgres"
)

// While a flash sale runs, Variant.availability, Variant.inStock and Product.inStock show the
// Redis counters at once, before any flush, and a batch mixing hot and ordinary SKUs still
// costs one SQL query.
func TestEntitiesShowFlashSaleStockAtOnce(t *testing.T) {
	flash := newFlash(t)
	s := newSubgraph(t)
	variants, products := stockSKUs(t, s, 100)
	s.exec(t, `INSERT INTO inventory.stock (sku, fulfillment_center_id, on_hand) VALUES
		('DROP-1', $1, 3), ('DROP-2', $1, 5), ('DROP-2', $2, 1)`, rotterdam, leipzig)
	store := postgres.NewStore(s.pool)
	res := inventory.NewReservations(store, inventory.WithFlashSale(flash))
	h := inventoryresolvers.NewHandlerWith(store, res)
	ctx := context.Background()
	for _, sku := range []string{"DROP-1", "DROP-2"} {
		if err := res.SetHot(ctx, sku, true); err != nil {
			t.Fatal(err)
		}
	}
	reserve := func(sku string, qty int) {
		t.Helper()
		if _, err := res.Reserve(ctx, inventory.ReserveRequest{OrderID: ulid.Make().String(),
			Lines: []inventory.ReserveLine{{SKU: sku, Quantity: qty}}}); err != nil {
			t.Fatal(err)
		}
	}
	reserve("DROP-1", 2)
	reserve("DROP-1", 1) // the last unit: DROP-1 is sold out on the flash-sale path
	reserve("DROP-2", 4)

	reps := append(append([]any{}, variants...), products...)
	reps = append(reps, variantRep("DROP-1"), variantRep("DROP-2"),
		productRep("drop-1-only", "DROP-1"), productRep("both-drops", "DROP-1", "DROP-2"))
	s.queries.n.Store(0)
	var data struct {
		Entities []entity `json:"_entities"`
	}
	decode(t, do(t, h, entitiesQuery, map[string]any{"representations": reps}), &data)
	if n := s.queries.n.Load(); n != 1 {
		t.Errorf("%d SQL queries, want 1 for the whole batch", n)
	}
	if len(data.Entities) != len(reps) {
		t.Fatalf("%d entities for %d representations", len(data.Entities), len(reps))
	}
	got := data.Entities[len(reps)-4:]
	drop1, drop2, onlyDrop1, both := got[0], got[1], got[2], got[3]
	if drop1.InStock == nil || *drop1.InStock || drop1.Availability == nil || drop1.Availability.Total != 0 {
		t.Errorf("DROP-1 = %+v, want sold out (3 of 3 held in Redis)", drop1)
	}
	if drop2.InStock == nil || !*drop2.InStock || drop2.Availability == nil || drop2.Availability.Total != 2 {
		t.Errorf("DROP-2 = %+v, want 2 left (4 of 6 held in Redis)", drop2)
	} else if fcs := drop2.Availability.FulfillmentCenters; len(fcs) != 2 || fcs[0].Available != 1 || fcs[1].Available != 1 {
		t.Errorf("DROP-2 per center = %+v, want 1 at DE-LEJ and 1 at NL-RTM", fcs)
	}
	if onlyDrop1.InStock == nil || *onlyDrop1.InStock {
		t.Errorf("product of DROP-1 = %+v, want out of stock", onlyDrop1)
	}
	if both.InStock == nil || !*both.InStock {
		t.Errorf("product of DROP-1 and DROP-2 = %+v, want in stock", both)
	}

	// Postgres alone still shows the sale's start: the figures above came from Redis.
	pg, err := store.Availability(ctx, []string{"DROP-1"})
	if err != nil {
		t.Fatal(err)
	}
	if pg[0].Total() != 3 {
		t.Fatalf("Postgres shows %d of DROP-1 before a flush, want 3 (else this test proves nothing)", pg[0].Total())
	}
}
