package search_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs/search"
)

// counting answers every search with facets that say how many times facets were counted.
type counting struct {
	search.Engine
	counted int
	total   int
}

func (c *counting) Search(_ context.Context, q search.Query) (search.Result, error) {
	c.total++
	r := search.Result{TotalCount: c.total}
	if !q.WithoutFacets {
		c.counted++
		r.Facets.InStock = c.counted
	}
	return r, nil
}

func TestFacetCache(t *testing.T) {
	ctx := context.Background()
	inner := &counting{}
	c := search.NewFacetCache(inner, 50*time.Millisecond, 100)
	get := func(q search.Query) search.Result {
		t.Helper()
		r, err := c.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	first := get(search.Query{Text: "kettle", First: 10})
	// Another page and another sort of the same listing reuse the facets; totals stay fresh.
	second := get(search.Query{Text: " Kettle ", First: 5, Sort: search.SortPriceAsc})
	if inner.counted != 1 || second.Facets.InStock != first.Facets.InStock || second.TotalCount != 2 {
		t.Fatalf("facets counted %d times, second page %+v", inner.counted, second)
	}
	get(search.Query{Text: "kettle", Filter: search.Filter{InStockOnly: true}})
	if inner.counted != 2 {
		t.Fatalf("another filter must count its own facets (counted %d)", inner.counted)
	}
	time.Sleep(60 * time.Millisecond)
	if r := get(search.Query{Text: "kettle"}); inner.counted != 3 || r.Facets.InStock != 3 {
		t.Fatalf("expired facets reused: counted %d", inner.counted)
	}
	if _, err := c.Search(ctx, search.Query{First: 101}); err == nil {
		t.Fatal("an invalid query passed the cache")
	}
}
