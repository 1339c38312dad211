package bleve_test

import (
	"testing"

	"github.com/shopgraph/shopgraph/subgraphs/search"
	"github.com/shopgraph/shopgraph/subgraphs/search/bleve"
	"github.com/shopgraph/shopgraph/subgraphs/search/searchtest"
)

func open(t *testing.T) search.Engine {
	t.Helper()
	e, err := bleve.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

func TestConformance(t *testing.T) { searchtest.Run(t, open) }
