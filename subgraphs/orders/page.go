package orders

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// Page bounds of a customer's order list.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// Page is a validated request for one page of a customer's orders, newest first.
type Page struct {
	First int
	After string // order id the page starts after; "" for the newest
}

const cursorPrefix = "order:"

// Cursor is the opaque cursor of an order in a list.
func Cursor(orderID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + orderID))
}

// NewPage validates the arguments of an order list.
func NewPage(first *int, after *string) (Page, error) {
	p := Page{First: DefaultPageSize}
	if first != nil {
		if *first < 1 || *first > MaxPageSize {
			return Page{}, &InputError{Field: []string{"first"}, Message: fmt.Sprintf("first must be between 1 and %d", MaxPageSize)}
		}
		p.First = *first
	}
	if after != nil && *after != "" {
		raw, err := base64.RawURLEncoding.DecodeString(*after)
		id, ok := strings.CutPrefix(string(raw), cursorPrefix)
		if err != nil || !ok || ValidateID("after", id) != nil {
			return Page{}, &InputError{Field: []string{"after"}, Message: "after is not a cursor of this list"}
		}
		p.After = id
	}
	return p, nil
}
