package cache

import (
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/shopgraph/shopgraph/gateway/compose"
	"github.com/shopgraph/shopgraph/gateway/operation"
	"github.com/shopgraph/shopgraph/gateway/supergraph"
)

const policyHeader = `extend schema
  @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@composeDirective"])
  @link(url: "https://shopgraph.dev/cache/v0.1", import: ["@cacheControl"])
  @composeDirective(name: "@cacheControl")
enum CacheControlScope { PUBLIC PRIVATE }
directive @cacheControl(maxAge: Int, scope: CacheControlScope, inheritMaxAge: Boolean) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION
`

const policySDL = policyHeader + `
type Query {
  product(id: ID!): Product @cacheControl(maxAge: 120)
  plain: Product
  count: Int
  hinted: Int @cacheControl(maxAge: 30)
  me: Customer @cacheControl(maxAge: 50)
  search: SearchResult @cacheControl(maxAge: 10)
}
type Product @key(fields: "id") @cacheControl(maxAge: 60) {
  id: ID!
  title: String
  stock: Int @cacheControl(maxAge: 5)
  price: Money @cacheControl(inheritMaxAge: true)
  brand: Brand
  related: Product
  secret: String @cacheControl(scope: PRIVATE)
}
type Money { amount: Int }
type Brand { name: String }
type Customer @cacheControl(scope: PRIVATE) { email: String }
type SearchResult @cacheControl(inheritMaxAge: true) { items: [Product!]! }
`

func policyGraph(t *testing.T, overrides map[string]Hint) (*supergraph.Supergraph, *Policies) {
	t.Helper()
	sdl, err := compose.Compose([]compose.Subgraph{{Name: "catalog", URL: "http://catalog", SDL: policySDL}})
	if err != nil {
		t.Fatal(err)
	}
	sg, err := supergraph.Parse(sdl)
	if err != nil {
		t.Fatal(err)
	}
	return sg, NewPolicies(sg, overrides)
}

func normalize(t *testing.T, sg *supergraph.Supergraph, query string) *operation.Operation {
	t.Helper()
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		t.Fatal(err)
	}
	op, err := operation.Normalize(sg.API, doc, doc.Operations[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	return op
}

func TestOperationPolicy(t *testing.T) {
	sg, policies := policyGraph(t, nil)
	tests := []struct {
		name   string
		query  string
		maxAge int
		scope  Scope
	}{
		{"root field hint, scalar fields inherit", `{ product(id: "1") { id title } }`, 120, Public},
		{"minimum over fields", `{ product(id: "1") { title stock } }`, 5, Public},
		{"root field without hint takes its type's", `{ plain { title } }`, 60, Public},
		{"root scalar without hint is 0", `{ count }`, 0, Public},
		{"root scalar with hint", `{ hinted }`, 30, Public},
		{"two root fields: the smaller", `{ hinted product(id: "1") { title } }`, 30, Public},
		{"composite field without hint is 0", `{ product(id: "1") { brand { name } } }`, 0, Public},
		{"composite field takes its type's hint", `{ product(id: "1") { related { title } } }`, 60, Public},
		{"inheritMaxAge on a field", `{ product(id: "1") { price { amount } } }`, 120, Public},
		{"inheritMaxAge on a type", `{ search { items { title } } }`, 10, Public},
		{"PRIVATE type", `{ me { email } }`, 50, Private},
		{"PRIVATE field", `{ product(id: "1") { secret } }`, 120, Private},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := policies.Operation(normalize(t, sg, tt.query))
			if got.MaxAge != time.Duration(tt.maxAge)*time.Second || got.Scope != tt.scope {
				t.Fatalf("policy = %v %v, want %ds %v", got.MaxAge, got.Scope, tt.maxAge, tt.scope)
			}
		})
	}
}

func TestMutationsHaveNoPolicy(t *testing.T) {
	_, policies := policyGraph(t, nil)
	if p := policies.Operation(&operation.Operation{Kind: ast.Mutation}); p.Cacheable() {
		t.Fatalf("mutation policy %+v", p)
	}
}

func TestOverridesReplaceHints(t *testing.T) {
	sg, policies := policyGraph(t, map[string]Hint{
		"Product.stock": Seconds(1, Public),
		"Query.plain":   Seconds(90, Public),
		"Brand":         Seconds(20, Private),
	})
	for _, tt := range []struct {
		query  string
		maxAge int
		scope  Scope
	}{
		{`{ product(id: "1") { stock } }`, 1, Public},
		{`{ plain { title } }`, 90, Public}, // the field's hint wins over its type's
		{`{ product(id: "1") { brand { name } } }`, 20, Private},
	} {
		got := policies.Operation(normalize(t, sg, tt.query))
		want := time.Duration(tt.maxAge) * time.Second
		if got.MaxAge != want || got.Scope != tt.scope {
			t.Errorf("%s: policy = %v %v, want %v %v", tt.query, got.MaxAge, got.Scope, want, tt.scope)
		}
	}
}

func TestEntityPolicies(t *testing.T) {
	_, policies := policyGraph(t, nil)
	doc, err := parser.ParseQuery(&ast.Source{Input: `query($representations:[_Any!]!){_entities(representations:$representations){...on Product{title stock} ...on Customer{email}}}`})
	if err != nil {
		t.Fatal(err)
	}
	got := policies.Entities(doc.Operations[0].SelectionSet[0].(*ast.Field).SelectionSet)
	if p := got["Product"]; p.MaxAge != 5*time.Second || p.Scope != Public {
		t.Errorf("Product entity policy = %+v, want 5s PUBLIC", p)
	}
	if p := got["Customer"]; p.MaxAge != 0 || p.Scope != Private {
		t.Errorf("Customer entity policy = %+v, want 0 PRIVATE (no maxAge on the type)", p)
	}
}
