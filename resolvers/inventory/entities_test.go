package inventoryresolvers_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/oklog/ulid/v2"
)

const entitiesQuery = `query($representations: [_Any!]!) {
	_entities(representations: $representations) {
		__typename
		... on Variant { sku inStock availability { total fulfillmentCenters { fulfillmentCenter { id name } available } } }
		... on Product { id inStock }
		... on FulfillmentCenter { id code name }
	}
}`

type centerAvailability struct {
	FulfillmentCenter struct{ ID, Name string } `json:"fulfillmentCenter"`
	Available         int                       `json:"available"`
}

type entity struct {
	Typename     string `json:"__typename"`
	SKU          string `json:"sku"`
	ID           string `json:"id"`
	Code         string `json:"code"`
	Name         string `json:"name"`
	InStock      *bool  `json:"inStock"`
	Availability *struct {
		Total              int                  `json:"total"`
		FulfillmentCenters []centerAvailability `json:"fulfillmentCenters"`
	} `json:"availability"`
}

func variantRep(sku string) map[string]any {
	return map[string]any{"__typename": "Variant", "sku": sku}
}

func productRep(id string, skus ...string) map[string]any {
	variants := make([]any, len(skus))
	for i, sku := range skus {
		variants[i] = map[string]any{"sku": sku}
	}
	return map[string]any{"__typename": "Product", "id": id, "variants": variants}
}

func TestEntities(t *testing.T) {
	s := newSubgraph(t)
	s.exec(t, `INSERT INTO inventory.stock (sku, fulfillment_center_id, on_hand) VALUES
		('TEE-M', $1, 4), ('TEE-M', $2, 1), ('TEE-L', $1, 2), ('TEE-S', $1, 0)`, rotterdam, leipzig)
	// TEE-L is fully held: on hand but not available.
	s.exec(t, `INSERT INTO inventory.hold (id, order_id, sku, fulfillment_center_id, quantity, expires_at)
		VALUES ($1, 'order-1', 'TEE-L', $2, 2, now() + interval '10 minutes')`, ulid.Make().String(), rotterdam)

	reps := []any{
		variantRep("TEE-M"),
		productRep("prod-sold-out", "TEE-L", "TEE-S"),
		variantRep("UNKNOWN-SKU"),
		map[string]any{"__typename": "FulfillmentCenter", "id": leipzig},
		productRep("prod-tee", "TEE-S", "TEE-M"),
		variantRep("TEE-L"),
		productRep("prod-empty"),
	}
	var data struct {
		Entities []entity `json:"_entities"`
	}
	decode(t, do(t, s.handler, entitiesQuery, map[string]any{"representations": reps}), &data)
	got := data.Entities
	if len(got) != len(reps) {
		t.Fatalf("%d entities for %d representations", len(got), len(reps))
	}

	type want struct {
		typename, key string
		inStock       bool
		total         int
		centers       []string // "name=available"
	}
	wants := []want{
		{"Variant", "TEE-M", true, 5, []string{"Leipzig Schkeuditz=1", "Rotterdam Waalhaven=4"}},
		{"Product", "prod-sold-out", false, 0, nil},
		{"Variant", "UNKNOWN-SKU", false, 0, []string{}},
		{"FulfillmentCenter", leipzig, false, 0, nil},
		{"Product", "prod-tee", true, 0, nil},
		{"Variant", "TEE-L", false, 0, []string{"Rotterdam Waalhaven=0"}},
		{"Product", "prod-empty", false, 0, nil},
	}
	for i, w := range wants {
		e := got[i]
		key := e.SKU + e.ID
		if e.Typename != w.typename || key != w.key {
			t.Errorf("entity %d = %s %q, want %s %q (order must follow representations)", i, e.Typename, key, w.typename, w.key)
			continue
		}
		switch e.Typename {
		case "Variant":
			centers := []string{}
			for _, c := range e.Availability.FulfillmentCenters {
				centers = append(centers, fmt.Sprintf("%s=%d", c.FulfillmentCenter.Name, c.Available))
			}
			if *e.InStock != w.inStock || e.Availability.Total != w.total || !reflect.DeepEqual(centers, w.centers) {
				t.Errorf("%s: inStock %v total %d centers %v, want %v %d %v", key, *e.InStock, e.Availability.Total, centers, w.inStock, w.total, w.centers)
			}
		case "Product":
			if *e.InStock != w.inStock {
				t.Errorf("%s: inStock %v, want %v", key, *e.InStock, w.inStock)
			}
		case "FulfillmentCenter":
			if e.Code != "DE-LEJ" || e.Name != "Leipzig Schkeuditz" {
				t.Errorf("fulfillment center = %+v", e)
			}
		}
	}
}

// Malformed representations get a clear error on their own entity; the others still resolve.
func TestEntitiesRejectMalformedRepresentations(t *testing.T) {
	s := newSubgraph(t)
	s.exec(t, `INSERT INTO inventory.stock (sku, fulfillment_center_id, on_hand) VALUES ('OK', $1, 3)`, rotterdam)
	tests := []struct {
		name     string
		rep      map[string]any
		wantCode string
		wantMsg  string
	}{
		{"empty sku", variantRep(""), "BAD_USER_INPUT", "sku must not be empty"},
		{"sku too long", variantRep(strings.Repeat("X", 65)), "BAD_USER_INPUT", "at most 64"},
		{"product without variants", map[string]any{"__typename": "Product", "id": "p1"}, "BAD_USER_INPUT", "lacks variants"},
		{"variants not a list", map[string]any{"__typename": "Product", "id": "p1", "variants": "OK"}, "BAD_USER_INPUT", "must be a list"},
		{"variant sku not a string", map[string]any{"__typename": "Product", "id": "p1", "variants": []any{map[string]any{"sku": 7}}}, "BAD_USER_INPUT", "variants[0].sku"},
		{"variant not an object", map[string]any{"__typename": "Product", "id": "p1", "variants": []any{"OK"}}, "BAD_USER_INPUT", "variants[0].sku"},
		{"center id not a ulid", map[string]any{"__typename": "FulfillmentCenter", "id": "42"}, "BAD_USER_INPUT", "not a valid id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := do(t, s.handler, entitiesQuery, map[string]any{"representations": []any{tt.rep, variantRep("OK")}})
			if len(resp.Errors) != 1 || resp.Errors[0].Extensions["code"] != tt.wantCode || !strings.Contains(resp.Errors[0].Message, tt.wantMsg) {
				t.Fatalf("errors = %+v, want one %s containing %q", resp.Errors, tt.wantCode, tt.wantMsg)
			}
			var data struct {
				Entities []*entity `json:"_entities"`
			}
			if err := json.Unmarshal(resp.Data, &data); err != nil {
				t.Fatal(err)
			}
			if len(data.Entities) != 2 || data.Entities[0] != nil || data.Entities[1] == nil || data.Entities[1].Availability.Total != 3 {
				t.Errorf("entities = %s, want null for the bad one and the good one resolved", resp.Data)
			}
		})
	}
}

func TestEntitiesUnknownCenterIsNull(t *testing.T) {
	s := newSubgraph(t)
	var data struct {
		Entities []*entity `json:"_entities"`
	}
	rep := map[string]any{"__typename": "FulfillmentCenter", "id": ulid.Make().String()}
	decode(t, do(t, s.handler, entitiesQuery, map[string]any{"representations": []any{rep}}), &data)
	if len(data.Entities) != 1 || data.Entities[0] != nil {
		t.Errorf("unknown fulfillment center resolved to %+v, want null", data.Entities)
	}
}

func TestFulfillmentCentersQuery(t *testing.T) {
	s := newSubgraph(t)
	var data struct {
		FulfillmentCenters []struct {
			ID, Code            string
			Latitude, Longitude float64
		}
	}
	decode(t, do(t, s.handler, `{ fulfillmentCenters { id code latitude longitude } }`, nil), &data)
	var codes []string
	for _, c := range data.FulfillmentCenters {
		codes = append(codes, c.Code)
	}
	if !slices.Equal(codes, []string{"DE-LEJ", "NL-RTM"}) || data.FulfillmentCenters[1].Longitude != 4.431 {
		t.Errorf("fulfillmentCenters = %+v, want DE-LEJ then NL-RTM", data.FulfillmentCenters)
	}
}
