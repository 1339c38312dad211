package inventoryresolvers_test

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/oklog/ulid/v2"
)

const restockMutation = `mutation($input: RestockInput!) {
	restock(input: $input) {
		variant { sku availability { total } }
		stockLevel { fulfillmentCenter { code } onHand available updatedAt }
		userErrors { code message field }
	}
}`

type restockPayload struct {
	Variant *struct {
		SKU          string `json:"sku"`
		Availability struct{ Total int }
	}
	StockLevel *struct {
		FulfillmentCenter struct{ Code string }
		OnHand            int
		Available         int
		UpdatedAt         string
	}
	UserErrors []struct {
		Code    string
		Message string
		Field   []string
	}
}

func restockInput(sku, center string, quantity int) map[string]any {
	return map[string]any{"input": map[string]any{"sku": sku, "fulfillmentCenterId": center, "quantity": quantity}}
}

func TestRestockMutation(t *testing.T) {
	s := newSubgraph(t)
	s.exec(t, `INSERT INTO inventory.stock (sku, fulfillment_center_id, on_hand) VALUES ('CAP-1', $1, 1)`, leipzig)
	var data struct{ Restock restockPayload }
	decode(t, do(t, s.staff, restockMutation, restockInput("CAP-1", rotterdam, 4)), &data)
	got := data.Restock
	if len(got.UserErrors) != 0 || got.Variant == nil || got.StockLevel == nil {
		t.Fatalf("restock = %+v, want a variant and a stock level", got)
	}
	if got.Variant.SKU != "CAP-1" || got.Variant.Availability.Total != 5 {
		t.Errorf("variant = %+v, want CAP-1 with 5 available across centers", got.Variant)
	}
	if sl := got.StockLevel; sl.FulfillmentCenter.Code != "NL-RTM" || sl.OnHand != 4 || sl.Available != 4 || sl.UpdatedAt == "" {
		t.Errorf("stock level = %+v, want 4 on hand at NL-RTM", sl)
	}
}

func TestRestockRefusals(t *testing.T) {
	s := newSubgraph(t)
	unknownCenter := ulid.Make().String()
	tests := []struct {
		name          string
		vars          map[string]any
		wantTopLevel  string // extensions.code of a top-level error, or ""
		wantUserError string // userErrors[0].code, or ""
		wantField     []string
	}{
		{"zero quantity", restockInput("CAP-1", rotterdam, 0), "BAD_USER_INPUT", "", nil},
		{"negative quantity", restockInput("CAP-1", rotterdam, -5), "BAD_USER_INPUT", "", nil},
		{"malformed center id", restockInput("CAP-1", "12", 1), "BAD_USER_INPUT", "", nil},
		{"empty sku", restockInput("", rotterdam, 1), "BAD_USER_INPUT", "", nil},
		{"quantity not an int", map[string]any{"input": map[string]any{"sku": "CAP-1", "fulfillmentCenterId": rotterdam, "quantity": "many"}}, "GRAPHQL_VALIDATION_FAILED", "", nil},
		{"quantity above one delivery", restockInput("CAP-1", rotterdam, 1_000_001), "BAD_USER_INPUT", "", nil},
		{"unknown center", restockInput("CAP-1", unknownCenter, 1), "", "UNKNOWN_FULFILLMENT_CENTER", []string{"input", "fulfillmentCenterId"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := do(t, s.staff, restockMutation, tt.vars)
			if tt.wantTopLevel != "" {
				if !slices.Equal(resp.Codes(), []string{tt.wantTopLevel}) {
					t.Fatalf("errors = %+v, want one %s", resp.Errors, tt.wantTopLevel)
				}
				if msg := resp.Errors[0].Message; strings.Contains(msg, "inventory.") || strings.Contains(msg, "SQL") {
					t.Errorf("error message leaks internals: %q", msg)
				}
				return
			}
			var data struct{ Restock restockPayload }
			decode(t, resp, &data)
			ue := data.Restock.UserErrors
			if len(ue) != 1 || ue[0].Code != tt.wantUserError || !slices.Equal(ue[0].Field, tt.wantField) || ue[0].Message == "" {
				t.Fatalf("userErrors = %+v, want %s on %v", ue, tt.wantUserError, tt.wantField)
			}
			if data.Restock.Variant != nil || data.Restock.StockLevel != nil {
				t.Errorf("refused restock returned a result: %+v", data.Restock)
			}
		})
	}
	var rows int
	if err := s.pool.QueryRow(t.Context(), `SELECT count(*) FROM inventory.stock`).Scan(&rows); err != nil || rows != 0 {
		t.Errorf("refused restocks left %d stock rows (%v)", rows, err)
	}
}

// Mutation fields run one after another; each must see the stock the previous one left, not a
// value the request loaded earlier.
func TestRestockTwiceInOneOperation(t *testing.T) {
	s := newSubgraph(t)
	resp := do(t, s.staff, `mutation($c: ID!) {
		a: restock(input: {sku: "BAG-1", fulfillmentCenterId: $c, quantity: 2}) { variant { availability { total } } }
		b: restock(input: {sku: "BAG-1", fulfillmentCenterId: $c, quantity: 3}) { variant { availability { total } } }
	}`, map[string]any{"c": rotterdam})
	var data struct {
		A, B struct {
			Variant struct{ Availability struct{ Total int } }
		}
	}
	decode(t, resp, &data)
	if data.A.Variant.Availability.Total != 2 || data.B.Variant.Availability.Total != 5 {
		t.Errorf("totals after each restock = %d, %d, want 2, 5", data.A.Variant.Availability.Total, data.B.Variant.Availability.Total)
	}
}

func TestConcurrentRestocksThroughTheAPI(t *testing.T) {
	s := newSubgraph(t)
	const clients, each = 12, 10
	var wg sync.WaitGroup
	failures := make(chan string, clients*each)
	for c := range clients {
		wg.Go(func() {
			for range each {
				resp := do(t, s.staff, restockMutation, restockInput("SOCK-1", rotterdam, c+1))
				if len(resp.Errors) > 0 {
					failures <- resp.Errors[0].Message
				}
			}
		})
	}
	wg.Wait()
	close(failures)
	for f := range failures {
		t.Fatalf("restock failed: %s", f)
	}
	want := 0
	for c := range clients {
		want += each * (c + 1)
	}
	var onHand int
	if err := s.pool.QueryRow(t.Context(), `SELECT on_hand FROM inventory.stock WHERE sku = 'SOCK-1'`).Scan(&onHand); err != nil {
		t.Fatal(err)
	}
	if onHand != want {
		t.Errorf("on hand after concurrent restocks = %d, want %d", onHand, want)
	}
}
