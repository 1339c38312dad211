package loaders

import (
	"context"
	"sync"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/shopgraph/shopgraph/subgraphs/catalog"
)

// CatalogReader is what the catalog loaders read from. Each method answers with one query;
// lookups by id leave unknown keys out rather than failing.
type CatalogReader interface {
	ProductsByID(ctx context.Context, ids []string) ([]catalog.Product, error)
	VariantsBySKU(ctx context.Context, skus []string) ([]catalog.Variant, error)
	// VariantsByProductID returns the variants of the products, each product's in order.
	VariantsByProductID(ctx context.Context, productIDs []string) ([]catalog.Variant, error)
	BrandsByID(ctx context.Context, ids []string) ([]catalog.Brand, error)
	// Categories returns the whole tree, parents first and siblings in order.
	Categories(ctx context.Context) ([]catalog.Category, error)
	// ReviewPages returns one page per request, in request order.
	ReviewPages(ctx context.Context, reqs []catalog.ReviewPageRequest) ([]catalog.ReviewPage, error)
}

// Catalog batches the catalog reads of one request. Lookups by id give nil for an unknown id.
type Catalog struct {
	Product         *Loader[string, *catalog.Product]
	Variant         *Loader[string, *catalog.Variant]
	ProductVariants *Loader[string, []catalog.Variant] // by product id
	Brand           *Loader[string, *catalog.Brand]
	Reviews         *Loader[catalog.ReviewPageRequest, catalog.ReviewPage]

	reader CatalogReader
	tree   struct {
		sync.Mutex
		loaded *catalog.CategoryTree
	}
}

// CategoryTree returns the category tree, read with one query the first time a request
// needs any category: parents, children and the categories of products all come from it.
func (c *Catalog) CategoryTree(ctx context.Context) (*catalog.CategoryTree, error) {
	c.tree.Lock()
	defer c.tree.Unlock()
	if c.tree.loaded == nil {
		categories, err := c.reader.Categories(ctx)
		if err != nil {
			return nil, err // not kept: a later field may try again
		}
		c.tree.loaded = catalog.NewCategoryTree(categories)
	}
	return c.tree.loaded, nil
}

// NewCatalog returns fresh loaders for one request.
func NewCatalog(r CatalogReader) *Catalog {
	return &Catalog{
		Product: newLoader(catalogByKey(r.ProductsByID, func(p *catalog.Product) string { return p.ID })),
		Variant: newLoader(catalogByKey(r.VariantsBySKU, func(v *catalog.Variant) string { return v.SKU })),
		ProductVariants: newLoader(catalogGrouped(r.VariantsByProductID,
			func(v *catalog.Variant) string { return v.ProductID })),
		Brand: newLoader(catalogByKey(r.BrandsByID, func(b *catalog.Brand) string { return b.ID })),
		Reviews: newLoader(func(ctx context.Context, reqs []catalog.ReviewPageRequest) []*dataloader.Result[catalog.ReviewPage] {
			pages, err := r.ReviewPages(ctx, reqs)
			results := make([]*dataloader.Result[catalog.ReviewPage], len(reqs))
			for i := range reqs {
				if err != nil {
					results[i] = &dataloader.Result[catalog.ReviewPage]{Error: err}
					continue
				}
				results[i] = &dataloader.Result[catalog.ReviewPage]{Data: pages[i]}
			}
			return results
		}),
		reader: r,
	}
}

// catalogByKey answers each key with the row whose key it is, or nil.
func catalogByKey[V any](fetch func(context.Context, []string) ([]V, error), keyOf func(*V) string) dataloader.BatchFunc[string, *V] {
	return func(ctx context.Context, keys []string) []*dataloader.Result[*V] {
		results := make([]*dataloader.Result[*V], len(keys))
		rows, err := fetch(ctx, keys)
		if err != nil {
			for i := range results {
				results[i] = &dataloader.Result[*V]{Error: err}
			}
			return results
		}
		found := make(map[string]*V, len(rows))
		for i := range rows {
			found[keyOf(&rows[i])] = &rows[i]
		}
		for i, k := range keys {
			results[i] = &dataloader.Result[*V]{Data: found[k]}
		}
		return results
	}
}

// catalogGrouped answers each key with the rows that belong to it, in the order fetched;
// a key without rows gets an empty list.
func catalogGrouped[V any](fetch func(context.Context, []string) ([]V, error), keyOf func(*V) string) dataloader.BatchFunc[string, []V] {
	return func(ctx context.Context, keys []string) []*dataloader.Result[[]V] {
		results := make([]*dataloader.Result[[]V], len(keys))
		rows, err := fetch(ctx, keys)
		if err != nil {
			for i := range results {
				results[i] = &dataloader.Result[[]V]{Error: err}
			}
			return results
		}
		groups := make(map[string][]V, len(keys))
		for i := range rows {
			k := keyOf(&rows[i])
			groups[k] = append(groups[k], rows[i])
		}
		for i, k := range keys {
			g := groups[k]
			if g == nil {
				g = []V{}
			}
			results[i] = &dataloader.Result[[]V]{Data: g}
		}
		return results
	}
}

type catalogKey struct{}

// WithCatalog returns ctx carrying the request's catalog loaders.
func WithCatalog(ctx context.Context, l *Catalog) context.Context {
	return context.WithValue(ctx, catalogKey{}, l)
}

// CatalogFrom returns the loaders installed by WithCatalog, or nil.
func CatalogFrom(ctx context.Context) *Catalog {
	l, _ := ctx.Value(catalogKey{}).(*Catalog)
	return l
}
