package typesense

import (
	"context"
	"fmt"
	"html"
	"strconv"
	"strings"

	"github.com/typesense/typesense-go/v2/typesense/api"

	"github.com/shopgraph/shopgraph/subgraphs/search"
)

// anyOf is a filter value list, each value quoted in backticks (Typesense's quoting for
// values with special characters); a backtick cannot be escaped, so it is dropped.
func anyOf(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = "`" + strings.ReplaceAll(v, "`", "") + "`"
	}
	return "[" + strings.Join(q, ",") + "]"
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// filterBy is the filter in Typesense's filter_by syntax; only ids and numbers reach it,
// the ids quoted.
func filterBy(f search.Filter, extra ...string) string {
	var c []string
	if len(f.CategoryIDs) > 0 {
		c = append(c, fieldCategory+":="+anyOf(f.CategoryIDs))
	}
	if len(f.BrandIDs) > 0 {
		c = append(c, fieldBrandID+":="+anyOf(f.BrandIDs))
	}
	if f.PriceMin != nil {
		c = append(c, fieldPrice+":>="+strconv.FormatInt(*f.PriceMin, 10))
	}
	if f.PriceMax != nil {
		c = append(c, fieldPrice+":<="+strconv.FormatInt(*f.PriceMax, 10))
	}
	if f.MinRating != nil {
		c = append(c, fieldRating+":>="+num(*f.MinRating))
	}
	if f.InStockOnly {
		c = append(c, fieldInStock+":=true")
	}
	c = append(c, extra...)
	return strings.Join(c, " && ")
}

// bucketFilter is the range of a facet bucket, [Min, Max).
func bucketFilter(field string, b search.Bucket) string {
	var c []string
	if b.Min != nil {
		c = append(c, field+":>="+num(*b.Min))
	}
	if b.Max != nil {
		c = append(c, field+":<"+num(*b.Max))
	}
	return strings.Join(c, " && ")
}

// Every order ends with the id so it is total (Typesense takes up to three sort fields).
var sortBy = map[search.Sort]string{
	search.SortRelevance: "_text_match:desc," + fieldPopularity + ":desc," + fieldSortKey + ":asc",
	search.SortPriceAsc:  fieldPrice + ":asc," + fieldSortKey + ":asc",
	search.SortPriceDesc: fieldPrice + ":desc," + fieldSortKey + ":asc",
	search.SortRating:    fieldRating + ":desc," + fieldPopularity + ":desc," + fieldSortKey + ":asc",
	search.SortNewest:    fieldCreated + ":desc," + fieldSortKey + ":asc",
}

// Marks around matches that no product text contains (Unicode private use), replaced by
// <mark> once the text is escaped: Typesense does not escape snippets.
const (
	markStart = "\ue000"
	markEnd   = "\ue001"
)

// textParams are the text matching settings shared by search and suggest: the query is the
// words of the text (search.Terms), so no operator or quote of Typesense's query syntax
// reaches it; every word must match; typo allowances as search.Typos.
func textParams(p *api.MultiSearchCollectionParameters, text string) {
	terms := search.Terms(text)
	q := "*"
	if len(terms) > 0 {
		q = strings.Join(terms, " ")
	}
	p.Q = &q
	p.QueryBy = ptr(fieldTitle + "," + fieldBrandName + "," + fieldDescription)
	p.QueryByWeights = ptr("3,2,1")
	p.NumTypos = ptr("2")
	p.MinLen1typo = ptr(4)
	p.MinLen2typo = ptr(8)
	p.DropTokensThreshold = ptr(0)
	p.Prefix = ptr("false")
}

// Search runs the page query and one count per range bucket in a single multi-search: range
// buckets that overlap (ratings "and up") are counted exactly, on any server version.
func (e *Engine) Search(ctx context.Context, q search.Query) (search.Result, error) {
	q, err := q.Normalize()
	if err != nil {
		return search.Result{}, err
	}
	offset := 0
	if after, err := q.AfterValues(); err != nil {
		return search.Result{}, err
	} else if after != nil {
		if offset, err = strconv.Atoi(after[0]); err != nil || offset < 0 {
			return search.Result{}, &search.InvalidQueryError{Reason: "after is not a cursor of this search"}
		}
	}
	main := api.MultiSearchCollectionParameters{Collection: e.alias}
	textParams(&main, q.Text)
	if fb := filterBy(q.Filter); fb != "" {
		main.FilterBy = &fb
	}
	main.SortBy = ptr(sortBy[q.Sort])
	main.Offset = ptr(offset)
	main.Limit = ptr(q.First + 1)
	main.FacetBy = ptr(fieldCategory + "," + fieldBrandID + "," + fieldInStock)
	main.MaxFacetValues = ptr(search.MaxFacetValues)
	main.IncludeFields = ptr("id")
	main.HighlightFields = ptr(fieldTitle + "," + fieldDescription)
	main.HighlightStartTag = ptr(markStart)
	main.HighlightEndTag = ptr(markEnd)

	searches := []api.MultiSearchCollectionParameters{main}
	count := func(field string, b search.Bucket) {
		p := api.MultiSearchCollectionParameters{Collection: e.alias}
		textParams(&p, q.Text)
		p.FilterBy = ptr(filterBy(q.Filter, bucketFilter(field, b)))
		p.PerPage = ptr(0)
		searches = append(searches, p)
	}
	if q.WithoutFacets {
		main.FacetBy = nil
	} else {
		for _, b := range search.PriceBuckets {
			count(fieldPrice, b)
		}
		for _, b := range search.RatingBuckets {
			count(fieldRating, b)
		}
	}
	res, err := e.client.MultiSearch.Perform(ctx, &api.MultiSearchParams{}, api.MultiSearchSearchesParameter{Searches: searches})
	if err != nil {
		return search.Result{}, fmt.Errorf("typesense: search products: %w", err)
	}
	if len(res.Results) != len(searches) {
		return search.Result{}, fmt.Errorf("typesense: %d results for %d searches", len(res.Results), len(searches))
	}
	page := res.Results[0]
	out := search.Result{TotalCount: deref(page.Found), Facets: facets(page.FacetCounts)}
	if rest := res.Results[1:]; len(rest) > 0 {
		out.Facets.Prices = make([]search.RangeCount, len(search.PriceBuckets))
		for i, b := range search.PriceBuckets {
			out.Facets.Prices[i] = search.RangeCount{Bucket: b, Count: deref(rest[i].Found)}
		}
		rest = rest[len(search.PriceBuckets):]
		out.Facets.Ratings = make([]search.RangeCount, len(search.RatingBuckets))
		for i, b := range search.RatingBuckets {
			out.Facets.Ratings[i] = search.RangeCount{Bucket: b, Count: deref(rest[i].Found)}
		}
	}

	var hits []api.SearchResultHit
	if page.Hits != nil {
		hits = *page.Hits
	}
	if len(hits) > q.First {
		hits, out.HasNextPage = hits[:q.First], true
	}
	out.Hits = make([]search.Hit, len(hits))
	for i, h := range hits {
		id, _ := (*h.Document)["id"].(string)
		out.Hits[i] = search.Hit{ID: id, Cursor: q.EncodeCursor([]string{strconv.Itoa(offset + i + 1)})}
		if len(search.Terms(q.Text)) > 0 && h.Highlights != nil {
			out.Hits[i].Highlights = highlights(*h.Highlights)
		}
	}
	return out, nil
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

func facets(fcs *[]api.FacetCounts) search.Facets {
	f := search.Facets{Categories: []search.ValueCount{}, Brands: []search.ValueCount{}}
	if fcs == nil {
		return f
	}
	for _, fc := range *fcs {
		if fc.FieldName == nil || fc.Counts == nil {
			continue
		}
		for _, c := range *fc.Counts {
			if c.Value == nil {
				continue
			}
			v := search.ValueCount{Value: *c.Value, Count: deref(c.Count)}
			switch *fc.FieldName {
			case fieldCategory:
				f.Categories = append(f.Categories, v)
			case fieldBrandID:
				f.Brands = append(f.Brands, v)
			case fieldInStock:
				if v.Value == "true" {
					f.InStock = v.Count
				} else {
					f.OutOfStock = v.Count
				}
			}
		}
	}
	return f
}

// highlights escapes the snippets and turns the private marks into <mark>.
func highlights(hs []api.SearchHighlight) []search.Highlight {
	var out []search.Highlight
	for _, h := range hs {
		if h.Field == nil || (*h.Field != fieldTitle && *h.Field != fieldDescription) {
			continue
		}
		var frags []string
		if h.Snippet != nil {
			frags = append(frags, *h.Snippet)
		} else if h.Snippets != nil {
			frags = append(frags, *h.Snippets...)
		}
		for i, s := range frags {
			s = html.EscapeString(s)
			s = strings.ReplaceAll(strings.ReplaceAll(s, markStart, "<mark>"), markEnd, "</mark>")
			frags[i] = s
		}
		if len(frags) > 0 {
			out = append(out, search.Highlight{Field: *h.Field, Fragments: frags})
		}
	}
	return out
}

// Suggest matches the last word as a prefix, most reviewed first.
func (e *Engine) Suggest(ctx context.Context, prefix string, limit int) ([]string, error) {
	if limit <= 0 || len(search.Terms(prefix)) == 0 {
		return []string{}, nil
	}
	p := api.MultiSearchCollectionParameters{Collection: e.alias}
	textParams(&p, prefix)
	p.Prefix = ptr("true")
	p.SortBy = ptr(fieldPopularity + ":desc," + fieldSortKey + ":asc")
	p.PerPage = ptr(limit * 3)
	p.IncludeFields = ptr(fieldTitle)
	res, err := e.client.MultiSearch.Perform(ctx, &api.MultiSearchParams{}, api.MultiSearchSearchesParameter{Searches: []api.MultiSearchCollectionParameters{p}})
	if err != nil {
		return nil, fmt.Errorf("typesense: suggest titles: %w", err)
	}
	out := make([]string, 0, limit)
	seen := map[string]bool{}
	if len(res.Results) == 0 || res.Results[0].Hits == nil {
		return out, nil
	}
	for _, h := range *res.Results[0].Hits {
		t, _ := (*h.Document)[fieldTitle].(string)
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
