package cost_test

import (
	"os"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/shopgraph/shopgraph/gateway/compose"
	"github.com/shopgraph/shopgraph/gateway/cost"
	"github.com/shopgraph/shopgraph/gateway/operation"
	"github.com/shopgraph/shopgraph/gateway/supergraph"
)

const sdl = `
directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION

type Query {
  shop: Shop
  product(id: ID!): Product
  products(first: Int = 20, after: String): ProductConnection!
  search(query: String!, limit: Int, first: Int): SearchPage! @listSize(slicingArguments: ["limit"], sizedFields: ["hits"])
  featured: [Product!]! @listSize(assumedSize: 3)
  recommended(first: Int): [Product!]!
  report: Report @cost(weight: 50)
  node(id: ID!): Node
  tags: [String!]!
}
type Mutation { addTag(tag: String!): Shop }
type Shop { name: String! }
type ProductConnection { edges: [ProductEdge!]! pageInfo: PageInfo! }
type ProductEdge { cursor: String! node: Product! }
type PageInfo { hasNextPage: Boolean! }
interface Node { id: ID! }
type Product implements Node { id: ID! title: String! variants: [Variant!]! price: Money! }
type Variant implements Node { id: ID! sku: String! warehouses: [Warehouse!]! }
type Warehouse @cost(weight: 4) { name: String! }
type Money { amount: Int! }
type SearchPage { hits: [Product!]! total: Int! }
type Report { rows: Int! }
`

var (
	api       = gqlparser.MustLoadSchema(&ast.Source{Name: "test", Input: sdl})
	estimator = mustEstimator(api, sdl)
)

func mustEstimator(api *ast.Schema, sdl string) *cost.Estimator {
	e, err := cost.New(api, sdl, cost.Options{})
	if err != nil {
		panic(err)
	}
	return e
}

func estimate(t testing.TB, e *cost.Estimator, schema *ast.Schema, query string, vars map[string]any) int {
	t.Helper()
	p, oerr := operation.Parse(schema, query, "", operation.Limits{})
	if oerr != nil {
		t.Fatalf("parse %q: %v", query, oerr)
	}
	coerced, oerr := p.Coerce(schema, vars)
	if oerr != nil {
		t.Fatalf("coerce %q: %v", query, oerr)
	}
	op, err := operation.Normalize(schema, p.Doc, p.Op, coerced)
	if err != nil {
		t.Fatalf("normalize %q: %v", query, err)
	}
	return e.Estimate(op, coerced)
}

func TestEstimate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		query string
		vars  map[string]any
		want  int
	}{
		{"scalars cost nothing", `{ tags }`, nil, 0},
		{"an object costs one", `{ shop { name } }`, nil, 1},
		{"__typename is free", `{ shop { __typename name } }`, nil, 1},
		// connection 1 + 5 edges × (edge 1 + node 1)
		{"first sizes the edges", `{ products(first: 5) { edges { node { id } } } }`, nil, 11},
		{"the argument's default applies", `{ products { edges { node { id } } } }`, nil, 41},
		{"first from a variable", `query($n: Int) { products(first: $n) { edges { node { id } } } }`, map[string]any{"n": 50}, 101},
		{"a null variable falls back to the default list size", `query($n: Int) { recommended(first: $n) { id } }`, nil, 10},
		{"a slicing argument on a list", `{ recommended(first: 7) { id } }`, nil, 7},
		{"pageInfo is one more object", `{ products(first: 5) { pageInfo { hasNextPage } edges { cursor } } }`, nil, 1 + 1 + 5},
		// 1 + 10 × (1 + (1 + 10 variants × 1))
		{"nested lists multiply", `{ products(first: 10) { edges { node { variants { sku } } } } }`, nil, 1 + 10*(1+1+10)},
		// variants: default 10 × (1 + warehouses 10 × @cost 4)
		{"@cost on a type", `{ product(id: "p") { variants { warehouses { name } } } }`, nil, 1 + 10*(1+10*4)},
		{"@cost on a field", `{ report { rows } }`, nil, 50},
		{"fragments cost what they select", `
			query { products(first: 10) { edges { ...E } } }
			fragment E on ProductEdge { node { ...P } }
			fragment P on Product { id price { amount } }`, nil, 1 + 10*(1+1+1)},
		{"inline fragments", `{ products(first: 2) { edges { node { ... on Product { price { amount } } } } } }`, nil, 1 + 2*(1+1+1)},
		{"fields merged once", `{ shop { name } shop { name } }`, nil, 1},
		{"aliases count each", `{ a: shop { name } b: shop { name } }`, nil, 2},
		// @listSize(slicingArguments: ["limit"], sizedFields: ["hits"]): first does not count
		{"@listSize slicing argument sizes the named field", `{ search(query: "x", limit: 4, first: 99) { total hits { id } } }`, nil, 1 + 4},
		{"@listSize slicing argument from a variable", `query($l: Int) { search(query: "x", limit: $l) { hits { id } } }`, map[string]any{"l": 30}, 1 + 30},
		{"@listSize without its slicing argument uses the default", `{ search(query: "x") { hits { id } } }`, nil, 1 + 10},
		{"@listSize assumedSize", `{ featured { variants { sku } } }`, nil, 3 * (1 + 10)},
		{"an abstract position costs its dearest type", `{ node(id: "x") { id ... on Product { price { amount } } ... on Variant { warehouses { name } } } }`, nil, 1 + 10*4},
		{"a mutation costs ten more", `mutation { addTag(tag: "x") { name } }`, nil, 1 + 10},
		{"skipped fields cost nothing", `query($s: Boolean!) { report @skip(if: $s) { rows } shop { name } }`, map[string]any{"s": true}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := estimate(t, estimator, api, tc.query, tc.vars); got != tc.want {
				t.Errorf("cost %d, want %d", got, tc.want)
			}
		})
	}
}

func TestEstimateSaturates(t *testing.T) {
	q := `{ products(first: 2000000000) { edges { node { variants { warehouses { name } } } } } }`
	got := estimate(t, estimator, api, q, nil)
	if got <= 0 || got < 2000000000 {
		t.Errorf("cost %d: want a huge positive cost, not an overflow", got)
	}
}

func TestDefaultListSizeIsConfigurable(t *testing.T) {
	e, err := cost.New(api, sdl, cost.Options{DefaultListSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got := estimate(t, e, api, `{ product(id: "p") { variants { sku } } }`, nil); got != 1+2 {
		t.Errorf("cost %d, want 3", got)
	}
}

func TestBadDirectivesAreReported(t *testing.T) {
	bad := `type Query { shop: Shop @cost(weight: "lots") } type Shop { name: String }`
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: `type Query { shop: Shop } type Shop { name: String }`})
	if _, err := cost.New(schema, bad, cost.Options{}); err == nil {
		t.Error("want an error for a non-numeric @cost weight")
	}
}

// The store's own graph: connections are sized by first (default 20 on products).
func TestEstimateOnTheSupergraph(t *testing.T) {
	b, err := os.ReadFile("../../schema/supergraph.graphql")
	if err != nil {
		t.Fatal(err)
	}
	sg, err := supergraph.Parse(string(b))
	if err != nil {
		t.Fatal(err)
	}
	e, err := cost.New(sg.API, string(b), cost.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := estimate(t, e, sg.API, `{ products(first: 20) { edges { node { id title } } } }`, nil)
	if got != 1+20*2 {
		t.Errorf("cost %d, want 41", got)
	}
}

func BenchmarkEstimate(b *testing.B) {
	q := `query($n: Int) { products(first: $n) { pageInfo { hasNextPage } edges { cursor node { id title price { amount } variants { sku warehouses { name } } } } } }`
	p, _ := operation.Parse(api, q, "", operation.Limits{})
	vars := map[string]any{"n": int64(25)}
	op, err := operation.Normalize(api, p.Doc, p.Op, vars)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		estimator.Estimate(op, vars)
	}
}

// @listSize and @cost set in a subgraph survive composition and drive the estimate.
func TestEstimateReadsComposedDirectives(t *testing.T) {
	sdl, err := compose.Compose([]compose.Subgraph{{Name: "catalog", URL: "http://catalog", SDL: `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@cost", "@listSize"])
type Query {
  products(first: Int = 20, limit: Int): ProductConnection! @listSize(slicingArguments: ["limit"], sizedFields: ["edges"])
  report: Report @cost(weight: 50)
}
type ProductConnection { edges: [ProductEdge!]! }
type ProductEdge { node: Product! }
type Product @key(fields: "id") { id: ID! }
type Report { rows: Int! }`}})
	if err != nil {
		t.Fatal(err)
	}
	sg, err := supergraph.Parse(sdl)
	if err != nil {
		t.Fatal(err)
	}
	e, err := cost.New(sg.API, sdl, cost.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// limit sizes the edges, first does not: 1 + 3 × (1 + 1), plus the report's weight
	if got := estimate(t, e, sg.API, `{ products(first: 90, limit: 3) { edges { node { id } } } report { rows } }`, nil); got != 1+3*2+50 {
		t.Errorf("cost %d, want 57", got)
	}
}
