// Package inventory holds what the store knows about stock: fulfillment centers, units on hand
// per SKU and center, and the holds that checkouts place on them. It decides what can be sold
// now and where an order ships from. Reservations is the API the checkout saga calls (reserve,
// confirm, release, each idempotent by order id); the postgres subpackage is the system of
// record and the path for ordinary SKUs, the redis subpackage the flash-sale path for hot SKUs.
package inventory

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/oklog/ulid/v2"
)

// FulfillmentCenter is a warehouse that holds stock and ships orders.
type FulfillmentCenter struct {
	ID        string // ULID
	Code      string // short and stable, such as NL-RTM
	Name      string
	Latitude  float64
	Longitude float64
}

// CenterStock is the stock of one SKU at one fulfillment center.
type CenterStock struct {
	Center    FulfillmentCenter
	OnHand    int
	Held      int // units in active, unexpired holds
	UpdatedAt time.Time
}

// Available is what can be sold from this center now. Holds can exceed stock on hand (a
// restock correction or a manual adjustment after holds were placed), so it is floored at 0.
func (s CenterStock) Available() int {
	return max(0, s.OnHand-s.Held)
}

// Availability is the stock of one SKU across the centers that carry it, ordered by center code.
// A SKU with no stock rows has no centers and is simply not available.
type Availability struct {
	SKU     string
	Centers []CenterStock
	// Hot is whether the SKU is on the flash-sale path, whose counters decide its stock; the
	// Postgres store sets it so that Reservations.Availability knows which SKUs to read there.
	Hot bool
}

// Total is the number of units that can be sold now across all centers.
func (a Availability) Total() int {
	total := 0
	for _, c := range a.Centers {
		total += c.Available()
	}
	return total
}

// InStock reports whether at least one unit can be sold now.
func (a Availability) InStock() bool {
	for _, c := range a.Centers {
		if c.Available() > 0 {
			return true
		}
	}
	return false
}

// AnyInStock reports whether any of the availabilities can sell a unit now: a product is in
// stock when one of its variants is.
func AnyInStock(as []Availability) bool {
	for _, a := range as {
		if a.InStock() {
			return true
		}
	}
	return false
}

// MaxSKULength bounds SKUs so that a malformed key cannot turn into an oversized query.
const MaxSKULength = 64

// MaxRestockQuantity bounds one restock: larger numbers are typing mistakes, not deliveries.
const MaxRestockQuantity = 1_000_000

// ValidateSKU rejects SKUs that cannot name a stock row: empty, too long, or containing
// whitespace or control characters.
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

// ValidateID rejects identifiers that are not ULIDs, so they never reach a query.
func ValidateID(field, id string) error {
	if _, err := ulid.ParseStrict(id); err != nil {
		return &InputError{Field: field, Message: field + " is not a valid id"}
	}
	return nil
}

// Restock adds received units to the stock of a SKU at one center.
type Restock struct {
	SKU                 string
	FulfillmentCenterID string
	Quantity            int
}

// Validate rejects a restock that no store could accept, whatever its data.
func (r Restock) Validate() error {
	if err := ValidateSKU("sku", r.SKU); err != nil {
		return err
	}
	if err := ValidateID("fulfillmentCenterId", r.FulfillmentCenterID); err != nil {
		return err
	}
	if r.Quantity < 1 || r.Quantity > MaxRestockQuantity {
		return &InputError{Field: "quantity", Message: fmt.Sprintf("quantity must be between 1 and %d", MaxRestockQuantity)}
	}
	return nil
}

// Hold statuses. An ACTIVE hold reduces availability until it expires; checkout confirms it
// (the units leave stock) or releases it.
const (
	HoldActive    = "ACTIVE"
	HoldConfirmed = "CONFIRMED"
	HoldReleased  = "RELEASED"
)
