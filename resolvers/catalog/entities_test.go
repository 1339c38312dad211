package catalogresolvers_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestServiceSDLDeclaresFederationKeys(t *testing.T) {
	f := newCatalog(t, 0)
	var out struct {
		Service struct{ SDL string } `json:"_service"`
	}
	data(t, f.handler, `{ _service { sdl } }`, nil, &out)
	for _, want := range []string{
		`@link(`, `url: "https://specs.apollo.dev/federation/v2.7"`,
		`type Product @key(fields: "id")`,
		`type Variant @key(fields: "sku")`,
		`type Money @shareable`,
	} {
		if !strings.Contains(out.Service.SDL, want) {
			t.Errorf("sdl lacks %q", want)
		}
	}
}

const entitiesQuery = `query($reps: [_Any!]!) {
	_entities(representations: $reps) {
		__typename
		... on Product { id title }
		... on Variant { sku product { id } }
	}
}`

func TestEntitiesKeepOrderAndAnswerUnknownWithNull(t *testing.T) {
	f := newCatalog(t, 50)
	ids := f.column(t, `SELECT id FROM catalog.product ORDER BY id LIMIT 3`)
	owner := f.column(t, `SELECT product_id FROM catalog.variant WHERE sku = $1`, f.skus[7])[0]
	reps := []map[string]any{
		{"__typename": "Product", "id": ids[2]},
		{"__typename": "Product", "id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}, // well formed, unknown
		{"__typename": "Variant", "sku": f.skus[7]},
		{"__typename": "Product", "id": strings.ToLower(ids[0])}, // ULIDs are case-insensitive
		{"__typename": "Variant", "sku": "NO-SUCH-SKU"},
		{"__typename": "Product", "id": ids[1]},
	}
	resp := do(t, f.handler, entitiesQuery, map[string]any{"reps": reps})
	if len(resp.Errors) > 0 {
		t.Fatalf("errors: %+v", resp.Errors)
	}
	var out struct {
		Entities []*struct {
			Typename string `json:"__typename"`
			ID       string
			Title    string
			SKU      string
			Product  struct{ ID string }
		} `json:"_entities"`
	}
	if err := json.Unmarshal(resp.Data, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Entities) != len(reps) {
		t.Fatalf("%d entities for %d representations", len(out.Entities), len(reps))
	}
	e := out.Entities
	if e[0] == nil || e[0].ID != ids[2] || e[0].Title == "" {
		t.Errorf("entity 0 = %+v, want product %s", e[0], ids[2])
	}
	if e[1] != nil {
		t.Errorf("unknown product = %+v, want null", e[1])
	}
	if e[2] == nil || e[2].SKU != f.skus[7] || e[2].Product.ID != owner {
		t.Errorf("entity 2 = %+v, want variant %s of %s", e[2], f.skus[7], owner)
	}
	if e[3] == nil || e[3].ID != ids[0] {
		t.Errorf("entity 3 = %+v, want product %s", e[3], ids[0])
	}
	if e[4] != nil {
		t.Errorf("unknown variant = %+v, want null", e[4])
	}
	if e[5] == nil || e[5].ID != ids[1] {
		t.Errorf("entity 5 = %+v, want product %s", e[5], ids[1])
	}
}

func TestEntitiesRejectMalformedProductID(t *testing.T) {
	f := newCatalog(t, 5)
	ids := f.column(t, `SELECT id FROM catalog.product ORDER BY id LIMIT 1`)
	resp := do(t, f.handler, entitiesQuery, map[string]any{"reps": []map[string]any{
		{"__typename": "Product", "id": ids[0]},
		{"__typename": "Product", "id": "42"},
	}})
	if codes := resp.Codes(); !slices.Equal(codes, []string{"BAD_USER_INPUT"}) {
		t.Fatalf("codes = %v (%+v), want one BAD_USER_INPUT", codes, resp.Errors)
	}
	if strings.Contains(resp.Errors[0].Message, "SELECT") {
		t.Errorf("message leaks SQL: %q", resp.Errors[0].Message)
	}
}

func TestMalformedRepresentationsAreBadUserInput(t *testing.T) {
	f := newCatalog(t, 1)
	for _, rep := range []map[string]any{
		{"__typename": "Product"},
		{"__typename": "Product", "id": 123},
		{"__typename": "Product", "id": strings.Repeat("7", 10_000)},
		{"__typename": "Variant", "sku": nil},
		{"__typename": "Warehouse", "id": "x"},
	} {
		resp := do(t, f.handler, entitiesQuery, map[string]any{"reps": []map[string]any{rep}})
		if codes := resp.Codes(); !slices.Equal(codes, []string{"BAD_USER_INPUT"}) {
			t.Errorf("%v: codes = %v (%+v), want BAD_USER_INPUT", rep, codes, resp.Errors)
		}
	}
}
