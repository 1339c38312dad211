package plan

import (
	"os"
	"strings"
	"testing"

	"github.com/shopgraph/shopgraph/bench/subgraphs"
	"github.com/shopgraph/shopgraph/gateway/supergraph"
)

// TestBatchAcrossBranches plans the gateway benchmark's query: the users and
// topProducts branches reach the same subgraphs at the same depth, and share
// one request per subgraph and wave; the inventory fields nothing waits for
// join the last inventory request. The plan keeps its four waves.
func TestBatchAcrossBranches(t *testing.T) {
	b, err := os.ReadFile("../../bench/supergraph.graphql")
	if err != nil {
		t.Fatal(err)
	}
	sg, err := supergraph.Parse(string(b))
	if err != nil {
		t.Fatal(err)
	}
	p, err := buildPlan(t, sg, subgraphs.Query, nil)
	if err != nil {
		t.Fatal(err)
	}
	var subs []string
	for _, f := range p.Fetches {
		subs = append(subs, f.Subgraph)
	}
	if got := strings.Join(subs, " "); got != "accounts products reviews products accounts inventory" {
		t.Errorf("fetches to %s\n%s", got, p)
	}
	if seq, ok := p.Tree().(*SequenceNode); !ok || len(seq.Nodes) != 4 {
		t.Errorf("want 4 waves:\n%s", FormatTree(p.Tree()))
	}
	// the same products are read with and without the fields shippingEstimate
	// requires: one representation with all of them serves both
	inv := p.Fetches[5]
	if len(inv.Parts) != 1 || inv.Query != "query($representations:[_Any!]!){_entities(representations:$representations){__typename ...on Product{shippingEstimate inStock}}}" {
		t.Errorf("inventory fetch: %s", inv.Query)
	}
	for _, tg := range inv.Targets {
		if rep := tg.Reps["Product"]; rep == nil || len(rep.Fields) != 3 {
			t.Errorf("representation at %v: %+v", tg.Path, rep)
		}
	}
}
