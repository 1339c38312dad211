package inventory_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/shopgraph/shopgraph/subgraphs/inventory"
)

func TestAvailability(t *testing.T) {
	tests := []struct {
		name      string
		centers   []inventory.CenterStock
		wantTotal int
		wantIn    bool
	}{
		{"no stock rows", nil, 0, false},
		{"sold out", []inventory.CenterStock{{OnHand: 0}}, 0, false},
		{"holds take part", []inventory.CenterStock{{OnHand: 10, Held: 4}}, 6, true},
		{"holds take all", []inventory.CenterStock{{OnHand: 4, Held: 4}}, 0, false},
		{"holds above stock floor at zero", []inventory.CenterStock{{OnHand: 2, Held: 5}, {OnHand: 3}}, 3, true},
		{"sums centers", []inventory.CenterStock{{OnHand: 1}, {OnHand: 7, Held: 2}, {OnHand: 0}}, 6, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := inventory.Availability{SKU: "SKU-1", Centers: tt.centers}
			if got := a.Total(); got != tt.wantTotal {
				t.Errorf("Total() = %d, want %d", got, tt.wantTotal)
			}
			if got := a.InStock(); got != tt.wantIn {
				t.Errorf("InStock() = %v, want %v", got, tt.wantIn)
			}
		})
	}
}

func TestAnyInStock(t *testing.T) {
	out := inventory.Availability{Centers: []inventory.CenterStock{{OnHand: 1, Held: 1}}}
	in := inventory.Availability{Centers: []inventory.CenterStock{{OnHand: 1}}}
	if inventory.AnyInStock(nil) {
		t.Error("a product without variants is in stock")
	}
	if inventory.AnyInStock([]inventory.Availability{out, out}) {
		t.Error("a product whose variants are all held is in stock")
	}
	if !inventory.AnyInStock([]inventory.Availability{out, in}) {
		t.Error("a product with one available variant is not in stock")
	}
}

func TestRestockValidate(t *testing.T) {
	const center = "01KE6P4YM0YFZMTH8Y8AF1G8GN"
	tests := []struct {
		name      string
		restock   inventory.Restock
		wantField string // "" when valid
	}{
		{"valid", inventory.Restock{SKU: "TSHIRT-RED-M", FulfillmentCenterID: center, Quantity: 5}, ""},
		{"largest quantity", inventory.Restock{SKU: "A", FulfillmentCenterID: center, Quantity: inventory.MaxRestockQuantity}, ""},
		{"zero quantity", inventory.Restock{SKU: "A", FulfillmentCenterID: center, Quantity: 0}, "quantity"},
		{"negative quantity", inventory.Restock{SKU: "A", FulfillmentCenterID: center, Quantity: -3}, "quantity"},
		{"quantity too large", inventory.Restock{SKU: "A", FulfillmentCenterID: center, Quantity: inventory.MaxRestockQuantity + 1}, "quantity"},
		{"empty sku", inventory.Restock{SKU: "", FulfillmentCenterID: center, Quantity: 1}, "sku"},
		{"sku with space", inventory.Restock{SKU: "A B", FulfillmentCenterID: center, Quantity: 1}, "sku"},
		{"sku with control character", inventory.Restock{SKU: "A\x00", FulfillmentCenterID: center, Quantity: 1}, "sku"},
		{"sku too long", inventory.Restock{SKU: strings.Repeat("A", inventory.MaxSKULength+1), FulfillmentCenterID: center, Quantity: 1}, "sku"},
		{"sequence number as center", inventory.Restock{SKU: "A", FulfillmentCenterID: "42", Quantity: 1}, "fulfillmentCenterId"},
		{"lowercase garbage center", inventory.Restock{SKU: "A", FulfillmentCenterID: "01ke6p4ym0yfzmth8y8af1g8g!", Quantity: 1}, "fulfillmentCenterId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.restock.Validate()
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var inputErr *inventory.InputError
			if !errors.As(err, &inputErr) {
				t.Fatalf("Validate() = %v, want *InputError", err)
			}
			if inputErr.Field != tt.wantField || inputErr.UserErrorCode() != "BAD_USER_INPUT" {
				t.Errorf("Validate() field %q code %q, want field %q code BAD_USER_INPUT", inputErr.Field, inputErr.UserErrorCode(), tt.wantField)
			}
		})
	}
}
