package catalog

import (
	"encoding/base64"
	"errors"
	"slices"
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

const validID = "01HQ3ZK8W6X2V9R7C5B4N3M2P1"

func TestNewProductListingRejectsBadInput(t *testing.T) {
	newest := ProductCursorOf(SortNewest, &Product{ID: validID, CreatedAt: time.Unix(1700000000, 0)})
	tests := []struct {
		name  string
		args  ProductListingArgs
		field string
	}{
		{"first over the cap", ProductListingArgs{First: ptr(101)}, "first"},
		{"negative first", ProductListingArgs{First: ptr(-1)}, "first"},
		{"malformed category id", ProductListingArgs{CategoryID: ptr("42")}, "filter.categoryId"},
		{"malformed brand id", ProductListingArgs{BrandID: ptr("not-a-ulid-at-all-but-26ch")}, "filter.brandId"},
		{"negative priceMin", ProductListingArgs{PriceMin: ptr(-1)}, "filter.priceMin"},
		{"negative priceMax", ProductListingArgs{PriceMax: ptr(-500)}, "filter.priceMax"},
		{"priceMin above priceMax", ProductListingArgs{PriceMin: ptr(500), PriceMax: ptr(100)}, "filter.priceMin"},
		{"cursor not base64", ProductListingArgs{After: ptr("%%%")}, "after"},
		{"cursor of garbage", ProductListingArgs{After: ptr(base64.RawURLEncoding.EncodeToString([]byte("hello")))}, "after"},
		{"cursor of another sort", ProductListingArgs{After: &newest, Sort: SortTitle}, "after"},
		{"cursor with a bad id", ProductListingArgs{After: ptr(base64.RawURLEncoding.EncodeToString([]byte("p1|NEWEST|XYZ|1")))}, "after"},
		{"cursor with a bad key", ProductListingArgs{After: ptr(base64.RawURLEncoding.EncodeToString([]byte("p1|NEWEST|" + validID + "|soon")))}, "after"},
		{"unknown sort", ProductListingArgs{Sort: "CHEAPEST"}, "sort"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewProductListing(tt.args)
			var in *InputError
			if !errors.As(err, &in) {
				t.Fatalf("err = %v, want an InputError", err)
			}
			if in.Field != tt.field || in.UserErrorCode() != "BAD_USER_INPUT" {
				t.Errorf("field %q code %q, want field %q and BAD_USER_INPUT", in.Field, in.UserErrorCode(), tt.field)
			}
		})
	}
}

func TestNewProductListingDefaultsAndNormalises(t *testing.T) {
	l, err := NewProductListing(ProductListingArgs{CategoryID: ptr("01hq3zk8w6x2v9r7c5b4n3m2p1"), First: ptr(0)})
	if err != nil {
		t.Fatal(err)
	}
	if l.Sort != SortNewest || l.First != 0 || l.Filter.CategoryID != validID || l.After != nil {
		t.Errorf("listing = %+v", l)
	}
	l, err = NewProductListing(ProductListingArgs{})
	if err != nil || l.First != DefaultPageSize {
		t.Errorf("default page size: %+v, %v", l, err)
	}
}

func TestProductCursorRoundTrip(t *testing.T) {
	p := &Product{ID: validID, Title: "Aurora | Pipes | In Title", PriceMin: 4999,
		CreatedAt: time.Date(2024, 3, 1, 12, 0, 0, 123456000, time.UTC), RatingCount: 3, RatingSum: 13}
	for _, sort := range []ProductSort{SortNewest, SortPriceAsc, SortPriceDesc, SortTitle, SortRating} {
		c, err := DecodeProductCursor(ProductCursorOf(sort, p), sort)
		if err != nil {
			t.Fatalf("%s: %v", sort, err)
		}
		want := ProductCursor{Sort: sort, ID: validID}
		switch sort {
		case SortNewest:
			want.CreatedAt = p.CreatedAt
		case SortPriceAsc, SortPriceDesc:
			want.Price = 4999
		case SortTitle:
			want.Title = p.Title
		case SortRating:
			want.Rating = 433
		}
		if c != want {
			t.Errorf("%s: cursor = %+v, want %+v", sort, c, want)
		}
	}
}

func TestReviewPageRequest(t *testing.T) {
	r := &Review{ID: validID, CreatedAt: time.UnixMicro(1700000000123456)}
	req, err := NewReviewPageRequest("P", ptr(5), ptr(ReviewCursorOf(r)))
	if err != nil {
		t.Fatal(err)
	}
	if want := (ReviewPageRequest{ProductID: "P", First: 5, After: ReviewCursor{CreatedAtMicro: 1700000000123456, ID: validID}}); req != want {
		t.Errorf("request = %+v, want %+v", req, want)
	}
	for _, bad := range []struct {
		first *int
		after *string
	}{{ptr(101), nil}, {ptr(-3), nil}, {nil, ptr("nope")}, {nil, ptr(ProductCursorOf(SortNewest, &Product{ID: validID}))}} {
		if _, err := NewReviewPageRequest("P", bad.first, bad.after); err == nil {
			t.Errorf("first %v after %v: no error", bad.first, bad.after)
		}
	}
}

func TestRatingAndPriceRange(t *testing.T) {
	p := &Product{Currency: "EUR", PriceMin: 1299}
	if s := p.Rating(); s.Average != nil || s.Count != 0 || p.RatingScore() != 0 {
		t.Errorf("no reviews: %+v score %d", s, p.RatingScore())
	}
	p.RatingCount, p.RatingSum = 4, 17
	if s := p.Rating(); s.Average == nil || *s.Average != 4.25 || p.RatingScore() != 425 {
		t.Errorf("4 reviews: %+v score %d", s, p.RatingScore())
	}
	eur := func(a int64) Money { return Money{Amount: a, Currency: "EUR"} }
	got := p.PriceRangeOf([]Variant{{Price: eur(1599)}, {Price: eur(1299)}, {Price: eur(2099)}})
	if got != (PriceRange{Min: eur(1299), Max: eur(2099)}) {
		t.Errorf("range = %+v", got)
	}
	if got := p.PriceRangeOf(nil); got != (PriceRange{Min: eur(1299), Max: eur(1299)}) {
		t.Errorf("range without variants = %+v", got)
	}
}

func TestCategoryTree(t *testing.T) {
	tree := NewCategoryTree([]Category{
		{ID: "home"}, {ID: "fashion"},
		{ID: "kitchen", ParentID: "home"}, {ID: "men", ParentID: "fashion"}, {ID: "women", ParentID: "fashion"},
		{ID: "knives", ParentID: "kitchen"}, {ID: "pans", ParentID: "kitchen"},
	})
	ids := func(cs []Category) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	if got := ids(tree.Roots()); !slices.Equal(got, []string{"home", "fashion"}) {
		t.Errorf("roots = %v", got)
	}
	if got := ids(tree.Children("fashion")); !slices.Equal(got, []string{"men", "women"}) {
		t.Errorf("children = %v", got)
	}
	if got := tree.Children("knives"); got == nil || len(got) != 0 {
		t.Errorf("leaf children = %#v, want an empty list", got)
	}
	if tree.Category("garden") != nil {
		t.Error("an unknown category was found")
	}
	if c := tree.Category("pans"); c == nil || c.ParentID != "kitchen" {
		t.Errorf("category = %+v", c)
	}
}
