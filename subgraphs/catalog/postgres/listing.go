package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shopgraph/shopgraph/subgraphs/catalog"
)

// sortKeys maps each sort to its key column and direction. The id breaks ties, in the same
// direction, so that (key, id) row comparisons match the index order.
var sortKeys = map[catalog.ProductSort]struct {
	column string
	desc   bool
}{
	catalog.SortNewest:    {"p.created_at", true},
	catalog.SortPriceAsc:  {"p.price_min", false},
	catalog.SortPriceDesc: {"p.price_min", true},
	catalog.SortTitle:     {"p.title", false},
	catalog.SortRating:    {"p.rating_score", true},
}

// mergedCategoryLimit bounds the categories whose listings are merged branch by branch; a
// larger subtree is filtered with one = ANY scan instead.
const mergedCategoryLimit = 64

// ListProducts returns one page of a listing. Pages are keyset pages: the cursor's sort key and
// id seek into the sort's index, so page 10,000 costs what page 1 does.
//
// Prices and ratings correlate with categories (laptops cost more than socks), so a category
// filter must not walk the global sort index discarding other categories' products: each
// category of the subtree is read from its own (category_id, key, id) index and the branches
// are merged, which reads at most first+1 rows per category.
func (s *Store) ListProducts(ctx context.Context, l catalog.ProductListing) (catalog.ProductPage, error) {
	key, ok := sortKeys[l.Sort]
	if !ok {
		return catalog.ProductPage{}, fmt.Errorf("list products: unknown sort %q", l.Sort)
	}
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if l.Filter.BrandID != "" {
		where = append(where, `p.brand_id = `+arg(l.Filter.BrandID))
	}
	if l.Filter.PriceMin != nil {
		where = append(where, `p.price_min >= `+arg(*l.Filter.PriceMin))
	}
	if l.Filter.PriceMax != nil {
		where = append(where, `p.price_min <= `+arg(*l.Filter.PriceMax))
	}
	dir, cmp := "ASC", ">"
	if key.desc {
		dir, cmp = "DESC", "<"
	}
	if c := l.After; c != nil {
		var k any
		switch l.Sort {
		case catalog.SortNewest:
			k = c.CreatedAt
		case catalog.SortPriceAsc, catalog.SortPriceDesc:
			k = c.Price
		case catalog.SortTitle:
			k = c.Title
		case catalog.SortRating:
			k = int32(c.Rating)
		}
		where = append(where, fmt.Sprintf("(%s, p.id) %s (%s, %s)", key.column, cmp, arg(k), arg(c.ID)))
	}
	// One row more than asked tells whether another page follows.
	tail := fmt.Sprintf("\nORDER BY %s %s, p.id %s\nLIMIT %s", key.column, dir, dir, arg(l.First+1))
	selectWhere := func(columns string, extra ...string) string {
		conds := append(extra, where...)
		q := `SELECT ` + columns + ` FROM catalog.product p`
		if len(conds) > 0 {
			q += "\nWHERE " + strings.Join(conds, "\n  AND ")
		}
		return q
	}

	var sql string
	if l.Filter.CategoryID == "" {
		sql = selectWhere(productColumns) + tail
	} else {
		subtree, err := s.categorySubtree(ctx, l.Filter.CategoryID)
		if err != nil {
			return catalog.ProductPage{}, fmt.Errorf("list products: %w", err)
		}
		switch {
		case len(subtree) == 0:
			return catalog.ProductPage{}, nil // unknown category: nothing is in it
		case len(subtree) > mergedCategoryLimit:
			sql = selectWhere(productColumns, `p.category_id = ANY(`+arg(subtree)+`)`) + tail
		default:
			branches := make([]string, len(subtree))
			for i, id := range subtree {
				// The merge sorts on the branches' columns, rating_score included.
				branches[i] = "(" + selectWhere(productColumns+", p.rating_score", `p.category_id = `+arg(id)) + tail + ")"
			}
			sql = `SELECT ` + productColumns + ` FROM (` + strings.Join(branches, "\nUNION ALL\n") + `) p` + tail
		}
	}

	// Planned with the actual filter values (no cached generic plan): how selective a brand or
	// price range is decides which index serves the page.
	rows, err := s.pool.Query(ctx, sql, append([]any{pgx.QueryExecModeExec}, args...)...)
	if err != nil {
		return catalog.ProductPage{}, fmt.Errorf("list products: %w", err)
	}
	ps, err := collectProducts(rows)
	if err != nil {
		return catalog.ProductPage{}, fmt.Errorf("list products: %w", err)
	}
	page := catalog.ProductPage{Products: ps}
	if len(ps) > l.First {
		page.Products, page.HasNextPage = ps[:l.First], true
	}
	return page, nil
}

// categorySubtree returns the id of the category and of all its descendants; none when the
// category does not exist.
func (s *Store) categorySubtree(ctx context.Context, id string) ([]string, error) {
	rows, err := s.pool.Query(ctx, `
		WITH RECURSIVE tree (id) AS (
			SELECT id FROM catalog.category WHERE id = $1
			UNION ALL
			SELECT c.id FROM catalog.category c JOIN tree t ON c.parent_id = t.id)
		SELECT id FROM tree`, id)
	if err != nil {
		return nil, fmt.Errorf("category subtree: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("category subtree: %w", err)
	}
	return ids, nil
}

type reviewRow struct {
	Req        int32     `db:"req"`
	ID         string    `db:"id"`
	ProductID  string    `db:"product_id"`
	Rating     int       `db:"rating"`
	Title      string    `db:"title"`
	Body       string    `db:"body"`
	AuthorName string    `db:"author_name"`
	CreatedAt  time.Time `db:"created_at"`
}

// ReviewPages returns one page of reviews for each request, in request order, with a single
// statement: a lateral subquery per request walks that product's review index from its cursor.
func (s *Store) ReviewPages(ctx context.Context, reqs []catalog.ReviewPageRequest) ([]catalog.ReviewPage, error) {
	products := make([]string, len(reqs))
	limits := make([]int32, len(reqs))
	afterAt := make([]*time.Time, len(reqs))
	afterID := make([]*string, len(reqs))
	for i, r := range reqs {
		products[i] = r.ProductID
		limits[i] = int32(r.First + 1)
		if !r.After.IsZero() {
			at, id := time.UnixMicro(r.After.CreatedAtMicro), r.After.ID
			afterAt[i], afterID[i] = &at, &id
		}
	}
	rows, err := s.pool.Query(ctx, `
		SELECT k.req::int4 AS req, r.id, r.product_id, r.rating, r.title, r.body, r.author_name, r.created_at
		FROM unnest($1::text[], $2::int4[], $3::timestamptz[], $4::text[])
			WITH ORDINALITY AS k (product_id, lim, after_at, after_id, req)
		CROSS JOIN LATERAL (
			SELECT * FROM catalog.review r
			WHERE r.product_id = k.product_id
			  AND (k.after_id IS NULL OR (r.created_at, r.id) < (k.after_at, k.after_id COLLATE "C"))
			ORDER BY r.created_at DESC, r.id DESC
			LIMIT k.lim) r
		ORDER BY k.req, r.created_at DESC, r.id DESC`, products, limits, afterAt, afterID)
	if err != nil {
		return nil, fmt.Errorf("review pages: %w", err)
	}
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByName[reviewRow])
	if err != nil {
		return nil, fmt.Errorf("review pages: %w", err)
	}
	pages := make([]catalog.ReviewPage, len(reqs))
	for _, r := range rs {
		i := int(r.Req) - 1 // ordinality counts from 1
		if len(pages[i].Reviews) == reqs[i].First {
			pages[i].HasNextPage = true
			continue
		}
		pages[i].Reviews = append(pages[i].Reviews, catalog.Review{
			ID: r.ID, ProductID: r.ProductID, Rating: r.Rating, Title: r.Title, Body: r.Body,
			AuthorName: r.AuthorName, CreatedAt: r.CreatedAt.UTC(),
		})
	}
	return pages, nil
}
