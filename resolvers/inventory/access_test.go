package inventoryresolvers_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/oklog/ulid/v2"

	inventoryresolvers "github.com/shopgraph/shopgraph/resolvers/inventory"
	"github.com/shopgraph/shopgraph/subgraphs/inventory"
	"github.com/shopgraph/shopgraph/subgraphs/inventory/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/trust"
)

// forgedStaff is a customer's signed headers with the role raised on the way.
func forgedStaff(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		trust.NewSigner(gatewaySecret).SignCaller(r.Header, customer)
		r.Header.Set(trust.HeaderRole, trust.RoleStaff)
		h.ServeHTTP(w, r)
	})
}

// signedWith signs the caller's headers with a secret that is not the gateway's.
func signedWith(secret []byte, c trust.Caller, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		trust.NewSigner(secret).SignCaller(r.Header, c)
		h.ServeHTTP(w, r)
	})
}

// stockSnapshot is every stock row, hot SKU and outbox event, in a stable order.
func (s *subgraph) stockSnapshot(t *testing.T) []string {
	t.Helper()
	rows, err := s.pool.Query(t.Context(), `
		SELECT 'stock ' || sku || ' ' || fulfillment_center_id || ' ' || on_hand || ' ' || updated_at FROM inventory.stock
		UNION ALL SELECT 'hot ' || sku FROM inventory.hot_sku
		UNION ALL SELECT 'outbox ' || id FROM inventory.outbox
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestOperatorMutationsAreForStaff(t *testing.T) {
	s := newSubgraph(t)
	s.exec(t, `INSERT INTO inventory.stock (sku, fulfillment_center_id, on_hand) VALUES ('CAP-1', $1, 3)`, rotterdam)
	before := s.stockSnapshot(t)
	unconfigured := inventoryresolvers.NewHandler(postgres.NewStore(s.pool))

	restock := func(h http.Handler) response {
		return do(t, h, restockMutation, restockInput("CAP-1", rotterdam, 5))
	}
	setHot := func(h http.Handler) response {
		return do(t, h, setHotMutation, map[string]any{"input": map[string]any{"sku": "CAP-1", "hot": true}})
	}
	tests := []struct {
		name   string
		call   func(http.Handler) response
		caller http.Handler
		want   string
	}{
		{"restock as a guest", restock, s.handler, "UNAUTHENTICATED"},
		{"restock as a customer", restock, as(s.handler, customer), "FORBIDDEN"},
		{"restock by a customer raising the role", restock, forgedStaff(s.handler), "UNAUTHENTICATED"},
		{"restock as staff signed with another secret", restock, signedWith([]byte("not-the-gateway-secret-0123456789"), staff, s.handler), "UNAUTHENTICATED"},
		{"restock on a handler without a secret", restock, as(unconfigured, staff), "UNAUTHENTICATED"},
		{"setHotSku as a guest", setHot, s.handler, "UNAUTHENTICATED"},
		{"setHotSku as a customer", setHot, as(s.handler, customer), "FORBIDDEN"},
		{"setHotSku by a customer raising the role", setHot, forgedStaff(s.handler), "UNAUTHENTICATED"},
		{"setHotSku on a handler without a secret", setHot, as(unconfigured, staff), "UNAUTHENTICATED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := tt.call(tt.caller)
			if !slices.Equal(resp.Codes(), []string{tt.want}) {
				t.Fatalf("errors = %+v, want one %s", resp.Errors, tt.want)
			}
			if resp.Errors[0].Message == "" {
				t.Error("refusal without a message")
			}
			if string(resp.Data) != "null" && len(resp.Data) != 0 {
				t.Errorf("refused mutation returned data: %s", resp.Data)
			}
		})
	}
	if after := s.stockSnapshot(t); !slices.Equal(after, before) {
		t.Errorf("refused mutations changed stock:\nbefore %q\nafter  %q", before, after)
	}

	// The same requests signed for staff go through: the refusals above were the caller's.
	var data struct{ Restock restockPayload }
	decode(t, restock(s.staff), &data)
	if sl := data.Restock.StockLevel; sl == nil || sl.OnHand != 8 {
		t.Errorf("staff restock = %+v, want 8 on hand", data.Restock)
	}
	var hot setHotData
	decode(t, setHot(s.staff), &hot)
	if ue := hot.SetHotSku.UserErrors; len(ue) != 1 || ue[0].Code != "FLASH_SALE_DISABLED" {
		t.Errorf("staff setHotSku = %+v, want FLASH_SALE_DISABLED from a store without a flash-sale path", hot.SetHotSku)
	}
}

// An order's holds are for operators: a guest or a customer learns nothing of them, not even
// whether the order exists, whatever the order id.
func TestHoldsAreForStaff(t *testing.T) {
	s := newSubgraph(t)
	s.exec(t, `INSERT INTO inventory.stock (sku, fulfillment_center_id, on_hand) VALUES ('CAP-1', $1, 3)`, rotterdam)
	order := ulid.Make().String()
	if _, err := inventory.NewReservations(postgres.NewStore(s.pool)).Reserve(context.Background(), inventory.ReserveRequest{
		OrderID: order, Lines: []inventory.ReserveLine{{SKU: "CAP-1", Quantity: 1}}}); err != nil {
		t.Fatal(err)
	}
	unconfigured := inventoryresolvers.NewHandler(postgres.NewStore(s.pool))
	tests := []struct {
		name    string
		caller  http.Handler
		orderID string
		want    string
	}{
		{"guest", s.handler, order, "UNAUTHENTICATED"},
		{"guest with a malformed id", s.handler, "has space", "UNAUTHENTICATED"},
		{"customer", as(s.handler, customer), order, "FORBIDDEN"},
		{"customer with an unknown order", as(s.handler, customer), ulid.Make().String(), "FORBIDDEN"},
		{"customer raising the role", forgedStaff(s.handler), order, "UNAUTHENTICATED"},
		{"staff signed with another secret", signedWith([]byte("not-the-gateway-secret-0123456789"), staff, s.handler), order, "UNAUTHENTICATED"},
		{"staff on a handler without a secret", as(unconfigured, staff), order, "UNAUTHENTICATED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := do(t, tt.caller, holdsQuery, map[string]any{"orderId": tt.orderID})
			if !slices.Equal(resp.Codes(), []string{tt.want}) {
				t.Fatalf("errors = %+v, want one %s", resp.Errors, tt.want)
			}
			if resp.Errors[0].Message == "" {
				t.Error("refusal without a message")
			}
			if string(resp.Data) != "null" && len(resp.Data) != 0 {
				t.Errorf("refused query returned data: %s", resp.Data)
			}
		})
	}

	var data holdsData
	decode(t, do(t, s.staff, holdsQuery, map[string]any{"orderId": order}), &data)
	if len(data.Holds) != 1 || data.Holds[0].Variant.SKU != "CAP-1" || data.Holds[0].OrderID != order {
		t.Errorf("staff holds = %+v, want the order's CAP-1 hold", data.Holds)
	}
}
