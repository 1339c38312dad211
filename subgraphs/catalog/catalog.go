// Package catalog is the store's product catalog: products and their variants (SKUs), the
// category tree, brands, prices, media and reviews. It holds the domain types and the rules
// for reading them (identifiers, listings, pages); the postgres subpackage stores them.
package catalog

import (
	"time"
)

// Product is something the store sells, in one or more variants.
type Product struct {
	ID          string
	Title       string
	Description string
	BrandID     string // empty when the product has no brand
	CategoryID  string // empty when the product is not categorised
	Media       []Media
	Currency    string // ISO 4217; every variant of a product is priced in it
	// PriceMin is the lowest variant price, kept on the product so listings can sort and
	// filter by price through an index.
	PriceMin    int64
	RatingCount int
	RatingSum   int
	CreatedAt   time.Time
}

// Rating summarises the product's reviews.
func (p *Product) Rating() RatingSummary {
	s := RatingSummary{Count: p.RatingCount}
	if p.RatingCount > 0 {
		avg := float64(p.RatingSum) / float64(p.RatingCount)
		s.Average = &avg
	}
	return s
}

// RatingScore is the average rating in hundredths (0 without reviews), the RATING sort key.
// Postgres computes the same value in catalog.product.rating_score.
func (p *Product) RatingScore() int {
	if p.RatingCount == 0 {
		return 0
	}
	return p.RatingSum * 100 / p.RatingCount
}

// RatingSummary is the mean and number of a product's review ratings.
type RatingSummary struct {
	Average *float64 // nil without reviews
	Count   int
}

// Media is an image of a product.
type Media struct {
	URL string
	Alt string
}

// Variant is one purchasable version of a product, identified by its SKU.
type Variant struct {
	SKU         string
	ProductID   string
	Position    int // display order within the product
	Title       string
	Options     []Option
	Price       Money
	WeightGrams int
}

// Option is one choice that tells variants apart, such as Size M or Colour Black.
type Option struct {
	Name  string
	Value string
}

// Money is an amount in minor units of its currency (cents for EUR and USD).
type Money struct {
	Amount   int64
	Currency string
}

// PriceRange is the lowest and highest price of a product's variants.
type PriceRange struct {
	Min Money
	Max Money
}

// PriceRangeOf returns the range of the product's variant prices. A product caught without
// variants (while being edited) shows its stored "from" price as both ends.
func (p *Product) PriceRangeOf(variants []Variant) PriceRange {
	if len(variants) == 0 {
		m := Money{Amount: p.PriceMin, Currency: p.Currency}
		return PriceRange{Min: m, Max: m}
	}
	r := PriceRange{Min: variants[0].Price, Max: variants[0].Price}
	for _, v := range variants[1:] {
		if v.Price.Amount < r.Min.Amount {
			r.Min = v.Price
		}
		if v.Price.Amount > r.Max.Amount {
			r.Max = v.Price
		}
	}
	return r
}

// Brand is the maker or label a product is sold under.
type Brand struct {
	ID   string
	Name string
	Slug string
}

// Category is a node of the category tree.
type Category struct {
	ID       string
	ParentID string // empty for a root
	Name     string
	Slug     string
	Position int // order among siblings
}

// Review is a customer's rating of a product.
type Review struct {
	ID         string
	ProductID  string
	Rating     int // 1 to 5
	Title      string
	Body       string
	AuthorName string
	CreatedAt  time.Time
}

// IsEntity marks Product and Variant as the catalog's federation entities: other subgraphs
// extend them by key (Product by id, Variant by SKU).
func (Product) IsEntity() {}

// IsEntity marks Variant as a federation entity; see Product.IsEntity.
func (Variant) IsEntity() {}

// CategoryTree is the whole category tree, read at once: a store has tens to a few thousand
// categories, fewer rows than one page of products with their variants.
type CategoryTree struct {
	byID     map[string]*Category
	children map[string][]Category // by parent id; "" holds the roots
}

// NewCategoryTree indexes categories, which come ordered by position among siblings.
func NewCategoryTree(categories []Category) *CategoryTree {
	t := &CategoryTree{byID: make(map[string]*Category, len(categories)), children: map[string][]Category{}}
	for i := range categories {
		c := &categories[i]
		t.byID[c.ID] = c
		t.children[c.ParentID] = append(t.children[c.ParentID], *c)
	}
	return t
}

// Category returns the category with the id, or nil.
func (t *CategoryTree) Category(id string) *Category { return t.byID[id] }

// Children returns the children of the category in order, never nil.
func (t *CategoryTree) Children(id string) []Category {
	if cs := t.children[id]; cs != nil {
		return cs
	}
	return []Category{}
}

// Roots returns the categories without a parent, in order.
func (t *CategoryTree) Roots() []Category { return t.Children("") }
