package searchresolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	searchql "github.com/shopgraph/shopgraph/graph/search"
	"github.com/shopgraph/shopgraph/subgraphs/search"
)

func queryOf(text *string, f *searchql.SearchFilter, sort *searchql.SearchSort, first *int, after *string) search.Query {
	q := search.Query{First: search.DefaultFirst}
	if text != nil {
		q.Text = *text
	}
	if sort != nil {
		q.Sort = search.Sort(*sort)
	}
	if first != nil {
		q.First = *first
	}
	if after != nil {
		q.After = *after
	}
	if f != nil {
		q.Filter = search.Filter{CategoryIDs: f.CategoryIds, BrandIDs: f.BrandIds, MinRating: f.MinRating}
		if f.PriceMin != nil {
			v := int64(*f.PriceMin)
			q.Filter.PriceMin = &v
		}
		if f.PriceMax != nil {
			v := int64(*f.PriceMax)
			q.Filter.PriceMax = &v
		}
		q.Filter.InStockOnly = f.InStockOnly != nil && *f.InStockOnly
	}
	return q
}

// highlightFields maps the engines' field names onto the schema's.
var highlightFields = map[string]searchql.SearchField{
	"title":       searchql.SearchFieldTitle,
	"description": searchql.SearchFieldDescription,
}

func connectionOf(r search.Result) *searchql.SearchConnection {
	c := &searchql.SearchConnection{
		Edges:      make([]searchql.SearchEdge, len(r.Hits)),
		PageInfo:   &searchql.PageInfo{HasNextPage: r.HasNextPage},
		TotalCount: r.TotalCount,
		Facets:     facetsOf(r.Facets),
	}
	for i, h := range r.Hits {
		e := searchql.SearchEdge{Cursor: h.Cursor, Node: &searchql.Product{ID: h.ID}, Highlights: []searchql.SearchHighlight{}}
		for _, hl := range h.Highlights {
			if field, ok := highlightFields[hl.Field]; ok {
				e.Highlights = append(e.Highlights, searchql.SearchHighlight{Field: field, Fragments: hl.Fragments})
			}
		}
		c.Edges[i] = e
	}
	if n := len(r.Hits); n > 0 {
		c.PageInfo.StartCursor = &r.Hits[0].Cursor
		c.PageInfo.EndCursor = &r.Hits[n-1].Cursor
	}
	return c
}

func facetsOf(f search.Facets) *searchql.SearchFacets {
	out := &searchql.SearchFacets{
		Categories: values(f.Categories),
		Brands:     values(f.Brands),
		Prices:     make([]searchql.PriceBucket, len(f.Prices)),
		Ratings:    make([]searchql.RatingBucket, len(f.Ratings)),
		InStock:    f.InStock,
		OutOfStock: f.OutOfStock,
	}
	for i, p := range f.Prices {
		out.Prices[i] = searchql.PriceBucket{Min: intBound(p.Bucket.Min), Max: intBound(p.Bucket.Max), Count: p.Count}
	}
	for i, r := range f.Ratings {
		var min float64
		if r.Bucket.Min != nil {
			min = *r.Bucket.Min
		}
		out.Ratings[i] = searchql.RatingBucket{MinRating: min, Count: r.Count}
	}
	return out
}

func values(vs []search.ValueCount) []searchql.FacetValue {
	out := make([]searchql.FacetValue, len(vs))
	for i, v := range vs {
		out[i] = searchql.FacetValue{ID: v.Value, Count: v.Count}
	}
	return out
}

func intBound(b *float64) *int {
	if b == nil {
		return nil
	}
	v := int(*b)
	return &v
}

// selects reports whether the operation selects the field of the object being resolved.
func selects(ctx context.Context, field string) bool {
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		if f.Name == field {
			return true
		}
	}
	return false
}
