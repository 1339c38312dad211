package catalog

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// ProductSort orders a product listing. Every order ends with the product id, so it is total
// and keyset pagination neither skips nor repeats products.
type ProductSort string

const (
	SortNewest    ProductSort = "NEWEST"     // created_at, id descending
	SortPriceAsc  ProductSort = "PRICE_ASC"  // "from" price, id ascending
	SortPriceDesc ProductSort = "PRICE_DESC" // "from" price, id descending
	SortTitle     ProductSort = "TITLE"      // title, id ascending
	SortRating    ProductSort = "RATING"     // rating score, id descending
)

// Valid reports whether s is a known sort.
func (s ProductSort) Valid() bool {
	switch s {
	case SortNewest, SortPriceAsc, SortPriceDesc, SortTitle, SortRating:
		return true
	}
	return false
}

// ProductFilter narrows a listing; zero fields do not filter.
type ProductFilter struct {
	CategoryID string // this category and its descendants
	BrandID    string
	PriceMin   *int64 // bounds on the product's lowest variant price, inclusive
	PriceMax   *int64
}

// ProductListing is a validated request for one page of products.
type ProductListing struct {
	First  int
	After  *ProductCursor // nil for the first page
	Filter ProductFilter
	Sort   ProductSort
}

// ProductListingArgs are the arguments of a listing as a caller sends them.
type ProductListingArgs struct {
	First      *int
	After      *string
	CategoryID *string
	BrandID    *string
	PriceMin   *int
	PriceMax   *int
	Sort       ProductSort // empty means NEWEST
}

// NewProductListing validates a caller's listing arguments.
func NewProductListing(a ProductListingArgs) (ProductListing, error) {
	var l ProductListing
	var err error
	if l.First, err = PageSize(a.First, DefaultPageSize); err != nil {
		return l, err
	}
	l.Sort = a.Sort
	if l.Sort == "" {
		l.Sort = SortNewest
	}
	if !l.Sort.Valid() {
		return l, inputErrorf("sort", "sort: unknown order %q", truncate(string(l.Sort), 20))
	}
	if a.CategoryID != nil {
		if l.Filter.CategoryID, err = ParseID("filter.categoryId", *a.CategoryID); err != nil {
			return l, err
		}
	}
	if a.BrandID != nil {
		if l.Filter.BrandID, err = ParseID("filter.brandId", *a.BrandID); err != nil {
			return l, err
		}
	}
	if l.Filter.PriceMin, err = price("filter.priceMin", a.PriceMin); err != nil {
		return l, err
	}
	if l.Filter.PriceMax, err = price("filter.priceMax", a.PriceMax); err != nil {
		return l, err
	}
	if l.Filter.PriceMin != nil && l.Filter.PriceMax != nil && *l.Filter.PriceMin > *l.Filter.PriceMax {
		return l, inputErrorf("filter.priceMin", "filter.priceMin must not exceed filter.priceMax")
	}
	if a.After != nil {
		c, err := DecodeProductCursor(*a.After, l.Sort)
		if err != nil {
			return l, err
		}
		l.After = &c
	}
	return l, nil
}

func price(field string, v *int) (*int64, error) {
	if v == nil {
		return nil, nil
	}
	if *v < 0 {
		return nil, inputErrorf(field, "%s must not be negative", field)
	}
	p := int64(*v)
	return &p, nil
}

// ProductCursor is a position in a listing: the sort key of the last product seen and its id.
// Only the key of the cursor's sort is set.
type ProductCursor struct {
	Sort      ProductSort
	ID        string
	CreatedAt time.Time // NEWEST
	Price     int64     // PRICE_ASC, PRICE_DESC
	Title     string    // TITLE
	Rating    int       // RATING: average in hundredths
}

// Cursors are opaque to clients: base64url of "p1|SORT|ID|KEY". The version prefix lets the
// format change without misreading old cursors; the sort lets a cursor from another order be
// refused instead of producing a wrong page.
const productCursorVersion = "p1"

// ProductCursorOf returns the cursor just after p in a listing sorted by sort.
func ProductCursorOf(sort ProductSort, p *Product) string {
	var key string
	switch sort {
	case SortNewest:
		key = strconv.FormatInt(p.CreatedAt.UnixMicro(), 10)
	case SortPriceAsc, SortPriceDesc:
		key = strconv.FormatInt(p.PriceMin, 10)
	case SortTitle:
		key = p.Title
	case SortRating:
		key = strconv.Itoa(p.RatingScore())
	}
	raw := productCursorVersion + "|" + string(sort) + "|" + p.ID + "|" + key
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// DecodeProductCursor reads a cursor that must come from a listing sorted by sort.
func DecodeProductCursor(s string, sort ProductSort) (ProductCursor, error) {
	bad := inputErrorf("after", "after: not a valid cursor for this listing")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return ProductCursor{}, bad
	}
	parts := strings.SplitN(string(b), "|", 4)
	if len(parts) != 4 || parts[0] != productCursorVersion || ProductSort(parts[1]) != sort {
		return ProductCursor{}, bad
	}
	c := ProductCursor{Sort: sort}
	if c.ID, err = ParseID("after", parts[2]); err != nil {
		return ProductCursor{}, bad
	}
	key := parts[3]
	switch sort {
	case SortNewest:
		us, err := strconv.ParseInt(key, 10, 64)
		if err != nil {
			return ProductCursor{}, bad
		}
		c.CreatedAt = time.UnixMicro(us).UTC()
	case SortPriceAsc, SortPriceDesc:
		if c.Price, err = strconv.ParseInt(key, 10, 64); err != nil {
			return ProductCursor{}, bad
		}
	case SortTitle:
		c.Title = key
	case SortRating:
		if c.Rating, err = strconv.Atoi(key); err != nil {
			return ProductCursor{}, bad
		}
	}
	return c, nil
}

// ProductPage is one page of a listing.
type ProductPage struct {
	Products    []Product
	HasNextPage bool
}

// ReviewPageRequest asks for one page of a product's reviews, newest first. It is comparable,
// so loaders can use it as a key.
type ReviewPageRequest struct {
	ProductID string
	First     int
	After     ReviewCursor // zero for the first page
}

// ReviewCursor is the position after a review: its creation time and id.
type ReviewCursor struct {
	CreatedAtMicro int64
	ID             string
}

// IsZero reports whether the cursor is the start of the list.
func (c ReviewCursor) IsZero() bool { return c.ID == "" }

const reviewCursorVersion = "r1"

// ReviewCursorOf returns the cursor just after r.
func ReviewCursorOf(r *Review) string {
	raw := reviewCursorVersion + "|" + r.ID + "|" + strconv.FormatInt(r.CreatedAt.UnixMicro(), 10)
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// NewReviewPageRequest validates the arguments of Product.reviews.
func NewReviewPageRequest(productID string, first *int, after *string) (ReviewPageRequest, error) {
	r := ReviewPageRequest{ProductID: productID}
	var err error
	if r.First, err = PageSize(first, 10); err != nil {
		return r, err
	}
	if after == nil {
		return r, nil
	}
	bad := inputErrorf("after", "after: not a valid review cursor")
	b, err := base64.RawURLEncoding.DecodeString(*after)
	if err != nil {
		return r, bad
	}
	parts := strings.Split(string(b), "|")
	if len(parts) != 3 || parts[0] != reviewCursorVersion {
		return r, bad
	}
	if r.After.ID, err = ParseID("after", parts[1]); err != nil {
		return r, bad
	}
	if r.After.CreatedAtMicro, err = strconv.ParseInt(parts[2], 10, 64); err != nil {
		return r, bad
	}
	return r, nil
}

// ReviewPage is one page of a product's reviews.
type ReviewPage struct {
	Reviews     []Review
	HasNextPage bool
}
