package supergraph

import (
	"os"
	"testing"
)

func loadStore(t testing.TB) *Supergraph {
	t.Helper()
	b, err := os.ReadFile("testdata/store.graphql")
	if err != nil {
		t.Fatal(err)
	}
	sg, err := Parse(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return sg
}

func TestParseGraphs(t *testing.T) {
	sg := loadStore(t)
	want := map[string]string{
		"catalog":   "http://catalog.test/graphql",
		"inventory": "http://inventory.test/graphql",
		"reviews":   "http://reviews.test/graphql",
		"accounts":  "http://accounts.test/graphql",
	}
	if len(sg.Graphs) != len(want) {
		t.Fatalf("got %d graphs, want %d", len(sg.Graphs), len(want))
	}
	for name, url := range want {
		g := sg.Graph(name)
		if g == nil || g.URL != url {
			t.Errorf("graph %s: got %+v, want url %s", name, g, url)
		}
	}
	if sg.MutationType != "Mutation" || sg.QueryType != "Query" {
		t.Errorf("root types: %s %s", sg.QueryType, sg.MutationType)
	}
}

func TestFieldOwnership(t *testing.T) {
	sg := loadStore(t)
	tests := []struct {
		typ, field, graph string
		resolvable        bool
		requires          string
		provides          string
	}{
		{"Product", "name", "catalog", true, "", ""},
		{"Product", "name", "inventory", false, "", ""},
		{"Product", "weight", "inventory", false, "", ""},
		{"Product", "shippingEstimate", "inventory", true, "weight", ""},
		{"Product", "id", "reviews", true, "", ""},
		{"Review", "author", "reviews", true, "", "username"},
		{"User", "username", "reviews", false, "", ""},
	}
	for _, tt := range tests {
		f := sg.Types[tt.typ].Fields[tt.field]
		fg := f.Graphs[tt.graph]
		if got := fg.Resolvable(); got != tt.resolvable {
			t.Errorf("%s.%s in %s: resolvable %v, want %v", tt.typ, tt.field, tt.graph, got, tt.resolvable)
		}
		if fg == nil {
			continue
		}
		if fg.Requires != tt.requires || fg.Provides != tt.provides {
			t.Errorf("%s.%s in %s: requires %q provides %q", tt.typ, tt.field, tt.graph, fg.Requires, fg.Provides)
		}
		if tt.requires != "" && len(fg.RequiresSel) == 0 {
			t.Errorf("%s.%s: requires not parsed", tt.typ, tt.field)
		}
	}
}

func TestKeysAndPossibleTypes(t *testing.T) {
	sg := loadStore(t)
	keys := sg.Types["Product"].Graphs["inventory"].Keys
	if len(keys) != 1 || keys[0].Fields != "id" || !keys[0].Resolvable || len(keys[0].Selection) != 1 {
		t.Fatalf("inventory keys of Product: %+v", keys)
	}
	got := sg.Types["SearchResult"].Possible
	if len(got) != 2 || got[0] != "Category" || got[1] != "Product" {
		t.Errorf("possible types of SearchResult: %v", got)
	}
	if !sg.Types["SearchResult"].Graphs["catalog"].Members["Category"] {
		t.Error("catalog should list Category as a SearchResult member")
	}
}

func TestAPISchemaHidesMachinery(t *testing.T) {
	sg := loadStore(t)
	for _, name := range []string{"join__Graph", "join__FieldSet", "link__Import", "link__Purpose"} {
		if sg.API.Types[name] != nil {
			t.Errorf("API schema exposes %s", name)
		}
	}
	if sg.API.Types["Product"].Fields.ForName("costCode") != nil {
		t.Error("API schema exposes @inaccessible Product.costCode")
	}
	if sg.API.Types["Product"].Fields.ForName("name") == nil {
		t.Error("API schema lost Product.name")
	}
	if sg.API.Directives["join__field"] != nil || sg.API.Directives["link"] != nil {
		t.Error("API schema keeps join/link directives")
	}
}

func TestParseErrors(t *testing.T) {
	tests := map[string]string{
		"syntax":    "type Query {",
		"no graphs": "type Query { a: Int }",
	}
	for name, sdl := range tests {
		if _, err := Parse(sdl); err == nil {
			t.Errorf("%s: expected an error", name)
		}
	}
}
