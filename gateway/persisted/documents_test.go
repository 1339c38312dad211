package persisted

import (
	"strings"
	"testing"
)

func TestBuildManifest(t *testing.T) {
	files := map[string]string{
		"product.graphql": `
# The product page.
query ProductPage($id: ID!) { product(id: $id) { ...ProductCard reviews { ...Review } } }
fragment ProductCard on Product { id ...Price }`,
		"fragments.graphql": `
fragment Price on Product { price { amount } }
fragment Review on Review { body }
fragment Unused on Product { name }`,
		"cart.graphql": `mutation AddToCart { addToCart(input: {sku: "x"}) { cart { id } } }`,
	}
	m, err := BuildManifest(files)
	if err != nil {
		t.Fatal(err)
	}
	if m.Format != ManifestFormat || m.Version != 1 || len(m.Operations) != 2 {
		t.Fatalf("manifest %+v", m)
	}
	cart, page := m.Operations[0], m.Operations[1]
	if cart.Name != "AddToCart" || cart.Type != "mutation" || page.Name != "ProductPage" || page.Type != "query" {
		t.Fatalf("operations %+v", m.Operations)
	}
	for _, want := range []string{"fragment ProductCard on Product", "fragment Price on Product", "fragment Review on Review"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("ProductPage lacks %q:\n%s", want, page.Body)
		}
	}
	if strings.Contains(page.Body, "Unused") || strings.Contains(cart.Body, "fragment") || strings.Contains(page.Body, "#") {
		t.Errorf("documents hold more than they use:\n%s\n%s", page.Body, cart.Body)
	}
	if strings.Index(page.Body, "fragment Price") > strings.Index(page.Body, "fragment ProductCard") {
		t.Errorf("fragments are not sorted by name:\n%s", page.Body)
	}
	for _, op := range m.Operations {
		if op.ID != Hash(op.Body) {
			t.Errorf("%s: id is not the sha256 of the body", op.Name)
		}
	}
	// The manifest loads, and reformatting the sources keeps the ids.
	b := apolloManifest(t, m.Operations...)
	if docs, _, err := ParseManifest(b); err != nil || len(docs) != 2 {
		t.Fatalf("built manifest does not load: %v", err)
	}
	files["cart.graphql"] = "mutation AddToCart {\n  addToCart(input: { sku: \"x\" }) {\n    cart { id }\n  }\n}\n"
	again, err := BuildManifest(files)
	if err != nil || again.Operations[0].ID != cart.ID {
		t.Errorf("reformatting changed the id: %v", err)
	}
}

func TestBuildManifestErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"anonymous", map[string]string{"a.graphql": "{ products { id } }"}, "a.graphql:1: an operation needs a name"},
		{"duplicate operation", map[string]string{"a.graphql": "query A { x }", "b.graphql": "query A { y }"}, "operation A is also defined in a.graphql"},
		{"duplicate fragment", map[string]string{"a.graphql": "fragment F on P { x }", "b.graphql": "fragment F on P { y }"}, "fragment F is also defined in a.graphql"},
		{"unknown fragment", map[string]string{"a.graphql": "query A { x { ...G } }"}, "operation A: unknown fragment G"},
		{"syntax", map[string]string{"a.graphql": "query A {"}, "a.graphql:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := BuildManifest(tt.files)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
