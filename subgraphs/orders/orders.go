// Package orders is the store's orders and the checkout saga that creates them. Checkout runs
// steps across domains it reaches through small client interfaces (Inventory, Payments,
// Carts, Prices): validate the cart, reserve stock, authorize the payment, create the order,
// capture, confirm the holds, announce the order. A failure runs the compensations of the
// steps taken, in reverse. The saga's state is persisted after every step, so a recovery
// worker can resume or compensate a checkout whose process died.
package orders

import (
	"fmt"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"
)

// Money is an amount in the currency's minor units (cents for EUR and USD).
type Money struct {
	Amount   int64
	Currency string // ISO 4217
}

func (m Money) String() string { return fmt.Sprintf("%d %s", m.Amount, m.Currency) }

// Status is where an order stands.
type Status string

const (
	StatusPlaced     Status = "PLACED"
	StatusPaid       Status = "PAID"
	StatusFulfilling Status = "FULFILLING"
	StatusShipped    Status = "SHIPPED"
	StatusDelivered  Status = "DELIVERED"
	StatusCancelled  Status = "CANCELLED"
	StatusReturned   Status = "RETURNED"
)

// DeliveryOption is how fast the order ships, and what that costs.
type DeliveryOption string

const (
	DeliveryStandard DeliveryOption = "STANDARD"
	DeliveryExpress  DeliveryOption = "EXPRESS"
)

// shippingFee is what each delivery option costs, in minor units of the order's currency.
// Standard shipping is free from FreeShippingFrom.
var shippingFee = map[DeliveryOption]int64{DeliveryStandard: 499, DeliveryExpress: 1499}

// FreeShippingFrom is the subtotal (minor units) from which standard delivery is free.
const FreeShippingFrom = 5000

// ShippingFor returns the shipping cost of an order of subtotal.
func ShippingFor(d DeliveryOption, subtotal Money) Money {
	fee := shippingFee[d]
	if d == DeliveryStandard && subtotal.Amount >= FreeShippingFrom {
		fee = 0
	}
	return Money{Amount: fee, Currency: subtotal.Currency}
}

// Address is where an order ships. Latitude and longitude let inventory pick the nearest
// fulfillment center.
type Address struct {
	Name       string  `json:"name"`
	Line1      string  `json:"line1"`
	City       string  `json:"city"`
	PostalCode string  `json:"postalCode"`
	Country    string  `json:"country"` // ISO 3166-1 alpha-2
	Latitude   float64 `json:"latitude"`
	Longitude  float64 `json:"longitude"`
}

// Line is one SKU of an order at the price the customer pays.
type Line struct {
	SKU       string `json:"sku"`
	Quantity  int    `json:"quantity"`
	UnitPrice int64  `json:"unitPrice"` // minor units of the order's currency
}

// Order is what a customer bought.
type Order struct {
	ID              string
	CustomerID      string // "" for a guest
	CartID          string
	Status          Status
	Currency        string
	Lines           []Line
	Subtotal        int64
	Shipping        int64
	Total           int64
	DeliveryOption  DeliveryOption
	ShippingAddress Address
	PlacedAt        time.Time
	UpdatedAt       time.Time
}

// Money returns an amount in the order's currency.
func (o Order) Money(amount int64) Money { return Money{Amount: amount, Currency: o.Currency} }

// StatusChange is one entry of an order's status history.
type StatusChange struct {
	Status Status
	Reason string // why, for cancellations and returns
	At     time.Time
}

// NewID returns a new order id.
func NewID() string { return ulid.Make().String() }

// ValidateID rejects order ids that are not canonical ULIDs, so they never reach a query.
func ValidateID(field, id string) error {
	if _, err := ulid.ParseStrict(id); err != nil || strings.ToUpper(id) != id {
		return &InputError{Field: []string{field}, Message: field + " is not a valid order id"}
	}
	return nil
}
