package catalog

import (
	"context"
	"math"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/shopgraph/shopgraph/subgraphs/trust"
)

// Stable codes of refused changes, beside InputError's BAD_USER_INPUT.
const (
	CodeUnauthenticated = "UNAUTHENTICATED"
	CodeForbidden       = "FORBIDDEN"
	CodeNotFound        = "NOT_FOUND"
)

// Limits of what a change may hold.
const (
	MaxTitleLength       = 200    // characters, product and review titles
	MaxDescriptionLength = 10_000 // characters
	MaxReviewBodyLength  = 5_000  // characters
	MaxAuthorNameLength  = 100    // characters
	MaxSKULength         = 64     // bytes
	// MaxPrice keeps every amount a GraphQL Int (32-bit), as Money.amount is read back.
	MaxPrice = math.MaxInt32
)

// RequestError refuses a change for who is asking (UNAUTHENTICATED, FORBIDDEN) or for what it
// names (NOT_FOUND). Its message is safe to show.
type RequestError struct {
	Code    string
	Field   string // the argument at fault, or ""
	Message string
}

func (e *RequestError) Error() string { return e.Message }

// UserErrorCode is the stable extensions.code the GraphQL layer reports.
func (e *RequestError) UserErrorCode() string { return e.Code }

// UserErrorField is the path of the argument at fault, or nil.
func (e *RequestError) UserErrorField() []string { return fieldPath(e.Field) }

// UserErrorField is the path of the input field at fault, such as [input title].
func (e *InputError) UserErrorField() []string { return fieldPath(e.Field) }

func fieldPath(f string) []string {
	if f == "" {
		return nil
	}
	return strings.Split(f, ".")
}

// NotFound is a product or SKU the change names that does not exist.
func NotFound(field, what string) *RequestError {
	return &RequestError{Code: CodeNotFound, Field: field, Message: what + " not found"}
}

// RequireStaff refuses anyone but signed-in staff: a guest is UNAUTHENTICATED, a customer
// FORBIDDEN. The role comes from the gateway's signed headers (trust), never from the client.
func RequireStaff(ctx context.Context) error {
	c := trust.CallerFrom(ctx)
	switch {
	case c.Guest():
		return &RequestError{Code: CodeUnauthenticated, Message: "sign in as staff to change the catalog"}
	case !c.Staff():
		return &RequestError{Code: CodeForbidden, Message: "only staff may change the catalog"}
	}
	return nil
}

// RequireCustomer returns the signed-in caller's id, or UNAUTHENTICATED for a guest.
func RequireCustomer(ctx context.Context) (string, error) {
	c := trust.CallerFrom(ctx)
	if c.Guest() {
		return "", &RequestError{Code: CodeUnauthenticated, Message: "sign in to write a review"}
	}
	return c.CustomerID, nil
}

// ProductUpdate is a checked change to a product; nil fields stay as they are.
type ProductUpdate struct {
	ID          string
	Title       *string
	Description *string
	BrandID     *string
	CategoryID  *string
}

// NewProductUpdate checks a change to the product id: at least one field, a title that is not
// blank, ids that are ids. Whether the brand and category exist is the store's to say.
func NewProductUpdate(id string, title, description, brandID, categoryID *string) (ProductUpdate, error) {
	u := ProductUpdate{}
	var err error
	if u.ID, err = ParseID("id", id); err != nil {
		return u, err
	}
	if title == nil && description == nil && brandID == nil && categoryID == nil {
		return u, inputErrorf("input", "input must set at least one of title, description, brandId, categoryId")
	}
	if title != nil {
		t, err := text("input.title", *title, MaxTitleLength, true)
		if err != nil {
			return u, err
		}
		u.Title = &t
	}
	if description != nil {
		d, err := text("input.description", *description, MaxDescriptionLength, false)
		if err != nil {
			return u, err
		}
		u.Description = &d
	}
	if brandID != nil {
		b, err := ParseID("input.brandId", *brandID)
		if err != nil {
			return u, err
		}
		u.BrandID = &b
	}
	if categoryID != nil {
		c, err := ParseID("input.categoryId", *categoryID)
		if err != nil {
			return u, err
		}
		u.CategoryID = &c
	}
	return u, nil
}

// PriceChange is a checked new price for a variant.
type PriceChange struct {
	SKU   string
	Price Money
}

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

// NewPriceChange checks a SKU and a price: 0 to MaxPrice minor units in an ISO 4217 code.
// That the currency is the product's is the store's to say.
func NewPriceChange(sku string, amount int64, currency string) (PriceChange, error) {
	if err := ValidateSKU("sku", sku); err != nil {
		return PriceChange{}, err
	}
	if amount < 0 || amount > MaxPrice {
		return PriceChange{}, inputErrorf("price.amount", "price.amount must be 0 to %d minor units, got %d", MaxPrice, amount)
	}
	if !currencyCode.MatchString(currency) {
		return PriceChange{}, inputErrorf("price.currency", "price.currency must be an ISO 4217 code such as EUR, got %q", truncate(currency, 10))
	}
	return PriceChange{SKU: sku, Price: Money{Amount: amount, Currency: currency}}, nil
}

// ValidateSKU rejects what cannot be a SKU, so it never reaches a query.
func ValidateSKU(field, sku string) error {
	switch {
	case sku == "" || len(sku) > MaxSKULength:
		return inputErrorf(field, "%s must be 1 to %d bytes", field, MaxSKULength)
	case strings.IndexFunc(sku, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0:
		return inputErrorf(field, "%s must not contain whitespace or control characters", field)
	}
	return nil
}

// ReviewDraft is a checked review a customer writes. AuthorName may be empty: the caller then
// names the customer as identity knows them.
type ReviewDraft struct {
	ProductID  string
	CustomerID string
	Rating     int
	Title      string
	Body       string
	AuthorName string
}

// NewReviewDraft checks a review: a product id, 1 to 5 stars, a title that is not blank, and
// lengths within the limits.
func NewReviewDraft(productID, customerID string, rating int, title, body string, authorName *string) (ReviewDraft, error) {
	d := ReviewDraft{CustomerID: customerID, Rating: rating}
	var err error
	if d.ProductID, err = ParseID("productId", productID); err != nil {
		return d, err
	}
	if rating < 1 || rating > 5 {
		return d, inputErrorf("input.rating", "input.rating must be 1 to 5, got %d", rating)
	}
	if d.Title, err = text("input.title", title, MaxTitleLength, true); err != nil {
		return d, err
	}
	if d.Body, err = text("input.body", body, MaxReviewBodyLength, false); err != nil {
		return d, err
	}
	if authorName != nil {
		if d.AuthorName, err = text("input.authorName", *authorName, MaxAuthorNameLength, true); err != nil {
			return d, err
		}
	}
	return d, nil
}

// text trims s and checks it is valid UTF-8 without control characters (line breaks aside),
// at most max characters, and not blank when required.
func text(field, s string, max int, required bool) (string, error) {
	if !utf8.ValidString(s) {
		return "", inputErrorf(field, "%s must be valid UTF-8", field)
	}
	s = strings.TrimSpace(s)
	if required && s == "" {
		return "", inputErrorf(field, "%s must not be blank", field)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", inputErrorf(field, "%s must be at most %d characters, got %d", field, max, n)
	}
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }) >= 0 {
		return "", inputErrorf(field, "%s must not contain control characters", field)
	}
	return s, nil
}

// ProductChanged is the event every committed change to a product publishes, keyed by the
// product id; search and caches re-read the product when they see it.
const ProductChanged = "ProductChanged"

// ProductChangedPayload is the event's payload: which product, and what kind of change.
type ProductChangedPayload struct {
	ProductID string `json:"productId"`
	Change    string `json:"change"` // "updated", "priced", "reviewed"
}
