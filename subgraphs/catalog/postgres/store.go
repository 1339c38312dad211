// Package postgres stores the catalog domain in the Postgres schema "catalog".
//
// Every read takes a batch of keys and issues one statement (`= ANY($1)`), so the per-request
// loaders resolve a whole GraphQL selection level with one query per type.
package postgres

import (
	"context"
	"embed"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shopgraph/shopgraph/subgraphs"
	"github.com/shopgraph/shopgraph/subgraphs/catalog"
	"github.com/shopgraph/shopgraph/subgraphs/rowscan"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Domain is what the binary needs to migrate the catalog schema.
var Domain = subgraphs.Domain{
	Name:       "catalog",
	Schema:     "catalog",
	Migrations: subgraphs.EmbeddedMigrations(migrations, "migrations"),
}

// Store reads the catalog from Postgres.
type Store struct {
	pool *pgxpool.Pool
}

// NewStore returns a Store on the pool.
func NewStore(pool *pgxpool.Pool) *Store {
	return &Store{pool: pool}
}

// mediaJSON and optionJSON are the shapes of the jsonb columns product.media and variant.options.
type mediaJSON struct {
	URL string `json:"url"`
	Alt string `json:"alt"`
}

type optionJSON struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

const productColumns = `p.id, p.title, p.description, p.brand_id, p.category_id, p.media, p.currency,
	p.price_min, p.rating_count, p.rating_sum, p.created_at`

type productRow struct {
	ID          string      `db:"id"`
	Title       string      `db:"title"`
	Description string      `db:"description"`
	BrandID     *string     `db:"brand_id"`
	CategoryID  *string     `db:"category_id"`
	Media       []mediaJSON `db:"media"`
	Currency    string      `db:"currency"`
	PriceMin    int64       `db:"price_min"`
	RatingCount int         `db:"rating_count"`
	RatingSum   int         `db:"rating_sum"`
	CreatedAt   time.Time   `db:"created_at"`
}

func (r *productRow) product() catalog.Product {
	p := catalog.Product{
		ID:          r.ID,
		Title:       r.Title,
		Description: r.Description,
		Currency:    r.Currency,
		PriceMin:    r.PriceMin,
		RatingCount: r.RatingCount,
		RatingSum:   r.RatingSum,
		CreatedAt:   r.CreatedAt.UTC(),
		Media:       make([]catalog.Media, len(r.Media)),
	}
	if r.BrandID != nil {
		p.BrandID = *r.BrandID
	}
	if r.CategoryID != nil {
		p.CategoryID = *r.CategoryID
	}
	for i, m := range r.Media {
		p.Media[i] = catalog.Media{URL: m.URL, Alt: m.Alt}
	}
	return p
}

func collectProducts(rows pgx.Rows) ([]catalog.Product, error) {
	rs, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[productRow])
	if err != nil {
		return nil, err
	}
	ps := make([]catalog.Product, len(rs))
	for i, r := range rs {
		ps[i] = r.product()
	}
	return ps, nil
}

// CountProducts is how many products the catalog holds (a rebuild's progress total).
func (s *Store) CountProducts(ctx context.Context) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM catalog.product`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count products: %w", err)
	}
	return n, nil
}

// ProductsByID returns the products with the given ids, in no particular order; unknown ids
// are left out.
func (s *Store) ProductsByID(ctx context.Context, ids []string) ([]catalog.Product, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+productColumns+` FROM catalog.product p WHERE p.id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("products by id: %w", err)
	}
	ps, err := collectProducts(rows)
	if err != nil {
		return nil, fmt.Errorf("products by id: %w", err)
	}
	return ps, nil
}

// variantScan reads a variant, priced in its product's currency. The options (optionJSON's
// shape) decode straight into catalog.Option, whose field names match the keys but for case,
// which encoding/json ignores.
var variantScan = rowscan.Columns[catalog.Variant]{
	Names: []string{"sku", "product_id", "position", "title", "options", "price", "currency", "weight_grams"},
	Fields: func(v *catalog.Variant) []any {
		return []any{&v.SKU, &v.ProductID, &v.Position, &v.Title, &v.Options, &v.Price.Amount, &v.Price.Currency, &v.WeightGrams}
	},
}

// selectVariants reads variants v with their product's currency; the caller adds the WHERE
// clause. Of the product only its currency is in scope, so the select list is variantScan's
// names alone.
var selectVariants = `SELECT ` + variantScan.List() + `
	FROM catalog.variant v JOIN (SELECT id AS priced_id, currency FROM catalog.product) p ON p.priced_id = v.product_id`

// The reads of variants, whole statements made once.
var (
	selectVariantsBySKU       = selectVariants + ` WHERE v.sku = ANY($1)`
	selectVariantsByProductID = selectVariants + ` WHERE v.product_id = ANY($1) ORDER BY v.product_id, v.position`
	selectVariant             = selectVariants + ` WHERE v.sku = $1`
)

func collectVariants(rows pgx.Rows) ([]catalog.Variant, error) {
	vs, err := variantScan.Collect(rows)
	for i := range vs {
		if vs[i].Options == nil {
			vs[i].Options = []catalog.Option{}
		}
	}
	return vs, err
}

// VariantsBySKU returns the variants with the given SKUs; unknown SKUs are left out.
func (s *Store) VariantsBySKU(ctx context.Context, skus []string) ([]catalog.Variant, error) {
	rows, err := s.pool.Query(ctx, selectVariantsBySKU, skus)
	if err != nil {
		return nil, fmt.Errorf("variants by sku: %w", err)
	}
	vs, err := collectVariants(rows)
	if err != nil {
		return nil, fmt.Errorf("variants by sku: %w", err)
	}
	return vs, nil
}

// PricesBySKU returns the current price of each of the SKUs that exist, for the cart and
// checkout. One statement whatever the number of SKUs (= ANY($1)), reading only the price:
// on a pool with generic plans (the money path's) it is planned once per connection. Its three
// columns are scanned straight into the map, not through a rowscan.Columns: collecting the
// rows first costs two allocations and a quarter more bytes per read (BenchmarkBySKU/prices).
func (s *Store) PricesBySKU(ctx context.Context, skus []string) (map[string]catalog.Money, error) {
	rows, err := s.pool.Query(ctx, `SELECT v.sku, v.price, p.currency
		FROM catalog.variant v JOIN catalog.product p ON p.id = v.product_id
		WHERE v.sku = ANY($1)`, skus)
	if err != nil {
		return nil, fmt.Errorf("prices by sku: %w", err)
	}
	out := make(map[string]catalog.Money, len(skus))
	var sku string
	var price catalog.Money
	if _, err := pgx.ForEachRow(rows, []any{&sku, &price.Amount, &price.Currency}, func() error {
		out[sku] = price
		return nil
	}); err != nil {
		return nil, fmt.Errorf("prices by sku: %w", err)
	}
	return out, nil
}

// VariantsByProductID returns the variants of the given products, each product's in display
// order.
func (s *Store) VariantsByProductID(ctx context.Context, productIDs []string) ([]catalog.Variant, error) {
	rows, err := s.pool.Query(ctx, selectVariantsByProductID, productIDs)
	if err != nil {
		return nil, fmt.Errorf("variants by product: %w", err)
	}
	vs, err := collectVariants(rows)
	if err != nil {
		return nil, fmt.Errorf("variants by product: %w", err)
	}
	return vs, nil
}

// BrandsByID returns the brands with the given ids; unknown ids are left out.
func (s *Store) BrandsByID(ctx context.Context, ids []string) ([]catalog.Brand, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, name, slug FROM catalog.brand WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("brands by id: %w", err)
	}
	bs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[catalog.Brand])
	if err != nil {
		return nil, fmt.Errorf("brands by id: %w", err)
	}
	return bs, nil
}

type categoryRow struct {
	ID       string  `db:"id"`
	ParentID *string `db:"parent_id"`
	Name     string  `db:"name"`
	Slug     string  `db:"slug"`
	Position int     `db:"position"`
}

// Categories returns every category, parents before children and siblings in order.
func (s *Store) Categories(ctx context.Context) ([]catalog.Category, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, parent_id, name, slug, position FROM catalog.category
		ORDER BY parent_id NULLS FIRST, position, id`)
	if err != nil {
		return nil, fmt.Errorf("categories: %w", err)
	}
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByName[categoryRow])
	if err != nil {
		return nil, fmt.Errorf("categories: %w", err)
	}
	cs := make([]catalog.Category, len(rs))
	for i, r := range rs {
		cs[i] = catalog.Category{ID: r.ID, Name: r.Name, Slug: r.Slug, Position: r.Position}
		if r.ParentID != nil {
			cs[i].ParentID = *r.ParentID
		}
	}
	return cs, nil
}
