package catalogresolvers_test

import (
	"context"
	"slices"
	"strings"
	"testing"
)

func TestProductQueryMatchesStoredCatalog(t *testing.T) {
	f := newCatalog(t, 200)
	ctx := context.Background()
	// The product with the most reviews and variants, so every list has something to check.
	var id, title, brand, category, currency string
	var reviews int
	if err := f.pool.QueryRow(ctx, `SELECT p.id, p.title, b.name, c.name, p.currency, p.rating_count
		FROM catalog.product p JOIN catalog.brand b ON b.id = p.brand_id JOIN catalog.category c ON c.id = p.category_id
		ORDER BY p.rating_count DESC, (SELECT count(*) FROM catalog.variant v WHERE v.product_id = p.id) DESC, p.id
		LIMIT 1`).Scan(&id, &title, &brand, &category, &currency, &reviews); err != nil {
		t.Fatal(err)
	}
	skus := f.column(t, `SELECT sku FROM catalog.variant WHERE product_id = $1 ORDER BY position`, id)
	prices := f.column(t, `SELECT min(price)::text || ' ' || max(price)::text FROM catalog.variant WHERE product_id = $1`, id)
	newest := f.column(t, `SELECT id FROM catalog.review WHERE product_id = $1 ORDER BY created_at DESC, id DESC`, id)

	const q = `query($id: ID!, $after: String) { product(id: $id) {
		id title brand { name } category { name parent { name } }
		media { url alt }
		priceRange { min { amount currency } max { amount currency } }
		variants { sku title options { name value } price { amount currency } weightGrams product { id } }
		rating { average count }
		reviews(first: 3, after: $after) {
			edges { cursor node { id rating createdAt } }
			pageInfo { hasNextPage hasPreviousPage endCursor }
		}
	} }`
	type money struct {
		Amount   int
		Currency string
	}
	type reviewPage struct {
		Edges []struct {
			Cursor string
			Node   struct {
				ID     string
				Rating int
			}
		}
		PageInfo struct {
			HasNextPage, HasPreviousPage bool
			EndCursor                    *string
		}
	}
	var out struct {
		Product struct {
			ID, Title string
			Brand     struct{ Name string }
			Category  struct {
				Name   string
				Parent *struct{ Name string }
			}
			Media      []struct{ URL, Alt string }
			PriceRange struct{ Min, Max money }
			Variants   []struct {
				SKU, Title string
				Options    []struct{ Name, Value string }
				Price      money
				Product    struct{ ID string }
			}
			Rating struct {
				Average *float64
				Count   int
			}
			Reviews reviewPage
		}
	}
	data(t, f.handler, q, map[string]any{"id": id}, &out)
	p := out.Product
	if p.ID != id || p.Title != title || p.Brand.Name != brand || p.Category.Name != category || p.Category.Parent == nil {
		t.Errorf("product = %+v, want %s %q by %s in %s (with a parent)", p, id, title, brand, category)
	}
	if len(p.Media) == 0 || !strings.HasPrefix(p.Media[0].URL, "https://") || p.Media[0].Alt == "" {
		t.Errorf("media = %+v", p.Media)
	}
	var gotSKUs []string
	for _, v := range p.Variants {
		gotSKUs = append(gotSKUs, v.SKU)
		if v.Product.ID != id || v.Price.Currency != currency || len(v.Options) == 0 || v.Title == "" {
			t.Errorf("variant = %+v", v)
		}
	}
	if !slices.Equal(gotSKUs, skus) {
		t.Errorf("variants = %v, want %v", gotSKUs, skus)
	}
	if got := strings.Join([]string{itoa(p.PriceRange.Min.Amount), itoa(p.PriceRange.Max.Amount)}, " "); got != prices[0] || p.PriceRange.Min.Currency != currency {
		t.Errorf("price range = %+v, want %s %s", p.PriceRange, prices[0], currency)
	}
	if p.Rating.Count != reviews || (reviews > 0) != (p.Rating.Average != nil) {
		t.Errorf("rating = %+v, want %d reviews", p.Rating, reviews)
	}

	// Walk the reviews three at a time: newest first, no review twice, none left out.
	var seen []string
	var after any
	for page := 0; ; page++ {
		out.Product.Reviews = reviewPage{}
		data(t, f.handler, q, map[string]any{"id": id, "after": after}, &out)
		r := out.Product.Reviews
		for _, e := range r.Edges {
			seen = append(seen, e.Node.ID)
		}
		if r.PageInfo.HasPreviousPage != (page > 0) {
			t.Errorf("page %d: hasPreviousPage = %v", page, r.PageInfo.HasPreviousPage)
		}
		if !r.PageInfo.HasNextPage {
			break
		}
		after = *r.PageInfo.EndCursor
	}
	if !slices.Equal(seen, newest) {
		t.Errorf("reviews = %v, want %v", seen, newest)
	}
}

func itoa(n int) string {
	b := []byte{}
	for n >= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(append([]byte{byte('0' + n)}, b...))
}

func TestCategoriesIsTheWholeTree(t *testing.T) {
	f := newCatalog(t, 0)
	type node struct {
		ID, Slug string
		Parent   *struct{ ID string }
		Children []node
	}
	var out struct{ Categories []node }
	data(t, f.handler, `{ categories { id slug parent { id } children { id slug parent { id }
		children { id slug parent { id } children { id } } } } }`, nil, &out)
	queries := f.queries.byTable()["category"]
	var walk func(ns []node, parent string) int
	walk = func(ns []node, parent string) int {
		n := 0
		for _, c := range ns {
			if (parent == "") != (c.Parent == nil) || (c.Parent != nil && c.Parent.ID != parent) {
				t.Errorf("category %s: parent %+v, want %q", c.Slug, c.Parent, parent)
			}
			n += 1 + walk(c.Children, c.ID)
		}
		return n
	}
	want := len(f.column(t, `SELECT id FROM catalog.category`))
	if got := walk(out.Categories, ""); got != want || len(out.Categories) < 4 {
		t.Errorf("tree has %d categories under %d roots, want %d", got, len(out.Categories), want)
	}
	// The tree is read once, however deep the selection goes.
	if queries != 1 {
		t.Errorf("%d category queries, want 1", queries)
	}
}

func TestBadInputIsRefusedWithBadUserInput(t *testing.T) {
	f := newCatalog(t, 3)
	id := f.column(t, `SELECT id FROM catalog.product LIMIT 1`)[0]
	tests := []struct {
		name, query string
	}{
		{"malformed product id", `{ product(id: "123") { id } }`},
		{"malformed category id", `{ category(id: "electronics") { id } }`},
		{"first over 100", `{ products(first: 101) { edges { cursor } } }`},
		{"negative first", `{ products(first: -1) { edges { cursor } } }`},
		{"negative priceMin", `{ products(filter: {priceMin: -1}) { edges { cursor } } }`},
		{"negative priceMax", `{ products(filter: {priceMax: -100}) { edges { cursor } } }`},
		{"malformed category filter", `{ products(filter: {categoryId: "x"}) { edges { cursor } } }`},
		{"malformed brand filter", `{ products(filter: {brandId: "1"}) { edges { cursor } } }`},
		{"garbage cursor", `{ products(after: "bm90IGEgY3Vyc29y") { edges { cursor } } }`},
		{"cursor that is not base64", `{ products(after: "???") { edges { cursor } } }`},
		{"too many reviews", `{ product(id: "` + id + `") { reviews(first: 1000) { edges { cursor } } } }`},
		{"garbage review cursor", `{ product(id: "` + id + `") { reviews(after: "x") { edges { cursor } } } }`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := do(t, f.handler, tt.query, nil)
			if codes := resp.Codes(); !slices.Equal(codes, []string{"BAD_USER_INPUT"}) {
				t.Fatalf("codes = %v (%+v), want BAD_USER_INPUT", codes, resp.Errors)
			}
			if msg := resp.Errors[0].Message; strings.Contains(msg, "SELECT") || strings.Contains(msg, "goroutine") {
				t.Errorf("message leaks internals: %q", msg)
			}
		})
	}
}

func TestUnknownIDsAreNullWithoutError(t *testing.T) {
	f := newCatalog(t, 3)
	var out struct {
		Product  *struct{ ID string }
		Variant  *struct{ SKU string }
		Category *struct{ ID string }
		Products struct{ Edges []struct{ Cursor string } }
	}
	data(t, f.handler, `{
		product(id: "01ARZ3NDEKTSV4RRFFQ69G5FAV") { id }
		variant(sku: "NOPE-0000000-1") { sku }
		category(id: "01ARZ3NDEKTSV4RRFFQ69G5FAV") { id }
		products(filter: {brandId: "01ARZ3NDEKTSV4RRFFQ69G5FAV"}) { edges { cursor } }
	}`, nil, &out)
	if out.Product != nil || out.Variant != nil || out.Category != nil || len(out.Products.Edges) != 0 {
		t.Errorf("unknown ids answered %+v, want nulls and an empty listing", out)
	}
}

func TestDatabaseOutageIsAnInternalError(t *testing.T) {
	f := newCatalog(t, 3)
	f.pool.Close()
	resp := do(t, f.handler, `{ products { edges { node { id } } } }`, nil)
	if codes := resp.Codes(); !slices.Equal(codes, []string{"INTERNAL_SERVER_ERROR"}) {
		t.Fatalf("codes = %v, want INTERNAL_SERVER_ERROR", codes)
	}
	if msg := resp.Errors[0].Message; msg != "internal server error" {
		t.Errorf("message = %q, want it masked", msg)
	}
}
