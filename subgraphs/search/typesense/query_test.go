package typesense

import (
	"testing"

	"github.com/typesense/typesense-go/v2/typesense/api"

	"github.com/shopgraph/shopgraph/subgraphs/search"
)

// These run without a server: what the adapter sends must never let a caller's value change
// the filter's structure, and snippets must come back escaped.

func TestFilterBy(t *testing.T) {
	lo, hi, rating := int64(100), int64(5000), 3.5
	cases := []struct {
		name   string
		filter search.Filter
		want   string
	}{
		{"none", search.Filter{}, ""},
		{"all", search.Filter{CategoryIDs: []string{"c1", "c2"}, BrandIDs: []string{"b1"}, PriceMin: &lo, PriceMax: &hi, MinRating: &rating, InStockOnly: true},
			"category_path:=[`c1`,`c2`] && brand_id:=[`b1`] && price:>=100 && price:<=5000 && rating:>=3.5 && in_stock:=true"},
		{"ids cannot break out of their quotes", search.Filter{BrandIDs: []string{"x`] || price:>0 && brand_id:=[`y"}},
			"brand_id:=[`x] || price:>0 && brand_id:=[y`]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := filterBy(c.filter); got != c.want {
				t.Fatalf("filterBy = %q, want %q", got, c.want)
			}
		})
	}
	if got := bucketFilter(fieldPrice, search.PriceBuckets[1]); got != "price:>=2500 && price:<5000" {
		t.Fatalf("bucket filter %q", got)
	}
}

func TestTextParamsCarryOnlyWords(t *testing.T) {
	var p api.MultiSearchCollectionParameters
	textParams(&p, `-coffee "grinder" title:* AND`)
	if *p.Q != "coffee grinder title and" {
		t.Fatalf("q = %q", *p.Q)
	}
	textParams(&p, `!!`)
	if *p.Q != "*" {
		t.Fatalf("q of no words = %q, want * (browse)", *p.Q)
	}
}

func TestHighlightsAreEscaped(t *testing.T) {
	field, snippet := "description", "Handheld "+markStart+"frother"+markEnd+" <b>with</b> & stand"
	got := highlights([]api.SearchHighlight{{Field: &field, Snippet: &snippet}})
	want := "Handheld <mark>frother</mark> &lt;b&gt;with&lt;/b&gt; &amp; stand"
	if len(got) != 1 || got[0].Fragments[0] != want {
		t.Fatalf("highlights %+v, want %q", got, want)
	}
}
