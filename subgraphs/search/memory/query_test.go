package memory

import (
	"context"
	"slices"
	"testing"
	"unsafe"

	"github.com/shopgraph/shopgraph/subgraphs/search"
)

// TestTiesOrderByID: keys equal on the sort values order by id, whether the ids differ within
// the packed prefix, past it, or in length.
func TestTiesOrderByID(t *testing.T) {
	ids := []string{
		"01HK153X0091MRBXKMWF1XNTK9",
		"01HK153X0091MRBXKMWF1XNTK8",
		"01HK153X0091MRBX",
		"01HK153X0091MRB",
		"01HK153X0091MRBXA",
		"01HK153X0091MRA",
		"p10",
		"p1",
	}
	top := topN{n: len(ids)}
	for i, id := range ids {
		hi, lo := idPrefix(id)
		top.offer(key{k1: 1, k2: 2, idHi: hi, idLo: lo, id: id, slot: int32(i)})
	}
	var got []string
	for _, k := range top.sorted() {
		got = append(got, k.id)
	}
	if want := slices.Sorted(slices.Values(ids)); !slices.Equal(got, want) {
		t.Fatalf("tied keys ordered %v, want %v", got, want)
	}
	// The heap keeps the first n: the two smallest ids.
	small := topN{n: 2}
	for i, id := range ids {
		hi, lo := idPrefix(id)
		small.offer(key{k1: 1, idHi: hi, idLo: lo, id: id, slot: int32(i)})
	}
	if got := []string{small.sorted()[0].id, small.sorted()[1].id}; !slices.Equal(got, []string{"01HK153X0091MRA", "01HK153X0091MRB"}) {
		t.Fatalf("first two of the tied keys: %v", got)
	}
}

func TestRowIsOneCacheLine(t *testing.T) {
	if n := unsafe.Sizeof(row{}); n != 64 {
		t.Fatalf("a row is %d bytes; a scan reads every row, keep it to 64", n)
	}
}

// TestDeepCategoryPaths: a path longer than a row holds filters and counts like a short one,
// and rewriting or deleting the product leaves no trace of it.
func TestDeepCategoryPaths(t *testing.T) {
	ctx := context.Background()
	e, err := Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	deep := search.Document{ID: "deep", Title: "Lamp", CategoryPath: []string{"c1", "c2", "c3", "c4", "c5", "c6"}, PriceMin: 100}
	flat := search.Document{ID: "flat", Title: "Lamp", CategoryPath: []string{"c1"}, PriceMin: 100}
	if err := e.Upsert(ctx, []search.Document{deep, flat}); err != nil {
		t.Fatal(err)
	}
	count := func(cat string) int {
		r, err := e.Search(ctx, search.Query{Filter: search.Filter{CategoryIDs: []string{cat}}})
		if err != nil {
			t.Fatal(err)
		}
		return r.TotalCount
	}
	if count("c6") != 1 || count("c1") != 2 {
		t.Fatalf("c6 holds %d, c1 %d; want 1 and 2", count("c6"), count("c1"))
	}
	r, _ := e.Search(ctx, search.Query{Text: "lamp"})
	facets := map[string]int{}
	for _, v := range r.Facets.Categories {
		facets[v.Value] = v.Count
	}
	if facets["c6"] != 1 || facets["c1"] != 2 {
		t.Fatalf("category facets %v", facets)
	}
	deep.CategoryPath = []string{"c1"}
	if err := e.Upsert(ctx, []search.Document{deep}); err != nil {
		t.Fatal(err)
	}
	if count("c6") != 0 || count("c1") != 2 {
		t.Fatalf("after moving: c6 holds %d, c1 %d; want 0 and 2", count("c6"), count("c1"))
	}
	if err := e.Delete(ctx, []string{"deep", "flat"}); err != nil {
		t.Fatal(err)
	}
	if count("c1") != 0 {
		t.Fatalf("after deleting: c1 holds %d", count("c1"))
	}
}
