package inventoryresolvers_test

import (
	"context"
	"testing"

	"github.com/shopgraph/shopgraph/subgraphs/redistest"

	"github.com/oklog/ulid/v2"

	inventoryresolvers "github.com/shopgraph/shopgraph/resolvers/inventory"
	"github.com/shopgraph/shopgraph/subgraphs/inventory"
	"github.com/shopgraph/shopgraph/subgraphs/inventory/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/inventory/redis"
)

const holdsQuery = `query ($orderId: ID!) {
	holds(orderId: $orderId) {
		id orderId quantity status expiresAt
		variant { sku }
		fulfillmentCenter { code }
	}
}`

const setHotMutation = `mutation ($input: SetHotSkuInput!) {
	setHotSku(input: $input) { variant { sku } hot userErrors { code message field } }
}`

type holdsData struct {
	Holds []struct {
		ID                string
		OrderID           string
		Quantity          int
		Status            string
		ExpiresAt         string
		Variant           struct{ SKU string }
		FulfillmentCenter struct{ Code string }
	}
}

type setHotData struct {
	SetHotSku struct {
		Variant    *struct{ SKU string }
		Hot        *bool
		UserErrors []struct {
			Code    string
			Message string
			Field   []string
		}
	}
}

func TestHoldsQuery(t *testing.T) {
	s := newSubgraph(t)
	s.exec(t, `INSERT INTO inventory.stock (sku, fulfillment_center_id, on_hand) VALUES
		('MUG', $1, 5), ('PLATE', $2, 5)`, rotterdam, leipzig)
	store := postgres.NewStore(s.pool)
	res := inventory.NewReservations(store)
	h := as(inventoryresolvers.NewHandlerWith(store, res, inventoryresolvers.WithGatewaySecret(gatewaySecret)), staff)
	order := ulid.Make().String()
	if _, err := res.Reserve(context.Background(), inventory.ReserveRequest{OrderID: order,
		Lines: []inventory.ReserveLine{{SKU: "PLATE", Quantity: 1}, {SKU: "MUG", Quantity: 2}}}); err != nil {
		t.Fatal(err)
	}

	var data holdsData
	decode(t, do(t, h, holdsQuery, map[string]any{"orderId": order}), &data)
	if len(data.Holds) != 2 {
		t.Fatalf("holds = %+v, want 2", data.Holds)
	}
	mug, plate := data.Holds[0], data.Holds[1]
	if mug.Variant.SKU != "MUG" || mug.Quantity != 2 || mug.FulfillmentCenter.Code != "NL-RTM" || mug.Status != "ACTIVE" || mug.OrderID != order {
		t.Errorf("MUG hold = %+v", mug)
	}
	if plate.Variant.SKU != "PLATE" || plate.FulfillmentCenter.Code != "DE-LEJ" || plate.ExpiresAt == "" {
		t.Errorf("PLATE hold = %+v", plate)
	}

	decode(t, do(t, h, holdsQuery, map[string]any{"orderId": ulid.Make().String()}), &data)
	if len(data.Holds) != 0 {
		t.Errorf("holds of an unknown order = %+v, want none", data.Holds)
	}
	resp := do(t, h, holdsQuery, map[string]any{"orderId": "has space"})
	if codes := resp.Codes(); len(codes) != 1 || codes[0] != "BAD_USER_INPUT" {
		t.Errorf("malformed order id: %+v, want BAD_USER_INPUT", resp.Errors)
	}
}

func TestSetHotSkuWithoutFlashSale(t *testing.T) {
	s := newSubgraph(t)
	var data setHotData
	decode(t, do(t, s.staff, setHotMutation, map[string]any{"input": map[string]any{"sku": "TV", "hot": true}}), &data)
	p := data.SetHotSku
	if len(p.UserErrors) != 1 || p.UserErrors[0].Code != "FLASH_SALE_DISABLED" || p.Hot != nil || p.Variant != nil {
		t.Errorf("payload = %+v, want one FLASH_SALE_DISABLED user error", p)
	}
	resp := do(t, s.staff, setHotMutation, map[string]any{"input": map[string]any{"sku": "", "hot": true}})
	if codes := resp.Codes(); len(codes) != 1 || codes[0] != "BAD_USER_INPUT" {
		t.Errorf("empty sku: %+v, want BAD_USER_INPUT", resp.Errors)
	}
}

func TestSetHotSkuMovesReservationsToRedis(t *testing.T) {
	flash := newFlash(t)

	s := newSubgraph(t)
	s.exec(t, `INSERT INTO inventory.stock (sku, fulfillment_center_id, on_hand) VALUES ('TV', $1, 3)`, rotterdam)
	store := postgres.NewStore(s.pool)
	res := inventory.NewReservations(store, inventory.WithFlashSale(flash))
	subgraph := inventoryresolvers.NewHandlerWith(store, res, inventoryresolvers.WithGatewaySecret(gatewaySecret))
	h := as(subgraph, staff)

	// A customer cannot move the SKU: it stays on the Postgres path, with nothing in Redis.
	resp := do(t, as(subgraph, customer), setHotMutation, map[string]any{"input": map[string]any{"sku": "TV", "hot": true}})
	if codes := resp.Codes(); len(codes) != 1 || codes[0] != "FORBIDDEN" {
		t.Fatalf("customer setHotSku: %+v, want FORBIDDEN", resp.Errors)
	}
	var hotRows int
	if err := s.pool.QueryRow(t.Context(), `SELECT count(*) FROM inventory.hot_sku`).Scan(&hotRows); err != nil || hotRows != 0 {
		t.Fatalf("hot SKUs after a refused switch = %d (%v), want 0", hotRows, err)
	}
	if onHand, _, err := flash.Counters(context.Background(), "TV"); err != nil || len(onHand) != 0 {
		t.Fatalf("Redis counters of TV after a refused switch = %v (%v), want none", onHand, err)
	}

	var data setHotData
	decode(t, do(t, h, setHotMutation, map[string]any{"input": map[string]any{"sku": "TV", "hot": true}}), &data)
	if p := data.SetHotSku; len(p.UserErrors) != 0 || p.Hot == nil || !*p.Hot || p.Variant == nil || p.Variant.SKU != "TV" {
		t.Fatalf("payload = %+v, want TV hot", p)
	}
	order := ulid.Make().String()
	if _, err := res.Reserve(context.Background(), inventory.ReserveRequest{OrderID: order,
		Lines: []inventory.ReserveLine{{SKU: "TV", Quantity: 3}}}); err != nil {
		t.Fatal(err)
	}
	if _, held, err := flash.Counters(context.Background(), "TV"); err != nil || held[rotterdam] != 3 {
		t.Fatalf("Redis holds %v (%v), want 3 at NL-RTM", held, err)
	}
	// Before the flush Postgres has no row for the hold; the query shows Redis' view.
	var holds holdsData
	decode(t, do(t, h, holdsQuery, map[string]any{"orderId": order}), &holds)
	if len(holds.Holds) != 1 || holds.Holds[0].Quantity != 3 || holds.Holds[0].Status != "ACTIVE" {
		t.Errorf("holds = %+v, want the Redis hold", holds.Holds)
	}
}

// newFlash returns the flash-sale path on the test Redis under a key prefix of the test's own.
func newFlash(t testing.TB) *redis.Flash {
	t.Helper()
	client := redistest.Client(t)
	prefix := redistest.Prefix(t, client, "inventory")
	flash, err := redis.New(client, redis.WithPrefix(prefix))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = flash.Close() })
	return flash
}
