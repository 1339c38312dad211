package bleve_test

import (
	"context"
	"testing"
	"time"

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

func TestOpenReopensAndRefusesASecondOpener(t *testing.T) {
	dir := t.TempDir()
	e, err := bleve.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Upsert(context.Background(), searchtest.Documents()[:2]); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if second, err := bleve.Open(dir); err == nil {
		_ = second.Close()
		t.Fatal("a second opener of a held index must fail, not share it")
	} else if time.Since(start) > 10*time.Second {
		t.Fatalf("the second opener waited %s", time.Since(start))
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := bleve.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	r, err := again.Search(context.Background(), search.Query{First: 10})
	if err != nil || r.TotalCount != 2 {
		t.Fatalf("reopened index holds %d products, %v", r.TotalCount, err)
	}
}
