package memory

import (
	"testing"

	"github.com/shopgraph/shopgraph/subgraphs/search"
	"github.com/shopgraph/shopgraph/subgraphs/search/searchtest"
)

// TestConformanceSplitAcrossWorkers runs the suite with every query split across workers, so
// merging the workers' totals, facets and pages is held to the same answers.
func TestConformanceSplitAcrossWorkers(t *testing.T) {
	old := parallelFrom
	parallelFrom = 1
	t.Cleanup(func() { parallelFrom = old })
	searchtest.Run(t, func(t *testing.T) search.Engine {
		e, err := Open("")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = e.Close() })
		return e
	})
}
