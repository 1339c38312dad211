package compose_test

import (
	"strings"
	"testing"

	"github.com/shopgraph/shopgraph/gateway/compose"
	"github.com/shopgraph/shopgraph/gateway/supergraph"
)

// demandSubgraph links Federation v2.9 and sets @cost and @listSize (one renamed on import).
const demandSubgraph = `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@cost", {name: "@listSize", as: "@size"}])

type Query {
  products(first: Int = 20, after: String): ProductConnection! @size(slicingArguments: ["first"], sizedFields: ["edges"])
  report: Report @cost(weight: 50)
}
type ProductConnection { edges: [ProductEdge!]! }
type ProductEdge { node: Product! }
type Product @key(fields: "id") { id: ID! title: String! }
type Report { rows: Int! }
`

func TestDemandControlDirectivesReachTheSupergraph(t *testing.T) {
	out, err := compose.Compose([]compose.Subgraph{{Name: "catalog", URL: "http://catalog", SDL: demandSubgraph}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`@link(url: "https://specs.apollo.dev/cost/v0.1", import: ["@cost", "@listSize"])`,
		`directive @listSize(`,
		`products(first: Int = 20, after: String): ProductConnection! @listSize(slicingArguments: ["first"], sizedFields: ["edges"])`,
		`report: Report @cost(weight: 50)`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("supergraph lacks %s:\n%s", want, out)
		}
	}
	if _, err := supergraph.Parse(out); err != nil {
		t.Errorf("the supergraph does not parse: %v", err)
	}
	// A supergraph that uses neither directive does not link the cost spec.
	plain, err := compose.Compose([]compose.Subgraph{{Name: "catalog", URL: "http://catalog", SDL: `type Query { a: Int }`}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain, "cost/v0.1") {
		t.Error("a supergraph without demand directives links the cost spec")
	}
}
