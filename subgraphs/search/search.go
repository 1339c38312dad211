// Package search is the store's product search: denormalised product documents in a search
// engine, queried with typo tolerance, filters, facets and stable pages. It holds the domain
// types, the rules for a valid query, and the Engine interface; engines live in subpackages
// (bleve, embedded and the default; typesense, for clusters), all held to the conformance suite
// in searchtest.
package search

import (
	"context"
	"time"
)

// Document is what the index knows of a product: catalog facts denormalised with availability
// from inventory, so a query needs no other read.
type Document struct {
	ID          string
	Title       string
	Description string
	BrandID     string // empty when the product has no brand
	BrandName   string // searchable text; the brand id is the filter
	// CategoryPath is the product's category and its ancestors, root first, so a filter on any
	// category matches products in its descendants.
	CategoryPath []string
	PriceMin     int64   // lowest variant price in minor units
	Currency     string  // ISO 4217
	Rating       float64 // mean review rating, 0 without reviews
	ReviewCount  int     // the popularity signal
	InStock      bool
	CreatedAt    time.Time
}

// Sort orders search results.
type Sort string

const (
	SortRelevance Sort = "RELEVANCE" // text score, then popularity
	SortPriceAsc  Sort = "PRICE_ASC"
	SortPriceDesc Sort = "PRICE_DESC"
	SortRating    Sort = "RATING" // best rated first, then most reviewed
	SortNewest    Sort = "NEWEST"
)

// Filter narrows results; every field set must match.
type Filter struct {
	CategoryIDs []string // any of them, descendants included
	BrandIDs    []string // any of them
	PriceMin    *int64   // inclusive, minor units
	PriceMax    *int64   // inclusive, minor units
	MinRating   *float64
	InStockOnly bool
}

// Query is one search request. Text empty means browse with the filter.
type Query struct {
	Text   string
	Filter Filter
	Sort   Sort
	First  int
	After  string // a cursor from a previous page of the same text, filter and sort
	// WithoutFacets says the caller does not read the facets (a next page of infinite scroll):
	// counting them costs a read of every match, so the engine may leave Result.Facets empty.
	WithoutFacets bool
}

// Result is one page of matches.
type Result struct {
	Hits        []Hit
	TotalCount  int
	HasNextPage bool
	Facets      Facets
}

// Hit is one matching product.
type Hit struct {
	ID     string
	Cursor string
	// Highlights are the matched fields' fragments, HTML-escaped, with matches in <mark>.
	Highlights []Highlight
}

// Highlight is a matched fragment of one field.
type Highlight struct {
	Field     string // title or description
	Fragments []string
}

// Facets count the matching products by category, brand, price, rating and availability.
type Facets struct {
	Categories []ValueCount // a product counts in its category and every ancestor
	Brands     []ValueCount
	Prices     []RangeCount // PriceBuckets, in order, all present
	Ratings    []RangeCount // RatingBuckets, in order, all present
	InStock    int
	OutOfStock int
}

// ValueCount is how many matches have a value.
type ValueCount struct {
	Value string
	Count int
}

// RangeCount is how many matches fall in a bucket.
type RangeCount struct {
	Bucket Bucket
	Count  int
}

// Bucket is a half-open range [Min, Max); nil is unbounded.
type Bucket struct {
	Name string
	Min  *float64
	Max  *float64
}

func bound(v float64) *float64 { return &v }

// PriceBuckets are the price facet's ranges, in minor units.
var PriceBuckets = []Bucket{
	{Name: "under-25", Max: bound(2500)},
	{Name: "25-50", Min: bound(2500), Max: bound(5000)},
	{Name: "50-100", Min: bound(5000), Max: bound(10000)},
	{Name: "100-200", Min: bound(10000), Max: bound(20000)},
	{Name: "200-500", Min: bound(20000), Max: bound(50000)},
	{Name: "500-and-up", Min: bound(50000)},
}

// RatingBuckets are the rating facet's "and up" ranges: they overlap, as on a storefront.
var RatingBuckets = []Bucket{
	{Name: "4-and-up", Min: bound(4)},
	{Name: "3-and-up", Min: bound(3)},
	{Name: "2-and-up", Min: bound(2)},
	{Name: "1-and-up", Min: bound(1)},
}

// Limits of a query.
const (
	MaxQueryLength = 256
	MaxFirst       = 100
	DefaultFirst   = 20
	MaxSuggestions = 10
	// MaxFacetValues bounds the category and brand facets.
	MaxFacetValues = 100
)

// Engine is a search index of products. Implementations must pass searchtest.Run.
type Engine interface {
	// Upsert adds or replaces documents by id.
	Upsert(ctx context.Context, docs []Document) error
	// Delete removes documents; missing ids are not an error.
	Delete(ctx context.Context, ids []string) error
	// Search runs a validated query (see Query.Normalize).
	Search(ctx context.Context, q Query) (Result, error)
	// Suggest returns up to limit distinct titles of products with a word starting with the
	// prefix's last word (earlier words match as in Search), most popular (reviewed) first.
	Suggest(ctx context.Context, prefix string, limit int) ([]string, error)
	// Rebuild starts a new index beside the live one; Search keeps using the live one until
	// the build is committed.
	Rebuild(ctx context.Context) (Build, error)
	Close() error
}

// Stale is implemented by an engine that can open on an index missing changes the event
// consumer already acknowledged, as the memory engine does from a snapshot written while
// serving when the process then crashed. Such an index serves as it is until a committed
// rebuild (Indexer.IndexIfStale) brings it up to date.
type Stale interface {
	Stale() bool
}

// Build is an index being filled aside.
type Build interface {
	Upsert(ctx context.Context, docs []Document) error
	Delete(ctx context.Context, ids []string) error
	// Commit swaps the build in as the live index and drops the old one.
	Commit(ctx context.Context) error
	// Abort drops the build; the live index is untouched.
	Abort() error
}
