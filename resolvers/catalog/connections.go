package catalogresolvers

import (
	catalogql "github.com/shopgraph/shopgraph/graph/catalog"
	"github.com/shopgraph/shopgraph/subgraphs/catalog"
)

// Pagination is forward only: a page reached through a cursor has products before it.
func productConnection(page catalog.ProductPage, l catalog.ProductListing) *catalogql.ProductConnection {
	c := &catalogql.ProductConnection{
		Edges:    make([]catalogql.ProductEdge, len(page.Products)),
		PageInfo: &catalogql.PageInfo{HasNextPage: page.HasNextPage, HasPreviousPage: l.After != nil},
	}
	for i := range page.Products {
		p := &page.Products[i]
		c.Edges[i] = catalogql.ProductEdge{Cursor: catalog.ProductCursorOf(l.Sort, p), Node: p}
	}
	if n := len(c.Edges); n > 0 {
		c.PageInfo.StartCursor, c.PageInfo.EndCursor = &c.Edges[0].Cursor, &c.Edges[n-1].Cursor
	}
	return c
}

func reviewConnection(page catalog.ReviewPage, afterCursor bool) *catalogql.ReviewConnection {
	c := &catalogql.ReviewConnection{
		Edges:    make([]catalogql.ReviewEdge, len(page.Reviews)),
		PageInfo: &catalogql.PageInfo{HasNextPage: page.HasNextPage, HasPreviousPage: afterCursor},
	}
	for i := range page.Reviews {
		r := &page.Reviews[i]
		c.Edges[i] = catalogql.ReviewEdge{Cursor: catalog.ReviewCursorOf(r), Node: r}
	}
	if n := len(c.Edges); n > 0 {
		c.PageInfo.StartCursor, c.PageInfo.EndCursor = &c.Edges[0].Cursor, &c.Edges[n-1].Cursor
	}
	return c
}
