package sources_test

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	catalogpg "github.com/shopgraph/shopgraph/subgraphs/catalog/postgres"
	inventorypg "github.com/shopgraph/shopgraph/subgraphs/inventory/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
	"github.com/shopgraph/shopgraph/subgraphs/search"
	"github.com/shopgraph/shopgraph/subgraphs/search/bleve"
	"github.com/shopgraph/shopgraph/subgraphs/search/sources"
)

const seededProducts = 1500

type store struct {
	pool    *pgxpool.Pool
	engine  *bleve.Engine
	indexer *search.Indexer
}

// newStore seeds a catalog with stock and indexes it with a full reindex.
func newStore(t *testing.T) store {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.NewPool(t, nil, catalogpg.Domain, inventorypg.Domain)
	skus, err := catalogpg.Seed(ctx, pool, seededProducts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := inventorypg.Seed(ctx, pool, skus, nil); err != nil {
		t.Fatal(err)
	}
	engine, err := bleve.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = engine.Close() })
	ix := search.NewIndexer(engine, sources.NewCatalog(catalogpg.NewStore(pool)), sources.NewStock(inventorypg.NewStore(pool)))
	n, err := ix.Reindex(ctx, nil)
	if err != nil || n != seededProducts {
		t.Fatalf("reindex: %d products, %v", n, err)
	}
	return store{pool: pool, engine: engine, indexer: ix}
}

func (s store) search(t *testing.T, q search.Query) search.Result {
	t.Helper()
	if q.First == 0 {
		q.First = 100
	}
	r, err := s.engine.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("search %+v: %v", q, err)
	}
	return r
}

func (s store) scalar(t *testing.T, sql string, args ...any) string {
	t.Helper()
	var v string
	if err := s.pool.QueryRow(context.Background(), sql, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}

// sqlFacets counts in SQL, over the catalog and inventory tables, what the search's facets
// count for the same filter.
const sqlFacets = `
WITH RECURSIVE ancestry AS ( -- (category, each of its ancestors and itself)
    SELECT id, id AS ancestor FROM catalog.category
    UNION ALL
    SELECT c.id, a.ancestor FROM catalog.category c JOIN ancestry a ON c.parent_id = a.id
), p AS (
    SELECT p.id, p.brand_id, p.category_id, p.price_min,
           CASE WHEN p.rating_count = 0 THEN 0 ELSE p.rating_sum::float8 / p.rating_count END AS rating,
           EXISTS (
               SELECT 1 FROM catalog.variant v JOIN inventory.stock s ON s.sku = v.sku
               WHERE v.product_id = p.id AND s.on_hand > COALESCE((
                   SELECT sum(h.quantity) FROM inventory.hold h
                   WHERE h.sku = s.sku AND h.fulfillment_center_id = s.fulfillment_center_id
                     AND h.status = 'ACTIVE' AND h.expires_at > now()), 0)
           ) AS in_stock
    FROM catalog.product p
), m AS (
    SELECT * FROM p
    WHERE ($1::text[] IS NULL OR category_id IN (SELECT id FROM ancestry WHERE ancestor = ANY($1)))
      AND ($2::text[] IS NULL OR brand_id = ANY($2))
      AND ($3::bigint IS NULL OR price_min >= $3)
      AND ($4::bigint IS NULL OR price_min <= $4)
      AND ($5::float8 IS NULL OR rating >= $5)
      AND (NOT $6 OR in_stock)
)
SELECT 'total', '', count(*) FROM m
UNION ALL SELECT 'brand', brand_id, count(*) FROM m WHERE brand_id IS NOT NULL GROUP BY brand_id
UNION ALL SELECT 'category', a.ancestor, count(*) FROM m JOIN ancestry a ON a.id = m.category_id GROUP BY a.ancestor
UNION ALL SELECT 'price', b.name, count(m.id) FROM (VALUES
    ('under-25', NULL, 2500), ('25-50', 2500, 5000), ('50-100', 5000, 10000),
    ('100-200', 10000, 20000), ('200-500', 20000, 50000), ('500-and-up', 50000, NULL)) AS b (name, lo, hi)
    LEFT JOIN m ON (b.lo IS NULL OR m.price_min >= b.lo) AND (b.hi IS NULL OR m.price_min < b.hi) GROUP BY b.name
UNION ALL SELECT 'rating', b.name, count(m.id) FROM (VALUES
    ('4-and-up', 4), ('3-and-up', 3), ('2-and-up', 2), ('1-and-up', 1)) AS b (name, lo)
    LEFT JOIN m ON m.rating >= b.lo GROUP BY b.name
UNION ALL SELECT 'stock', in_stock::text, count(*) FROM m GROUP BY in_stock`

type facetRow struct {
	Kind  string
	Value string
	Count int
}

func (s store) sqlCounts(t *testing.T, f search.Filter) map[string]int {
	t.Helper()
	var cats, brands []string
	if len(f.CategoryIDs) > 0 {
		cats = f.CategoryIDs
	}
	if len(f.BrandIDs) > 0 {
		brands = f.BrandIDs
	}
	rows, _ := s.pool.Query(context.Background(), sqlFacets, cats, brands, f.PriceMin, f.PriceMax, f.MinRating, f.InStockOnly)
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (facetRow, error) {
		var fr facetRow
		var n int64
		err := r.Scan(&fr.Kind, &fr.Value, &n)
		fr.Count = int(n)
		return fr, err
	})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range got {
		if r.Count > 0 {
			out[r.Kind+" "+r.Value] = r.Count
		}
	}
	return out
}

func engineCounts(r search.Result) map[string]int {
	out := map[string]int{"total ": r.TotalCount}
	add := func(k string, n int) {
		if n > 0 {
			out[k] = n
		}
	}
	for _, v := range r.Facets.Brands {
		add("brand "+v.Value, v.Count)
	}
	for _, v := range r.Facets.Categories {
		add("category "+v.Value, v.Count)
	}
	for _, v := range r.Facets.Prices {
		add("price "+v.Bucket.Name, v.Count)
	}
	for _, v := range r.Facets.Ratings {
		add("rating "+v.Bucket.Name, v.Count)
	}
	add("stock true", r.Facets.InStock)
	add("stock false", r.Facets.OutOfStock)
	return out
}

func ptr[T any](v T) *T { return &v }

// TestSeededStore runs the read-only checks on one seeded, indexed store.
func TestSeededStore(t *testing.T) {
	s := newStore(t)
	t.Run("FacetCountsEqualSQL", func(t *testing.T) { testFacetCountsEqualSQL(t, s) })
	t.Run("TypoFindsSeededProduct", func(t *testing.T) { testTypoFindsSeededProduct(t, s) })
	t.Run("PaginationIsStable", func(t *testing.T) { testPaginationIsStable(t, s) })
}

func testFacetCountsEqualSQL(t *testing.T, s store) {
	root := s.scalar(t, `SELECT id FROM catalog.category WHERE parent_id IS NULL ORDER BY position LIMIT 1`)
	leaf := s.scalar(t, `SELECT id FROM catalog.category c WHERE NOT EXISTS (SELECT 1 FROM catalog.category k WHERE k.parent_id = c.id) ORDER BY id LIMIT 1`)
	brand := s.scalar(t, `SELECT brand_id FROM catalog.product WHERE brand_id IS NOT NULL GROUP BY brand_id ORDER BY count(*) DESC, brand_id LIMIT 1`)
	brand2 := s.scalar(t, `SELECT brand_id FROM catalog.product WHERE brand_id IS NOT NULL GROUP BY brand_id ORDER BY count(*), brand_id LIMIT 1`)
	cases := []struct {
		name   string
		filter search.Filter
	}{
		{"everything", search.Filter{}},
		{"root category with its descendants", search.Filter{CategoryIDs: []string{root}}},
		{"root category and a price range", search.Filter{CategoryIDs: []string{root}, PriceMin: ptr[int64](2500), PriceMax: ptr[int64](15000)}},
		{"leaf category or two brands", search.Filter{CategoryIDs: []string{leaf}, BrandIDs: []string{brand, brand2}}},
		{"in stock and well rated", search.Filter{InStockOnly: true, MinRating: ptr(3.5)}},
		{"price bounds on bucket edges", search.Filter{PriceMin: ptr[int64](5000), PriceMax: ptr[int64](20000)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := s.sqlCounts(t, c.filter)
			if want["total "] == 0 {
				t.Fatalf("the filter matches nothing in SQL; the case tests nothing")
			}
			got := engineCounts(s.search(t, search.Query{Filter: c.filter, First: 1}))
			if !maps.Equal(got, want) {
				for k := range maps.Keys(want) {
					if got[k] != want[k] {
						t.Errorf("%s: search %d, SQL %d", k, got[k], want[k])
					}
				}
				for k := range maps.Keys(got) {
					if _, ok := want[k]; !ok {
						t.Errorf("%s: search %d, SQL none", k, got[k])
					}
				}
			}
		})
	}
}

func testTypoFindsSeededProduct(t *testing.T, s store) {
	id := s.scalar(t, `SELECT id FROM catalog.product ORDER BY id LIMIT 1 OFFSET 7`)
	title := s.scalar(t, `SELECT title FROM catalog.product WHERE id = $1`, id)
	// The longest word of the title, with its second letter dropped.
	words := search.Terms(title)
	word := slices.MaxFunc(words, func(a, b string) int { return len(a) - len(b) })
	if len(word) < 5 {
		t.Fatalf("title %q has no word long enough to misspell", title)
	}
	typo := word[:1] + word[2:]
	text := strings.Join(append(slices.DeleteFunc(slices.Clone(words), func(w string) bool { return w == word }), typo), " ")
	price, _ := strconv.ParseInt(s.scalar(t, `SELECT price_min FROM catalog.product WHERE id = $1`, id), 10, 64)
	// The price narrows the matches to a page, so the product must be on it.
	r := s.search(t, search.Query{Text: text, Filter: search.Filter{PriceMin: &price, PriceMax: &price}})
	if !slices.ContainsFunc(r.Hits, func(h search.Hit) bool { return h.ID == id }) {
		t.Fatalf("%q (for %q) does not find %s among %d matches", text, title, id, r.TotalCount)
	}
	exact := s.search(t, search.Query{Text: strings.Join(words, " ")})
	fuzzy := s.search(t, search.Query{Text: text})
	if fuzzy.TotalCount < exact.TotalCount {
		t.Fatalf("%q found %d products, fewer than the %d of %q", text, fuzzy.TotalCount, exact.TotalCount, title)
	}
}

func testPaginationIsStable(t *testing.T, s store) {
	for _, sort := range []search.Sort{search.SortRelevance, search.SortPriceAsc, search.SortRating, search.SortNewest} {
		t.Run(string(sort), func(t *testing.T) {
			q := search.Query{Sort: sort, Filter: search.Filter{PriceMax: ptr[int64](30000)}, First: 37}
			seen := map[string]bool{}
			var order []string
			total := -1
			for page := 0; ; page++ {
				r := s.search(t, q)
				if total == -1 {
					total = r.TotalCount
				} else if r.TotalCount != total {
					t.Fatalf("total moved from %d to %d", total, r.TotalCount)
				}
				for _, h := range r.Hits {
					if seen[h.ID] {
						t.Fatalf("page %d repeats %s", page, h.ID)
					}
					seen[h.ID] = true
					order = append(order, h.ID)
				}
				if !r.HasNextPage {
					break
				}
				q.After = r.Hits[len(r.Hits)-1].Cursor
			}
			if len(seen) != total {
				t.Fatalf("pages held %d products of %d", len(seen), total)
			}
			want := s.scalar(t, `SELECT count(*) FROM catalog.product WHERE price_min <= 30000`)
			if strconv.Itoa(total) != want {
				t.Fatalf("total %d, SQL %s", total, want)
			}
			if sort == search.SortPriceAsc {
				rows, _ := s.pool.Query(context.Background(), `SELECT id FROM catalog.product WHERE price_min <= 30000 ORDER BY price_min, id`)
				ids, _ := pgx.CollectRows(rows, pgx.RowTo[string])
				if !slices.Equal(order, ids) {
					t.Fatalf("PRICE_ASC pages differ from SQL's order")
				}
			}
		})
	}
}

func TestRefreshAndReindexWithoutDowntime(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	id := s.scalar(t, `SELECT id FROM catalog.product ORDER BY id LIMIT 1`)
	if _, err := s.pool.Exec(ctx, `UPDATE catalog.product SET title = 'Quokka Lamp' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, `UPDATE inventory.stock SET on_hand = 0 WHERE sku IN (SELECT sku FROM catalog.variant WHERE product_id = $1)`, id); err != nil {
		t.Fatal(err)
	}
	if err := s.indexer.Refresh(ctx, []string{id}); err != nil {
		t.Fatal(err)
	}
	if r := s.search(t, search.Query{Text: "quokka"}); len(r.Hits) != 1 || r.Hits[0].ID != id {
		t.Fatalf("refreshed title not found: %+v", r.Hits)
	}
	if r := s.search(t, search.Query{Text: "quokka", Filter: search.Filter{InStockOnly: true}}); r.TotalCount != 0 {
		t.Fatalf("sold-out product matches inStockOnly")
	}

	// During a rebuild the live index answers in full; a change made meanwhile survives the swap.
	var during atomic.Int64
	var changed atomic.Bool
	n, err := s.indexer.Reindex(ctx, func(done int) {
		r, err := s.engine.Search(ctx, search.Query{First: 1})
		if err != nil || r.TotalCount != seededProducts {
			during.Store(int64(r.TotalCount))
		}
		if !changed.Swap(true) {
			// This product was read on an earlier page (newest first walk), or will be: either
			// way the refresh must win.
			if _, err := s.pool.Exec(ctx, `UPDATE catalog.product SET title = 'Axolotl Lamp' WHERE id = $1`, id); err != nil {
				t.Error(err)
			}
			if err := s.indexer.Refresh(ctx, []string{id}); err != nil {
				t.Error(err)
			}
		}
	})
	if err != nil || n != seededProducts {
		t.Fatalf("reindex: %d, %v", n, err)
	}
	if v := during.Load(); v != 0 {
		t.Fatalf("search during the rebuild saw %d products", v)
	}
	if r := s.search(t, search.Query{Text: "axolotl"}); len(r.Hits) != 1 || r.Hits[0].ID != id {
		t.Fatalf("a change during the rebuild was lost: %+v", r.Hits)
	}
	if r := s.search(t, search.Query{}); r.TotalCount != seededProducts {
		t.Fatalf("after the swap: %d products", r.TotalCount)
	}
}

func TestIndexIfEmpty(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t, nil, catalogpg.Domain, inventorypg.Domain)
	if _, err := catalogpg.Seed(ctx, pool, 50, nil); err != nil {
		t.Fatal(err)
	}
	engine, err := bleve.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = engine.Close() })
	ix := search.NewIndexer(engine, sources.NewCatalog(catalogpg.NewStore(pool)), sources.NewStock(inventorypg.NewStore(pool)))
	for i, want := range []bool{true, false} {
		did, err := ix.IndexIfEmpty(ctx, nil)
		if err != nil || did != want {
			t.Fatalf("call %d: reindexed %v, %v; want %v", i+1, did, err, want)
		}
	}
	r, err := engine.Search(ctx, search.Query{First: 1})
	if err != nil || r.TotalCount != 50 || r.Facets.OutOfStock != 50 {
		t.Fatalf("after IndexIfEmpty: %d products, %d out of stock (no stock seeded), %v", r.TotalCount, r.Facets.OutOfStock, err)
	}
}
