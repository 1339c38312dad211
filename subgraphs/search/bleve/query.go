package bleve

import (
	"context"
	"fmt"
	"strconv"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/shopgraph/shopgraph/subgraphs/search"
)

// Boosts of the text fields: a word in the title says more than one in the brand, which says
// more than one in the description; an exact word beats a corrected one.
var textFields = []struct {
	name  string
	boost float64
}{{fieldTitle, 3}, {fieldBrandName, 2}, {fieldDescription, 1}}

const exactBoost = 2

// textQuery matches every word of the text, each in any text field, exactly or within its
// typo allowance. prefixLast lets the last word match as a prefix (search as you type).
// It builds term, fuzzy and prefix queries from the words: user text never reaches a query
// parser, so no character in it can change the query's structure.
func textQuery(text string, prefixLast bool) query.Query {
	terms := search.Terms(text)
	if len(terms) == 0 {
		return nil
	}
	words := make([]query.Query, 0, len(terms))
	for i, t := range terms {
		var any []query.Query
		for _, f := range textFields {
			exact := bleve.NewTermQuery(t)
			exact.SetField(f.name)
			exact.SetBoost(f.boost * exactBoost)
			any = append(any, exact)
			if n := search.Typos(t); n > 0 {
				fz := bleve.NewFuzzyQuery(t)
				fz.SetField(f.name)
				fz.SetFuzziness(n)
				fz.SetBoost(f.boost)
				any = append(any, fz)
			}
			if prefixLast && i == len(terms)-1 {
				p := bleve.NewPrefixQuery(t)
				p.SetField(f.name)
				p.SetBoost(f.boost)
				any = append(any, p)
			}
		}
		words = append(words, bleve.NewDisjunctionQuery(any...))
	}
	return bleve.NewConjunctionQuery(words...)
}

func filterQueries(f search.Filter) []query.Query {
	var qs []query.Query
	anyOf := func(field string, values []string) {
		if len(values) == 0 {
			return
		}
		terms := make([]query.Query, len(values))
		for i, v := range values {
			t := bleve.NewTermQuery(v)
			t.SetField(field)
			terms[i] = t
		}
		qs = append(qs, bleve.NewDisjunctionQuery(terms...))
	}
	anyOf(fieldCategory, f.CategoryIDs)
	anyOf(fieldBrandID, f.BrandIDs)
	if f.PriceMin != nil || f.PriceMax != nil {
		var lo, hi *float64
		if f.PriceMin != nil {
			v := float64(*f.PriceMin)
			lo = &v
		}
		if f.PriceMax != nil {
			v := float64(*f.PriceMax)
			hi = &v
		}
		yes := true
		r := bleve.NewNumericRangeInclusiveQuery(lo, hi, &yes, &yes)
		r.SetField(fieldPrice)
		qs = append(qs, r)
	}
	if f.MinRating != nil {
		yes := true
		r := bleve.NewNumericRangeInclusiveQuery(f.MinRating, nil, &yes, nil)
		r.SetField(fieldRating)
		qs = append(qs, r)
	}
	if f.InStockOnly {
		b := bleve.NewBoolFieldQuery(true)
		b.SetField(fieldInStock)
		qs = append(qs, b)
	}
	return qs
}

// signals nudge the text score towards well-rated, much-reviewed products: optional clauses
// that add to the score of the documents they match and exclude none.
func signals() []query.Query {
	out := make([]query.Query, 0, 2)
	for _, marker := range []string{qualityRated, qualityReviewed} {
		q := bleve.NewTermQuery(marker)
		q.SetField(fieldQuality)
		q.SetBoost(signalBoost)
		out = append(out, q)
	}
	return out
}

// signalBoost weighs each signal below a word matched in the title (boost 3, twice for an
// exact word) so that it orders like matches without overturning a better one.
const signalBoost = 0.5

// sortOrders end with the id so every order is total and pages never overlap or skip.
var sortOrders = map[search.Sort][]string{
	search.SortRelevance: {"-_score", "-" + fieldSortPopularity, "_id"},
	search.SortPriceAsc:  {fieldSortPrice, "_id"},
	search.SortPriceDesc: {"-" + fieldSortPrice, "_id"},
	search.SortRating:    {"-" + fieldSortRating, "-" + fieldSortPopularity, "_id"},
	search.SortNewest:    {"-" + fieldSortCreated, "_id"},
}

// Search runs the query: matches, total, facets and highlights in one request.
func (e *Engine) Search(ctx context.Context, q search.Query) (search.Result, error) {
	q, err := q.Normalize()
	if err != nil {
		return search.Result{}, err
	}
	after, err := q.AfterValues()
	if err != nil {
		return search.Result{}, err
	}
	text := textQuery(q.Text, false)
	must := filterQueries(q.Filter)
	if text != nil {
		must = append(must, text)
	}
	var root query.Query
	switch {
	case len(must) == 0:
		root = bleve.NewMatchAllQuery()
	case text != nil:
		b := bleve.NewBooleanQuery()
		b.AddMust(must...)
		b.AddShould(signals()...)
		root = b
	default:
		root = bleve.NewConjunctionQuery(must...)
	}

	// One more than asked tells whether a next page exists.
	req := bleve.NewSearchRequestOptions(root, q.First+1, 0, false)
	req.SortBy(sortOrders[q.Sort])
	if after != nil {
		req.SearchAfter = after
	}
	if text != nil && q.First > 0 {
		req.Highlight = bleve.NewHighlightWithStyle("html") // escapes the text, marks matches
		req.Highlight.AddField(fieldTitle)
		req.Highlight.AddField(fieldDescription)
	}
	if !q.WithoutFacets {
		addFacets(req)
	}

	idx, release, err := e.index()
	if err != nil {
		return search.Result{}, err
	}
	defer release()
	res, err := idx.SearchInContext(ctx, req)
	if err != nil {
		return search.Result{}, fmt.Errorf("search products: %w", err)
	}

	out := search.Result{TotalCount: int(res.Total), Facets: readFacets(res.Facets)}
	hits := res.Hits
	if len(hits) > q.First {
		hits, out.HasNextPage = hits[:q.First], true
	}
	out.Hits = make([]search.Hit, len(hits))
	for i, h := range hits {
		out.Hits[i] = search.Hit{ID: h.ID, Cursor: q.EncodeCursor(cursorValues(req.Sort, h)), Highlights: highlights(h)}
	}
	return out, nil
}

// cursorValues are the hit's sort values as SearchAfter takes them: the score as a number,
// the rest as the index encodes them.
func cursorValues(order bsearch.SortOrder, h *bsearch.DocumentMatch) []string {
	values := make([]string, len(h.Sort))
	copy(values, h.Sort)
	for i, s := range order {
		if s.RequiresScoring() {
			values[i] = strconv.FormatFloat(h.Score, 'g', -1, 64)
		}
	}
	return values
}

func highlights(h *bsearch.DocumentMatch) []search.Highlight {
	var out []search.Highlight
	for _, f := range []string{fieldTitle, fieldDescription} {
		if frags := h.Fragments[f]; len(frags) > 0 {
			out = append(out, search.Highlight{Field: f, Fragments: frags})
		}
	}
	return out
}

const (
	facetCategory = "category"
	facetBrand    = "brand"
	facetPrice    = "price"
	facetRating   = "rating"
	facetInStock  = "in_stock"
)

func addFacets(req *bleve.SearchRequest) {
	req.AddFacet(facetCategory, bleve.NewFacetRequest(fieldCategory, search.MaxFacetValues))
	req.AddFacet(facetBrand, bleve.NewFacetRequest(fieldBrandID, search.MaxFacetValues))
	// Buckets are terms of their own fields (see fields): a terms facet over one short term
	// per document instead of numeric ranges over a numeric field's doc values.
	req.AddFacet(facetPrice, bleve.NewFacetRequest(fieldPriceBucket, len(search.PriceBuckets)))
	req.AddFacet(facetRating, bleve.NewFacetRequest(fieldRatingBand, len(search.RatingBuckets)))
	req.AddFacet(facetInStock, bleve.NewFacetRequest(fieldInStock, 2))
}

// andUp turns the counts of rating bands (each document in the narrowest bucket holding its
// rating) into the counts of the overlapping "and up" buckets: a bucket counts every band
// whose lower bound is at least its own.
func andUp(bands []search.RangeCount) []search.RangeCount {
	out := make([]search.RangeCount, len(bands))
	for i, b := range bands {
		out[i].Bucket = b.Bucket
		for _, c := range bands {
			if b.Bucket.Min == nil || (c.Bucket.Min != nil && *c.Bucket.Min >= *b.Bucket.Min) {
				out[i].Count += c.Count
			}
		}
	}
	return out
}

func readFacets(fr bsearch.FacetResults) search.Facets {
	var f search.Facets
	terms := func(name string) []search.ValueCount {
		r := fr[name]
		if r == nil || r.Terms == nil {
			return []search.ValueCount{}
		}
		out := make([]search.ValueCount, 0, r.Terms.Len())
		for _, t := range r.Terms.Terms() {
			out = append(out, search.ValueCount{Value: t.Term, Count: t.Count})
		}
		return out
	}
	ranges := func(name string, buckets []search.Bucket) []search.RangeCount {
		counts := map[string]int{}
		if r := fr[name]; r != nil && r.Terms != nil {
			for _, t := range r.Terms.Terms() {
				counts[t.Term] = t.Count
			}
		}
		out := make([]search.RangeCount, len(buckets))
		for i, b := range buckets {
			out[i] = search.RangeCount{Bucket: b, Count: counts[b.Name]}
		}
		return out
	}
	f.Categories = terms(facetCategory)
	f.Brands = terms(facetBrand)
	f.Prices = ranges(facetPrice, search.PriceBuckets)
	f.Ratings = andUp(ranges(facetRating, search.RatingBuckets))
	for _, t := range terms(facetInStock) {
		switch t.Value {
		case "T":
			f.InStock = t.Count
		case "F":
			f.OutOfStock = t.Count
		}
	}
	return f
}

// Suggest returns titles for search as you type, most reviewed first: every suggestion
// matches what was typed, and the popular ones are the likely picks.
func (e *Engine) Suggest(ctx context.Context, prefix string, limit int) ([]string, error) {
	if limit <= 0 {
		return []string{}, nil
	}
	text := textQuery(prefix, true)
	if text == nil {
		return []string{}, nil
	}
	// Titles repeat across products; fetch a few more than asked to fill limit distinct ones.
	req := bleve.NewSearchRequestOptions(text, limit*3, 0, false)
	req.SortBy([]string{"-" + fieldSortPopularity, "_id"})
	req.Fields = []string{fieldTitle}
	idx, release, err := e.index()
	if err != nil {
		return nil, err
	}
	defer release()
	res, err := idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("suggest titles: %w", err)
	}
	out := make([]string, 0, limit)
	seen := map[string]bool{}
	for _, h := range res.Hits {
		t, _ := h.Fields[fieldTitle].(string)
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
		if len(out) == limit {
			break
		}
	}
	return out, nil
}
