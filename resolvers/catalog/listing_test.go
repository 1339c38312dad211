package catalogresolvers_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

const listingQuery = `query($first: Int, $after: String, $filter: ProductFilter, $sort: ProductSort) {
	products(first: $first, after: $after, filter: $filter, sort: $sort) {
		edges { cursor node { id } }
		pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
	}
}`

type listingPage struct {
	Products struct {
		Edges []struct {
			Cursor string
			Node   struct{ ID string }
		}
		PageInfo struct {
			HasNextPage, HasPreviousPage bool
			StartCursor, EndCursor       *string
		}
	}
}

// walk pages through a listing and returns every product id in the order served.
func walk(t *testing.T, f *catalogFixture, first int, filter map[string]any, sort string) []string {
	t.Helper()
	var ids []string
	var after any
	for page := 0; ; page++ {
		var out listingPage
		data(t, f.handler, listingQuery, map[string]any{"first": first, "after": after, "filter": filter, "sort": sort}, &out)
		c := out.Products
		if len(c.Edges) > first {
			t.Fatalf("page %d has %d products, asked for %d", page, len(c.Edges), first)
		}
		if c.PageInfo.HasPreviousPage != (page > 0) {
			t.Errorf("page %d: hasPreviousPage = %v", page, c.PageInfo.HasPreviousPage)
		}
		for _, e := range c.Edges {
			ids = append(ids, e.Node.ID)
		}
		if len(c.Edges) > 0 && (*c.PageInfo.EndCursor != c.Edges[len(c.Edges)-1].Cursor || *c.PageInfo.StartCursor != c.Edges[0].Cursor) {
			t.Errorf("page %d: start/end cursors do not match the edges", page)
		}
		if !c.PageInfo.HasNextPage {
			if len(c.Edges) == first && first > 0 {
				// A full last page is fine only if nothing follows it; the next call proves it.
				var next listingPage
				data(t, f.handler, listingQuery, map[string]any{"first": first, "after": *c.PageInfo.EndCursor, "filter": filter, "sort": sort}, &next)
				if len(next.Products.Edges) != 0 {
					t.Errorf("hasNextPage false but %d products follow", len(next.Products.Edges))
				}
			}
			return ids
		}
		if len(c.Edges) != first {
			t.Fatalf("page %d has %d products and claims a next page", page, len(c.Edges))
		}
		after = *c.PageInfo.EndCursor
		if page > 1000 {
			t.Fatal("listing does not end")
		}
	}
}

// orders are the SQL orders each sort promises, ties broken by id.
var orders = map[string]string{
	"NEWEST":     "created_at DESC, id DESC",
	"PRICE_ASC":  "price_min, id",
	"PRICE_DESC": "price_min DESC, id DESC",
	"TITLE":      "title, id",
	"RATING":     "rating_score DESC, id DESC",
}

func TestPaginationVisitsEveryProductOnceInEverySort(t *testing.T) {
	f := newCatalog(t, 300)
	for sort, order := range orders {
		t.Run(sort, func(t *testing.T) {
			want := f.column(t, `SELECT id FROM catalog.product ORDER BY `+order)
			got := walk(t, f, 17, nil, sort)
			if !slices.Equal(got, want) {
				t.Errorf("pages gave %d ids (first %v), want %d in %s order", len(got), got[:min(3, len(got))], len(want), order)
			}
		})
	}
}

// Prices and ratings repeat across products, so ties must break on the id for pages to be
// stable; a catalog where every product has the same price shows whether they do.
func TestPaginationIsStableWhenSortKeysTie(t *testing.T) {
	f := newCatalog(t, 120)
	if _, err := f.pool.Exec(context.Background(), `UPDATE catalog.product SET price_min = 1999, title = 'Same', rating_count = 1, rating_sum = 4`); err != nil {
		t.Fatal(err)
	}
	for _, sort := range []string{"PRICE_ASC", "PRICE_DESC", "TITLE", "RATING"} {
		want := f.column(t, `SELECT id FROM catalog.product ORDER BY `+orders[sort])
		if got := walk(t, f, 10, nil, sort); !slices.Equal(got, want) {
			t.Errorf("%s: %d ids over pages, want %d in id order", sort, len(got), len(want))
		}
	}
}

func TestFiltersSelectTheExpectedProducts(t *testing.T) {
	f := newCatalog(t, 400)
	ctx := context.Background()
	var root, leaf, brand string
	if err := f.pool.QueryRow(ctx, `SELECT
		(SELECT id FROM catalog.category WHERE parent_id IS NULL ORDER BY position LIMIT 1),
		(SELECT c.id FROM catalog.category c JOIN catalog.product p ON p.category_id = c.id
			WHERE c.parent_id IS NOT NULL GROUP BY c.id ORDER BY count(*) DESC, c.id LIMIT 1),
		(SELECT brand_id FROM catalog.product GROUP BY brand_id ORDER BY count(*) DESC, brand_id LIMIT 1)`).Scan(&root, &leaf, &brand); err != nil {
		t.Fatal(err)
	}
	// The root's subtree, computed independently of the store's recursive query.
	subtree := `(SELECT id FROM catalog.category WHERE id = '` + root + `'
		OR parent_id = '` + root + `'
		OR parent_id IN (SELECT id FROM catalog.category WHERE parent_id = '` + root + `'))`
	tests := []struct {
		name   string
		filter map[string]any
		sort   string
		where  string
	}{
		{"root category includes descendants", map[string]any{"categoryId": root}, "NEWEST", "category_id IN " + subtree},
		{"leaf category", map[string]any{"categoryId": leaf}, "TITLE", fmt.Sprintf("category_id = '%s'", leaf)},
		{"brand", map[string]any{"brandId": brand}, "PRICE_DESC", fmt.Sprintf("brand_id = '%s'", brand)},
		{"price range", map[string]any{"priceMin": 5000, "priceMax": 15000}, "PRICE_ASC", "price_min BETWEEN 5000 AND 15000"},
		{"price floor", map[string]any{"priceMin": 100000}, "RATING", "price_min >= 100000"},
		{"price ceiling at zero", map[string]any{"priceMax": 0}, "NEWEST", "price_min <= 0"},
		{"everything at once", map[string]any{"categoryId": root, "brandId": brand, "priceMax": 50000}, "PRICE_ASC",
			fmt.Sprintf("category_id IN %s AND brand_id = '%s' AND price_min <= 50000", subtree, brand)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := f.column(t, `SELECT id FROM catalog.product WHERE `+tt.where+` ORDER BY `+orders[tt.sort])
			got := walk(t, f, 25, tt.filter, tt.sort)
			if !slices.Equal(got, want) {
				t.Errorf("got %d products, want %d", len(got), len(want))
			}
			if tt.name != "price ceiling at zero" && len(want) == 0 {
				t.Error("the filter matches nothing; the test proves little")
			}
		})
	}
}

func TestCursorFromAnotherSortIsRefused(t *testing.T) {
	f := newCatalog(t, 10)
	var out listingPage
	data(t, f.handler, listingQuery, map[string]any{"first": 2, "sort": "NEWEST"}, &out)
	resp := do(t, f.handler, listingQuery, map[string]any{"first": 2, "sort": "TITLE", "after": *out.Products.PageInfo.EndCursor})
	if codes := resp.Codes(); !slices.Equal(codes, []string{"BAD_USER_INPUT"}) {
		t.Errorf("codes = %v, want BAD_USER_INPUT", codes)
	}
}

func TestEmptyPage(t *testing.T) {
	f := newCatalog(t, 5)
	var out listingPage
	data(t, f.handler, listingQuery, map[string]any{"first": 0}, &out)
	if len(out.Products.Edges) != 0 || !out.Products.PageInfo.HasNextPage || out.Products.PageInfo.EndCursor != nil {
		t.Errorf("first: 0 gave %+v, want no edges, a next page and no cursor", out.Products)
	}
}
