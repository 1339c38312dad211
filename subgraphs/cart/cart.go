// Package cart is the shopping carts of customers and guests: lines with the price the
// shopper saw when adding them, a version that every change must quote (optimistic
// concurrency), and a record of client mutation ids so a retried change is applied once.
package cart

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/oklog/ulid/v2"
)

// Limits of one cart.
const (
	MaxLines     = 500
	MaxQuantity  = 999
	MaxSKULength = 64
	// MaxClientMutationIDLength bounds the ids a cart records.
	MaxClientMutationIDLength = 128
	// DefaultCurrency is the currency of a new cart until its first line sets it.
	DefaultCurrency = "EUR"
)

// Cart is a shopper's cart, with its lines in the order they were added.
type Cart struct {
	ID         string
	CustomerID string // "" for a guest cart
	Version    int
	Currency   string
	Lines      []Line
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Line is one SKU in a cart.
type Line struct {
	SKU       string
	Quantity  int
	UnitPrice Money // the price when the line was last added to
	AddedAt   time.Time
}

// Money is an amount in minor units of its currency (cents for EUR and USD).
type Money struct {
	Amount   int64
	Currency string
}

// Subtotal is the line's quantity times its unit price.
func (l Line) Subtotal() Money {
	return Money{Amount: l.UnitPrice.Amount * int64(l.Quantity), Currency: l.UnitPrice.Currency}
}

// Subtotal is the sum of the lines, in the cart's currency.
func (c Cart) Subtotal() Money {
	m := Money{Currency: c.Currency}
	for _, l := range c.Lines {
		m.Amount += l.Subtotal().Amount
	}
	return m
}

// TotalQuantity is the number of units in the cart.
func (c Cart) TotalQuantity() int {
	n := 0
	for _, l := range c.Lines {
		n += l.Quantity
	}
	return n
}

func (c *Cart) line(sku string) (int, bool) {
	for i, l := range c.Lines {
		if l.SKU == sku {
			return i, true
		}
	}
	return -1, false
}

// Prices tells the cart what a SKU costs now. The catalog owns prices; the binary wires an
// adapter over it. SKUs the catalog does not sell are absent from the map.
type Prices interface {
	PriceOf(ctx context.Context, skus []string) (map[string]Money, error)
}

// Owner is who may read and change carts: a signed-in customer's own cart, and a guest cart
// whose token the caller presents. A cart the owner may not see does not exist for them.
type Owner struct {
	CustomerID     string
	GuestTokenHash []byte // nil when no valid cart token was presented
}

// NewOwner returns the owner for a signed-in customer ("" for a guest) presenting a guest
// cart token ("" for none). A malformed token is the same as none.
func NewOwner(customerID, guestToken string) Owner {
	o := Owner{CustomerID: customerID}
	if h, ok := HashGuestToken(guestToken); ok {
		o.GuestTokenHash = h
	}
	return o
}

// guestTokenBytes is the entropy of a guest cart token: 256 bits, unguessable.
const guestTokenBytes = 32

// NewGuestToken returns a fresh cart token for a guest and the hash the store keeps (the
// token itself is never stored, so a database leak does not hand out carts).
func NewGuestToken() (token string, hash []byte, err error) {
	b := make([]byte, guestTokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("guest cart token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	h := sha256.Sum256([]byte(token))
	return token, h[:], nil
}

// HashGuestToken returns the stored hash of a well-formed token.
func HashGuestToken(token string) ([]byte, bool) {
	if b, err := base64.RawURLEncoding.DecodeString(token); err != nil || len(b) != guestTokenBytes {
		return nil, false
	}
	h := sha256.Sum256([]byte(token))
	return h[:], true
}

// NewID returns a new cart id.
func NewID() string { return ulid.Make().String() }

// ValidateID rejects cart ids that are not ULIDs, so they never reach a query.
func ValidateID(field, id string) error {
	if _, err := ulid.ParseStrict(id); err != nil {
		return &InputError{Field: field, Message: field + " is not a valid cart id"}
	}
	return nil
}

// ValidateSKU rejects SKUs no catalog could hold.
func ValidateSKU(field, sku string) error {
	switch {
	case sku == "":
		return &InputError{Field: field, Message: "sku must not be empty"}
	case len(sku) > MaxSKULength:
		return &InputError{Field: field, Message: fmt.Sprintf("sku must be at most %d bytes", MaxSKULength)}
	case strings.IndexFunc(sku, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0:
		return &InputError{Field: field, Message: "sku must not contain whitespace or control characters"}
	}
	return nil
}

func validateQuantity(field string, q int) error {
	if q < 1 || q > MaxQuantity {
		return &InputError{Field: field, Message: fmt.Sprintf("quantity must be 1 to %d", MaxQuantity)}
	}
	return nil
}

func validateVersion(field string, v int) error {
	if v < 1 {
		return &InputError{Field: field, Message: "version must be at least 1: pass the version the cart was read at"}
	}
	return nil
}

func validateClientMutationID(field, id string) error {
	if len(id) > MaxClientMutationIDLength {
		return &InputError{Field: field, Message: fmt.Sprintf("clientMutationId must be at most %d bytes", MaxClientMutationIDLength)}
	}
	return nil
}

func validateCurrency(field, c string) error {
	if len(c) != 3 || strings.ToUpper(c) != c || strings.IndexFunc(c, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
		return &InputError{Field: field, Message: "currency must be an ISO 4217 code such as EUR"}
	}
	return nil
}
