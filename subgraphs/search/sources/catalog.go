// Package sources adapts the store's in-process catalog and inventory stores to the interfaces
// the search indexer reads through (search.Catalog, search.Stock), one file per domain.
package sources

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs/catalog"
	catalogpg "github.com/shopgraph/shopgraph/subgraphs/catalog/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/search"
)

// Catalog is search.Catalog over the catalog's store.
type Catalog struct {
	store *catalogpg.Store

	mu   sync.Mutex
	tree *catalog.CategoryTree // read again when a product names a category it lacks
}

var _ search.Catalog = (*Catalog)(nil)

// NewCatalog returns the adapter.
func NewCatalog(store *catalogpg.Store) *Catalog { return &Catalog{store: store} }

// Count is how many products the catalog holds.
func (c *Catalog) Count(ctx context.Context) (int, error) { return c.store.CountProducts(ctx) }

// ProductsAfter walks the catalog newest first: the listing's keyset order on (created_at, id),
// so products added during a rebuild sort before the walk's position and are reached by their
// change events instead of shifting pages.
func (c *Catalog) ProductsAfter(ctx context.Context, next string, limit int) ([]search.Product, string, error) {
	l := catalog.ProductListing{First: limit, Sort: catalog.SortNewest}
	if next != "" {
		cur, err := catalog.DecodeProductCursor(next, catalog.SortNewest)
		if err != nil {
			return nil, "", fmt.Errorf("catalog position %q: %w", next, err)
		}
		l.After = &cur
	}
	page, err := c.store.ListProducts(ctx, l)
	if err != nil {
		return nil, "", err
	}
	if len(page.Products) == 0 {
		return nil, next, nil
	}
	out, err := c.products(ctx, page.Products)
	if err != nil {
		return nil, "", err
	}
	return out, catalog.ProductCursorOf(catalog.SortNewest, &page.Products[len(page.Products)-1]), nil
}

// ProductsByID implements search.Catalog.
func (c *Catalog) ProductsByID(ctx context.Context, ids []string) ([]search.Product, error) {
	ps, err := c.store.ProductsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	return c.products(ctx, ps)
}

// ProductIDsBySKU implements search.Catalog.
func (c *Catalog) ProductIDsBySKU(ctx context.Context, skus []string) ([]string, error) {
	vs, err := c.store.VariantsBySKU(ctx, skus)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var ids []string
	for _, v := range vs {
		if !seen[v.ProductID] {
			seen[v.ProductID] = true
			ids = append(ids, v.ProductID)
		}
	}
	return ids, nil
}

// products denormalises catalog products: brand names, category paths and SKUs, in one read
// each for the whole batch.
func (c *Catalog) products(ctx context.Context, ps []catalog.Product) ([]search.Product, error) {
	ids := make([]string, len(ps))
	var brandIDs []string
	var categoryIDs []string
	for i, p := range ps {
		ids[i] = p.ID
		if p.BrandID != "" {
			brandIDs = append(brandIDs, p.BrandID)
		}
		if p.CategoryID != "" {
			categoryIDs = append(categoryIDs, p.CategoryID)
		}
	}
	variants, err := c.store.VariantsByProductID(ctx, ids)
	if err != nil {
		return nil, err
	}
	skus := map[string][]string{}
	for _, v := range variants {
		skus[v.ProductID] = append(skus[v.ProductID], v.SKU)
	}
	brands, err := c.store.BrandsByID(ctx, brandIDs)
	if err != nil {
		return nil, err
	}
	brandName := make(map[string]string, len(brands))
	for _, b := range brands {
		brandName[b.ID] = b.Name
	}
	tree, err := c.categories(ctx, categoryIDs)
	if err != nil {
		return nil, err
	}
	out := make([]search.Product, len(ps))
	for i, p := range ps {
		avg := 0.0
		if r := p.Rating(); r.Average != nil {
			avg = *r.Average
		}
		out[i] = search.Product{
			Document: search.Document{
				ID: p.ID, Title: p.Title, Description: p.Description,
				BrandID: p.BrandID, BrandName: brandName[p.BrandID],
				CategoryPath: path(tree, p.CategoryID),
				PriceMin:     p.PriceMin, Currency: p.Currency,
				Rating: avg, ReviewCount: p.RatingCount, CreatedAt: p.CreatedAt.UTC().Truncate(time.Millisecond),
			},
			SKUs: skus[p.ID],
		}
	}
	return out, nil
}

// categories returns the category tree, read again when it lacks one of ids (a category added
// since it was read).
func (c *Catalog) categories(ctx context.Context, ids []string) (*catalog.CategoryTree, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fresh := c.tree != nil
	for _, id := range ids {
		if !fresh {
			break
		}
		fresh = c.tree.Category(id) != nil
	}
	if fresh {
		return c.tree, nil
	}
	all, err := c.store.Categories(ctx)
	if err != nil {
		return nil, err
	}
	c.tree = catalog.NewCategoryTree(all)
	return c.tree, nil
}

// path is the category and its ancestors, root first.
func path(tree *catalog.CategoryTree, id string) []string {
	var p []string
	for c := tree.Category(id); c != nil && len(p) < 32; c = tree.Category(c.ParentID) {
		p = append([]string{c.ID}, p...)
	}
	return p
}
