package loaders

import (
	"context"
	"errors"
	"sync"
	"time"

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
	Product         *CatalogLoader[string, *catalog.Product]
	Variant         *CatalogLoader[string, *catalog.Variant]
	ProductVariants *CatalogLoader[string, []catalog.Variant] // by product id
	Brand           *CatalogLoader[string, *catalog.Brand]
	Reviews         *CatalogLoader[catalog.ReviewPageRequest, catalog.ReviewPage]

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

const (
	// catalogWait is how long a batch of single Loads stays open: long enough for the
	// resolvers of sibling objects, which gqlgen starts together, to join it. Batch resolvers
	// use LoadAll, which does not wait.
	catalogWait = 2 * time.Millisecond
	// catalogBatchCap bounds the keys of one query.
	catalogBatchCap = 1000
)

// NewCatalog returns fresh loaders for one request.
func NewCatalog(r CatalogReader) *Catalog {
	return &Catalog{
		Product: newCatalogLoader(catalogByKey(r.ProductsByID, func(p *catalog.Product) string { return p.ID })),
		Variant: newCatalogLoader(catalogByKey(r.VariantsBySKU, func(v *catalog.Variant) string { return v.SKU })),
		ProductVariants: newCatalogLoader(catalogGrouped(r.VariantsByProductID,
			func(v *catalog.Variant) string { return v.ProductID })),
		Brand: newCatalogLoader(catalogByKey(r.BrandsByID, func(b *catalog.Brand) string { return b.ID })),
		Reviews: newCatalogLoader(func(ctx context.Context, reqs []catalog.ReviewPageRequest) []*dataloader.Result[catalog.ReviewPage] {
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

// CatalogLoader is a dataloader that can also load a known set of keys at once.
type CatalogLoader[K comparable, V any] struct {
	*dataloader.Loader[K, V]
	cache *dataloader.InMemoryCache[K, V]
	batch dataloader.BatchFunc[K, V]
	mu    sync.Mutex // makes LoadAll's look-up and claim of missing keys one step
}

func newCatalogLoader[K comparable, V any](batch dataloader.BatchFunc[K, V]) *CatalogLoader[K, V] {
	cache := dataloader.NewCache[K, V]()
	return &CatalogLoader[K, V]{
		Loader: dataloader.NewBatchedLoader(batch,
			dataloader.WithCache[K, V](cache),
			dataloader.WithWait[K, V](catalogWait),
			dataloader.WithBatchCapacity[K, V](catalogBatchCap)),
		cache: cache,
		batch: batch,
	}
}

// LoadAll returns the values of keys, in order, fetching the ones not loaded or being loaded
// yet together and at once (one query per catalogBatchCap keys) instead of after the batch
// window. A batch resolver, which holds every key of a selection, so gets exactly one query
// however goroutines are scheduled; a concurrent LoadAll or Load of the same keys waits for
// that query instead of sending its own.
func (l *CatalogLoader[K, V]) LoadAll(ctx context.Context, keys []K) ([]V, error) {
	thunks := make([]dataloader.Thunk[V], len(keys))
	var missing []K
	fetched := &fetch[K, V]{done: make(chan struct{}), values: map[K]V{}, errs: map[K]error{}}
	l.mu.Lock()
	for i, k := range keys {
		if thunk, ok := l.cache.Get(ctx, k); ok {
			thunks[i] = thunk
			continue
		}
		missing = append(missing, k)
		thunks[i] = fetched.thunk(k)
		l.cache.Set(ctx, k, thunks[i])
	}
	l.mu.Unlock()
	if len(missing) > 0 {
		fetched.run(ctx, l.batch, missing)
	}
	out := make([]V, len(keys))
	for i, thunk := range thunks {
		v, err := thunk()
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// fetch is one LoadAll query whose results other callers may be waiting for.
type fetch[K comparable, V any] struct {
	done   chan struct{}
	values map[K]V
	errs   map[K]error
	broken bool // the batch function panicked: waiters get an error, not zero values
}

var errCatalogFetchBroken = errors.New("catalog loader: fetch did not complete")

func (f *fetch[K, V]) thunk(k K) dataloader.Thunk[V] {
	return func() (V, error) {
		<-f.done
		if f.broken {
			var zero V
			return zero, errCatalogFetchBroken
		}
		return f.values[k], f.errs[k]
	}
}

func (f *fetch[K, V]) run(ctx context.Context, batch dataloader.BatchFunc[K, V], keys []K) {
	f.broken = true
	defer close(f.done)
	for start := 0; start < len(keys); start += catalogBatchCap {
		chunk := keys[start:min(start+catalogBatchCap, len(keys))]
		for i, res := range batch(ctx, chunk) {
			f.values[chunk[i]], f.errs[chunk[i]] = res.Data, res.Error
		}
	}
	f.broken = false
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
