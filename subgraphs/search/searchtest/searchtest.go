// Package searchtest is the conformance suite every search.Engine runs: the same documents, the
// same queries, the same answers, so the embedded engine and Typesense are interchangeable.
package searchtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs/search"
)

// Category tree of the fixture: audio > headphones, audio > speakers; kitchen.
const (
	catAudio      = "cat-audio"
	catHeadphones = "cat-headphones"
	catSpeakers   = "cat-speakers"
	catKitchen    = "cat-kitchen"
	brandSono     = "brand-sono"
	brandBrew     = "brand-brew"
)

var base = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)

// Documents is the fixture catalog.
func Documents() []search.Document {
	doc := func(id, title, desc, brand, brandName string, path []string, price int64, rating float64, reviews int, inStock bool, day int) search.Document {
		return search.Document{ID: id, Title: title, Description: desc, BrandID: brand, BrandName: brandName,
			CategoryPath: path, PriceMin: price, Currency: "EUR", Rating: rating, ReviewCount: reviews,
			InStock: inStock, CreatedAt: base.Add(time.Duration(day) * 24 * time.Hour)}
	}
	hp := []string{catAudio, catHeadphones}
	sp := []string{catAudio, catSpeakers}
	kt := []string{catKitchen}
	return []search.Document{
		doc("p01", "Wireless Headphones", "Over-ear headphones with noise cancelling", brandSono, "Sono", hp, 19900, 4.5, 120, true, 1),
		doc("p02", "Studio Headphones", "Closed-back monitoring headphones", brandSono, "Sono", hp, 14900, 4.0, 40, true, 2),
		doc("p03", "Sport Earbuds", "Sweat-proof in-ear buds", brandSono, "Sono", hp, 4900, 3.5, 10, false, 3),
		doc("p04", "Bookshelf Speaker", "Two-way speaker for small rooms", brandSono, "Sono", sp, 29900, 4.8, 8, true, 4),
		doc("p05", "Party Speaker", "Loud portable speaker with lights", "", "", sp, 9900, 0, 0, true, 5),
		doc("p06", "Espresso Machine", "Pump espresso machine with milk frother", brandBrew, "Brew", kt, 39900, 4.2, 60, true, 6),
		doc("p07", "Coffee Grinder", "Burr grinder for espresso and filter", brandBrew, "Brew", kt, 12900, 3.9, 25, false, 7),
		doc("p08", "Milk Frother", "Handheld frother <b>with</b> batteries & stand", brandBrew, "Brew", kt, 1900, 2.5, 3, true, 8),
		doc("p09", "Kettle", "Gooseneck kettle for pour-over coffee", brandBrew, "Brew", kt, 5900, 4.6, 15, true, 9),
		doc("p10", "Headphone Stand", "Aluminium stand for headphones", "", "", hp, 2500, 4.1, 5, true, 10),
	}
}

// Run checks an engine against the suite. open returns an empty engine that the test owns.
func Run(t *testing.T, open func(t *testing.T) search.Engine) {
	ctx := context.Background()
	e := open(t)
	if err := e.Upsert(ctx, Documents()); err != nil {
		t.Fatalf("index fixture: %v", err)
	}
	t.Run("Text", func(t *testing.T) { testText(t, e) })
	t.Run("Filters", func(t *testing.T) { testFilters(t, e) })
	t.Run("Sorts", func(t *testing.T) { testSorts(t, e) })
	t.Run("Facets", func(t *testing.T) { testFacets(t, e) })
	t.Run("Highlights", func(t *testing.T) { testHighlights(t, e) })
	t.Run("Pagination", func(t *testing.T) { testPagination(t, e) })
	t.Run("Suggest", func(t *testing.T) { testSuggest(t, e) })
	t.Run("BadInput", func(t *testing.T) { testBadInput(t, e) })
	t.Run("UpsertDelete", func(t *testing.T) { testUpsertDelete(t, open(t)) })
	t.Run("Rebuild", func(t *testing.T) { testRebuild(t, open(t)) })
}

func ids(r search.Result) []string {
	out := make([]string, len(r.Hits))
	for i, h := range r.Hits {
		out[i] = h.ID
	}
	return out
}

func run(t *testing.T, e search.Engine, q search.Query) search.Result {
	t.Helper()
	if q.First == 0 {
		q.First = 100
	}
	r, err := e.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("search %+v: %v", q, err)
	}
	return r
}

func sorted(ids []string) []string {
	s := slices.Clone(ids)
	slices.Sort(s)
	return s
}

func testText(t *testing.T, e search.Engine) {
	cases := []struct {
		name, text string
		want       []string // in any order
	}{
		{"exact word", "espresso", []string{"p06", "p07"}},
		{"one typo", "hedphones", []string{"p01", "p02", "p10"}},
		{"two typos in a long word", "headphnes wireles", []string{"p01"}},
		{"every word must match", "headphones kettle", nil},
		{"brand name", "brew kettle", []string{"p09"}},
		{"case and punctuation", "ESPRESSO!!! machine?", []string{"p06"}},
		{"query syntax is text", `title:kettle AND -coffee "grinder*`, nil},
		{"only symbols browse everything", `+-&&||!(){}[]^"~*?:\/`, []string{"p01", "p02", "p03", "p04", "p05", "p06", "p07", "p08", "p09", "p10"}},
		{"empty browses", "", []string{"p01", "p02", "p03", "p04", "p05", "p06", "p07", "p08", "p09", "p10"}},
		{"short words need exact", "kettl", []string{"p09"}},
		{"no match", "zzzzzz", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, e, search.Query{Text: c.text})
			got := sorted(ids(r))
			if !slices.Equal(got, sorted(c.want)) && !(len(got) == 0 && len(c.want) == 0) {
				t.Fatalf("%q matched %v, want %v", c.text, got, sorted(c.want))
			}
			if r.TotalCount != len(c.want) {
				t.Fatalf("%q total %d, want %d", c.text, r.TotalCount, len(c.want))
			}
		})
	}
	t.Run("title beats description", func(t *testing.T) {
		r := run(t, e, search.Query{Text: "frother"})
		if got := ids(r); len(got) != 2 || got[0] != "p08" {
			t.Fatalf("frother ranked %v, want p08 (title) first", got)
		}
	})
}

func ptr[T any](v T) *T { return &v }

func testFilters(t *testing.T, e search.Engine) {
	cases := []struct {
		name   string
		text   string
		filter search.Filter
		want   []string
	}{
		{"category includes descendants", "", search.Filter{CategoryIDs: []string{catAudio}}, []string{"p01", "p02", "p03", "p04", "p05", "p10"}},
		{"leaf category", "", search.Filter{CategoryIDs: []string{catSpeakers}}, []string{"p04", "p05"}},
		{"any of categories", "", search.Filter{CategoryIDs: []string{catSpeakers, catKitchen}}, []string{"p04", "p05", "p06", "p07", "p08", "p09"}},
		{"brand", "", search.Filter{BrandIDs: []string{brandBrew}}, []string{"p06", "p07", "p08", "p09"}},
		{"price bounds inclusive", "", search.Filter{PriceMin: ptr[int64](4900), PriceMax: ptr[int64](9900)}, []string{"p03", "p05", "p09"}},
		{"min rating", "", search.Filter{MinRating: ptr(4.5)}, []string{"p01", "p04", "p09"}},
		{"in stock only", "headphones", search.Filter{InStockOnly: true}, []string{"p01", "p02", "p10"}},
		{"all together", "", search.Filter{CategoryIDs: []string{catAudio}, BrandIDs: []string{brandSono}, PriceMax: ptr[int64](20000), MinRating: ptr(3.0), InStockOnly: true}, []string{"p01", "p02"}},
		{"unknown category", "", search.Filter{CategoryIDs: []string{"nope"}}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, e, search.Query{Text: c.text, Filter: c.filter})
			if got := sorted(ids(r)); !slices.Equal(got, sorted(c.want)) && !(len(got) == 0 && len(c.want) == 0) {
				t.Fatalf("matched %v, want %v", got, sorted(c.want))
			}
			if r.TotalCount != len(c.want) {
				t.Fatalf("total %d, want %d", r.TotalCount, len(c.want))
			}
		})
	}
}

func testSorts(t *testing.T, e search.Engine) {
	cases := []struct {
		sort search.Sort
		want []string
	}{
		{search.SortPriceAsc, []string{"p08", "p10", "p03", "p09", "p05", "p07", "p02", "p01", "p04", "p06"}},
		{search.SortPriceDesc, []string{"p06", "p04", "p01", "p02", "p07", "p05", "p09", "p03", "p10", "p08"}},
		{search.SortRating, []string{"p04", "p09", "p01", "p06", "p10", "p02", "p07", "p03", "p08", "p05"}},
		{search.SortNewest, []string{"p10", "p09", "p08", "p07", "p06", "p05", "p04", "p03", "p02", "p01"}},
		// Browsing by relevance ranks by popularity.
		{search.SortRelevance, []string{"p01", "p06", "p02", "p07", "p09", "p03", "p04", "p10", "p08", "p05"}},
	}
	for _, c := range cases {
		t.Run(string(c.sort), func(t *testing.T) {
			if got := ids(run(t, e, search.Query{Sort: c.sort})); !slices.Equal(got, c.want) {
				t.Fatalf("%s: %v, want %v", c.sort, got, c.want)
			}
		})
	}
	t.Run("relevance prefers well rated and reviewed among like matches", func(t *testing.T) {
		// Both have "speaker" in title and description; p04 is rated 4.8 over 8 reviews, p05 has none.
		if got := ids(run(t, e, search.Query{Text: "speaker"})); !slices.Equal(got, []string{"p04", "p05"}) {
			t.Fatalf("speaker ranked %v, want [p04 p05]", got)
		}
	})
}

func counts(vs []search.ValueCount) map[string]int {
	m := map[string]int{}
	for _, v := range vs {
		m[v.Value] = v.Count
	}
	return m
}

func ranges(rs []search.RangeCount) map[string]int {
	m := map[string]int{}
	for _, r := range rs {
		m[r.Bucket.Name] = r.Count
	}
	return m
}

func testFacets(t *testing.T, e search.Engine) {
	r := run(t, e, search.Query{Filter: search.Filter{CategoryIDs: []string{catAudio}}, First: 1})
	f := r.Facets
	check := func(what string, got, want map[string]int) {
		t.Helper()
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s facet %s = %d, want %d (all: %v)", what, k, got[k], v, got)
			}
		}
		for k, v := range got {
			if _, ok := want[k]; !ok && v != 0 {
				t.Errorf("%s facet has unexpected %s = %d", what, k, v)
			}
		}
	}
	check("category", counts(f.Categories), map[string]int{catAudio: 6, catHeadphones: 4, catSpeakers: 2})
	check("brand", counts(f.Brands), map[string]int{brandSono: 4})
	check("price", ranges(f.Prices), map[string]int{"under-25": 0, "25-50": 2, "50-100": 1, "100-200": 2, "200-500": 1, "500-and-up": 0})
	check("rating", ranges(f.Ratings), map[string]int{"4-and-up": 4, "3-and-up": 5, "2-and-up": 5, "1-and-up": 5})
	if f.InStock != 5 || f.OutOfStock != 1 {
		t.Errorf("stock facet %d in, %d out; want 5, 1", f.InStock, f.OutOfStock)
	}
	if len(f.Prices) != len(search.PriceBuckets) || len(f.Ratings) != len(search.RatingBuckets) {
		t.Errorf("range facets must list every bucket: %d prices, %d ratings", len(f.Prices), len(f.Ratings))
	}
	if len(r.Hits) != 1 || r.TotalCount != 6 || !r.HasNextPage {
		t.Errorf("page of 1: %d hits, total %d, next %v", len(r.Hits), r.TotalCount, r.HasNextPage)
	}
	bare := run(t, e, search.Query{Filter: search.Filter{CategoryIDs: []string{catAudio}}, First: 1, WithoutFacets: true})
	if bare.TotalCount != r.TotalCount || !slices.Equal(ids(bare), ids(r)) || bare.HasNextPage != r.HasNextPage {
		t.Errorf("without facets the page changed: %v total %d, want %v total %d", ids(bare), bare.TotalCount, ids(r), r.TotalCount)
	}
}

func testHighlights(t *testing.T, e search.Engine) {
	r := run(t, e, search.Query{Text: "frother batteries"})
	if len(r.Hits) != 1 || r.Hits[0].ID != "p08" {
		t.Fatalf("hits %v", ids(r))
	}
	var all []string
	for _, h := range r.Hits[0].Highlights {
		all = append(all, h.Field+": "+strings.Join(h.Fragments, " … "))
	}
	joined := strings.Join(all, "\n")
	if !strings.Contains(joined, "<mark>Frother</mark>") || !strings.Contains(joined, "<mark>batteries</mark>") {
		t.Fatalf("highlights do not mark the matches:\n%s", joined)
	}
	if strings.Contains(joined, "<b>") || !strings.Contains(joined, "&lt;b&gt;") {
		t.Fatalf("highlights must escape the product's text:\n%s", joined)
	}
	fz := run(t, e, search.Query{Text: "hedphones", Filter: search.Filter{CategoryIDs: []string{catHeadphones}}})
	if len(fz.Hits) == 0 || len(fz.Hits[0].Highlights) == 0 {
		t.Fatalf("a corrected word is highlighted too: %+v", fz.Hits)
	}
}

func testPagination(t *testing.T, e search.Engine) {
	queries := []search.Query{
		{Sort: search.SortRelevance},
		{Sort: search.SortPriceAsc},
		{Sort: search.SortRating},
		{Sort: search.SortNewest},
		{Text: "headphones stand wireless studio", Sort: search.SortRelevance}, // no match: every word must
		{Text: "for", Sort: search.SortRelevance},
		{Text: "headphones", Sort: search.SortPriceDesc, Filter: search.Filter{InStockOnly: true}},
	}
	for _, q := range queries {
		t.Run(fmt.Sprintf("%s %q", q.Sort, q.Text), func(t *testing.T) {
			all := ids(run(t, e, q))
			for _, size := range []int{1, 3, 4} {
				var paged []string
				page := q
				page.First = size
				for i := 0; ; i++ {
					r := run(t, e, page)
					if r.TotalCount != len(all) {
						t.Fatalf("total %d on page %d, want %d", r.TotalCount, i, len(all))
					}
					paged = append(paged, ids(r)...)
					if !r.HasNextPage {
						break
					}
					if i > len(all) {
						t.Fatalf("pages of %d never end", size)
					}
					page.After = r.Hits[len(r.Hits)-1].Cursor
				}
				if !slices.Equal(paged, all) {
					t.Fatalf("pages of %d: %v, want %v", size, paged, all)
				}
			}
		})
	}
}

func testSuggest(t *testing.T, e search.Engine) {
	ctx := context.Background()
	cases := []struct {
		prefix string
		want   []string // in order
	}{
		{"head", []string{"Wireless Headphones", "Studio Headphones", "Headphone Stand"}},
		{"wireless hea", []string{"Wireless Headphones"}},
		{"espr", []string{"Espresso Machine", "Coffee Grinder"}},
		{"", nil},
		{"((", nil},
	}
	for _, c := range cases {
		got, err := e.Suggest(ctx, c.prefix, search.MaxSuggestions)
		if err != nil {
			t.Fatalf("suggest %q: %v", c.prefix, err)
		}
		if !slices.Equal(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
			t.Errorf("suggest %q = %q, want %q", c.prefix, got, c.want)
		}
	}
	if got, _ := e.Suggest(ctx, "s", 2); len(got) != 2 {
		t.Errorf("suggest is limited: got %q for limit 2", got)
	}
}

func testBadInput(t *testing.T, e search.Engine) {
	ctx := context.Background()
	other := run(t, e, search.Query{Text: "headphones", First: 1})
	cases := []struct {
		name string
		q    search.Query
	}{
		{"query too long", search.Query{Text: strings.Repeat("a", search.MaxQueryLength+1)}},
		{"first over 100", search.Query{First: 101}},
		{"negative first", search.Query{First: -1}},
		{"negative price", search.Query{Filter: search.Filter{PriceMin: ptr[int64](-1)}}},
		{"unknown sort", search.Query{Sort: "CHEAPEST"}},
		{"garbage cursor", search.Query{After: "!!not-a-cursor"}},
		{"cursor of another search", search.Query{Text: "kettle", After: other.Hits[0].Cursor}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.Search(ctx, c.q)
			var invalid *search.InvalidQueryError
			if !errors.As(err, &invalid) {
				t.Fatalf("want an InvalidQueryError, got %v", err)
			}
		})
	}
	if _, err := e.Search(ctx, search.Query{Text: strings.Repeat("é", search.MaxQueryLength)}); err != nil {
		t.Fatalf("256 characters (not bytes) are allowed: %v", err)
	}
}

func testUpsertDelete(t *testing.T, e search.Engine) {
	ctx := context.Background()
	docs := Documents()
	if err := e.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}
	kettle := docs[8]
	kettle.InStock = false
	kettle.Title = "Electric Kettle"
	if err := e.Upsert(ctx, []search.Document{kettle}); err != nil {
		t.Fatal(err)
	}
	if r := run(t, e, search.Query{Text: "kettle", Filter: search.Filter{InStockOnly: true}}); r.TotalCount != 0 {
		t.Fatalf("an out-of-stock product still matches inStockOnly: %v", ids(r))
	}
	if got, _ := e.Suggest(ctx, "electric", 10); !slices.Equal(got, []string{"Electric Kettle"}) {
		t.Fatalf("the replaced title is not suggested: %q", got)
	}
	if err := e.Delete(ctx, []string{"p09", "missing"}); err != nil {
		t.Fatal(err)
	}
	if r := run(t, e, search.Query{Text: "kettle"}); r.TotalCount != 0 {
		t.Fatalf("a deleted product still matches: %v", ids(r))
	}
	if r := run(t, e, search.Query{}); r.TotalCount != len(docs)-1 {
		t.Fatalf("total after delete %d, want %d", r.TotalCount, len(docs)-1)
	}
}

func testRebuild(t *testing.T, e search.Engine) {
	ctx := context.Background()
	if err := e.Upsert(ctx, Documents()[:3]); err != nil {
		t.Fatal(err)
	}
	b, err := e.Rebuild(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Upsert(ctx, Documents()[5:]); err != nil {
		t.Fatal(err)
	}
	if r := run(t, e, search.Query{}); !slices.Equal(sorted(ids(r)), []string{"p01", "p02", "p03"}) {
		t.Fatalf("a build in progress is visible: %v", ids(r))
	}
	if err := b.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if r := run(t, e, search.Query{}); !slices.Equal(sorted(ids(r)), []string{"p06", "p07", "p08", "p09", "p10"}) {
		t.Fatalf("after the swap: %v", ids(r))
	}
	aborted, err := e.Rebuild(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := aborted.Upsert(ctx, Documents()[:1]); err != nil {
		t.Fatal(err)
	}
	if err := aborted.Abort(); err != nil {
		t.Fatal(err)
	}
	if r := run(t, e, search.Query{}); r.TotalCount != 5 {
		t.Fatalf("an aborted build changed the live index: %v", ids(r))
	}
}
