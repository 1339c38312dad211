package inventory_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

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

func TestDistanceKm(t *testing.T) {
	tests := []struct {
		name     string
		a, b     inventory.Location
		min, max float64
	}{
		{"same point", inventory.Location{Latitude: 52, Longitude: 4}, inventory.Location{Latitude: 52, Longitude: 4}, 0, 0.001},
		{"Amsterdam to Berlin", inventory.Location{Latitude: 52.37, Longitude: 4.90}, inventory.Location{Latitude: 52.52, Longitude: 13.40}, 570, 585},
		{"across the antimeridian", inventory.Location{Latitude: 0, Longitude: 179.5}, inventory.Location{Latitude: 0, Longitude: -179.5}, 110, 112},
		{"pole to pole", inventory.Location{Latitude: 90}, inventory.Location{Latitude: -90}, 20010, 20020},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := inventory.DistanceKm(tt.a, tt.b); d < tt.min || d > tt.max {
				t.Errorf("DistanceKm = %.1f, want between %.0f and %.0f", d, tt.min, tt.max)
			}
		})
	}
}

func TestAllocate(t *testing.T) {
	rtm := inventory.FulfillmentCenter{ID: "rtm", Code: "NL-RTM", Latitude: 51.886, Longitude: 4.431}
	lej := inventory.FulfillmentCenter{ID: "lej", Code: "DE-LEJ", Latitude: 51.4239, Longitude: 12.2364}
	amsterdam := inventory.Location{Latitude: 52.37, Longitude: 4.90}
	stock := func(sku string, rtmAvail, lejAvail int) inventory.Availability {
		return inventory.Availability{SKU: sku, Centers: []inventory.CenterStock{
			{Center: lej, OnHand: lejAvail}, {Center: rtm, OnHand: rtmAvail}}}
	}
	tests := []struct {
		name      string
		lines     []inventory.ReserveLine
		stock     []inventory.Availability
		want      []string // center per line
		wantShort []inventory.UnavailableLine
	}{
		{"nearest first", []inventory.ReserveLine{{SKU: "A", Quantity: 2}}, []inventory.Availability{stock("A", 5, 5)}, []string{"rtm"}, nil},
		{"next nearest when short", []inventory.ReserveLine{{SKU: "A", Quantity: 2}}, []inventory.Availability{stock("A", 1, 5)}, []string{"lej"}, nil},
		{"a line is never split", []inventory.ReserveLine{{SKU: "A", Quantity: 4}}, []inventory.Availability{stock("A", 3, 3)}, nil,
			[]inventory.UnavailableLine{{SKU: "A", Requested: 4, Available: 3}}},
		{"every short line named", []inventory.ReserveLine{{SKU: "A", Quantity: 1}, {SKU: "B", Quantity: 1}, {SKU: "C", Quantity: 9}},
			[]inventory.Availability{stock("A", 1, 0), {SKU: "B"}, stock("C", 2, 1)}, nil,
			[]inventory.UnavailableLine{{SKU: "B", Requested: 1, Available: 0}, {SKU: "C", Requested: 9, Available: 2}}},
		{"holds count", []inventory.ReserveLine{{SKU: "A", Quantity: 1}}, []inventory.Availability{{SKU: "A", Centers: []inventory.CenterStock{
			{Center: rtm, OnHand: 3, Held: 3}, {Center: lej, OnHand: 1}}}}, []string{"lej"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := inventory.Allocate(tt.lines, tt.stock, amsterdam)
			if tt.wantShort != nil {
				var oos *inventory.OutOfStockError
				if !errors.As(err, &oos) || !slices.Equal(oos.Lines, tt.wantShort) {
					t.Fatalf("Allocate = %v, want out of stock %+v", err, tt.wantShort)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i, a := range got {
				if a.FulfillmentCenterID != tt.want[i] || a.Quantity != tt.lines[i].Quantity || a.SKU != tt.lines[i].SKU {
					t.Errorf("line %d allocated %+v, want %d at %s", i, a, tt.lines[i].Quantity, tt.want[i])
				}
			}
		})
	}
}

func TestNormalizeMergesLinesOfOneSKU(t *testing.T) {
	req, err := inventory.ReserveRequest{OrderID: "o-1", Lines: []inventory.ReserveLine{
		{SKU: "B", Quantity: 1}, {SKU: "A", Quantity: 2}, {SKU: "B", Quantity: 3}}}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	want := []inventory.ReserveLine{{SKU: "B", Quantity: 4}, {SKU: "A", Quantity: 2}}
	if !slices.Equal(req.Lines, want) || req.TTL != inventory.DefaultHoldTTL {
		t.Errorf("Normalize = %+v ttl %s, want %+v and the default TTL", req.Lines, req.TTL, want)
	}
}

func TestExistingHolds(t *testing.T) {
	now := time.Now()
	req := inventory.ReserveRequest{OrderID: "o", Lines: []inventory.ReserveLine{{SKU: "A", Quantity: 2}}}
	active := inventory.Hold{SKU: "A", Quantity: 2, Status: inventory.HoldActive, ExpiresAt: now.Add(time.Minute)}
	tests := []struct {
		name     string
		holds    []inventory.Hold
		wantCode string
		wantN    int
	}{
		{"no holds", nil, "", 0},
		{"same holds", []inventory.Hold{active}, "", 1},
		{"holds of other skus only", []inventory.Hold{{SKU: "Z", Quantity: 1, Status: inventory.HoldActive, ExpiresAt: now.Add(time.Minute)}}, "", 0},
		{"released", []inventory.Hold{{SKU: "A", Quantity: 2, Status: inventory.HoldReleased}}, inventory.CodeHoldsReleased, 0},
		{"expired", []inventory.Hold{{SKU: "A", Quantity: 2, Status: inventory.HoldActive, ExpiresAt: now}}, inventory.CodeHoldsExpired, 0},
		{"other quantity", []inventory.Hold{{SKU: "A", Quantity: 3, Status: inventory.HoldActive, ExpiresAt: now.Add(time.Minute)}}, inventory.CodeIdempotencyConflict, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := inventory.ExistingHolds(req, tt.holds, now)
			var state *inventory.HoldStateError
			if tt.wantCode != "" {
				if !errors.As(err, &state) || state.UserErrorCode() != tt.wantCode {
					t.Fatalf("ExistingHolds = %v, want %s", err, tt.wantCode)
				}
				return
			}
			if err != nil || len(got) != tt.wantN {
				t.Errorf("ExistingHolds = %+v, %v; want %d holds", got, err, tt.wantN)
			}
		})
	}
}
