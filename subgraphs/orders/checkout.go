package orders

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/oklog/ulid/v2"
)

// CheckoutRequest is what a buyer asks checkout to do.
type CheckoutRequest struct {
	CartID          string
	IdempotencyKey  string
	ShippingAddress Address
	PaymentMethod   string // a provider token, or a test card number with the simulated provider
	DeliveryOption  DeliveryOption
}

// Limits of a checkout request.
const (
	MaxIdempotencyKeyLength = 255
	maxAddressField         = 200
	maxPaymentMethodLength  = 255
	// IdempotencyTTL is how long a key's outcome is kept: a retry within it replays the
	// outcome; after it, the key starts a new checkout.
	IdempotencyTTL = 24 * time.Hour
)

// Validate checks the request before anything is stored or called.
func (r CheckoutRequest) Validate() error {
	in := func(f ...string) []string { return append([]string{"input"}, f...) }
	if _, err := ulid.ParseStrict(r.CartID); err != nil {
		return &InputError{Field: in("cartId"), Message: "cartId is not a valid cart id"}
	}
	if k := r.IdempotencyKey; k == "" || len(k) > MaxIdempotencyKeyLength || strings.IndexFunc(k, func(c rune) bool { return !unicode.IsPrint(c) }) >= 0 {
		return &InputError{Field: in("idempotencyKey"), Message: fmt.Sprintf("idempotencyKey must be 1 to %d printable characters (send one per checkout attempt, reuse it on retries)", MaxIdempotencyKeyLength)}
	}
	a := r.ShippingAddress
	for _, f := range []struct{ name, v string }{{"name", a.Name}, {"line1", a.Line1}, {"city", a.City}, {"postalCode", a.PostalCode}} {
		if strings.TrimSpace(f.v) == "" || utf8.RuneCountInString(f.v) > maxAddressField {
			return &InputError{Field: in("shippingAddress", f.name), Message: fmt.Sprintf("shippingAddress.%s must be 1 to %d characters", f.name, maxAddressField)}
		}
	}
	if len(a.Country) != 2 || strings.ToUpper(a.Country) != a.Country || strings.IndexFunc(a.Country, func(c rune) bool { return c < 'A' || c > 'Z' }) >= 0 {
		return &InputError{Field: in("shippingAddress", "country"), Message: "shippingAddress.country must be an ISO 3166-1 alpha-2 code such as DE"}
	}
	if math.IsNaN(a.Latitude) || math.Abs(a.Latitude) > 90 {
		return &InputError{Field: in("shippingAddress", "latitude"), Message: "shippingAddress.latitude must be in [-90, 90]"}
	}
	if math.IsNaN(a.Longitude) || math.Abs(a.Longitude) > 180 {
		return &InputError{Field: in("shippingAddress", "longitude"), Message: "shippingAddress.longitude must be in [-180, 180]"}
	}
	if r.PaymentMethod == "" || len(r.PaymentMethod) > maxPaymentMethodLength {
		return &InputError{Field: in("paymentMethod"), Message: fmt.Sprintf("paymentMethod must be a token of 1 to %d characters", maxPaymentMethodLength)}
	}
	if _, ok := shippingFee[r.DeliveryOption]; !ok {
		return &InputError{Field: in("deliveryOption"), Message: "deliveryOption must be STANDARD or EXPRESS"}
	}
	return nil
}

// Hash identifies what the request asks for, the idempotency key aside: a retry with the same
// key must hash the same, and a reuse of the key for another checkout must not.
func (r CheckoutRequest) Hash() []byte {
	b, _ := json.Marshal(struct {
		CartID   string
		Address  Address
		Method   string
		Delivery DeliveryOption
	}{r.CartID, r.ShippingAddress, r.PaymentMethod, r.DeliveryOption}) // cannot fail: plain values
	h := sha256.Sum256(b)
	return h[:]
}

// Plan is what validation settled for the saga: the lines at current prices, the totals, and
// where the order ships. It is stored with the saga, so a recovered saga charges what the
// buyer was shown.
type Plan struct {
	Currency        string         `json:"currency"`
	Lines           []Line         `json:"lines"`
	Subtotal        int64          `json:"subtotal"`
	Shipping        int64          `json:"shipping"`
	Total           int64          `json:"total"`
	DeliveryOption  DeliveryOption `json:"deliveryOption"`
	ShippingAddress Address        `json:"shippingAddress"`
}

// PlanCheckout prices the cart at the current prices. Lines whose price moved since they were
// added, or that the catalog no longer sells, fail with PRICE_CHANGED (or ITEM_UNAVAILABLE)
// naming them: checkout never charges a price the buyer was not shown.
func PlanCheckout(c Cart, current map[string]Money, delivery DeliveryOption, shipTo Address) (Plan, error) {
	if len(c.Lines) == 0 {
		return Plan{}, &Failure{Code: CodeCartEmpty, Message: "the cart is empty", Field: []string{"input", "cartId"}}
	}
	p := Plan{Currency: c.Currency, DeliveryOption: delivery, ShippingAddress: shipTo}
	var changes []PriceChange
	unavailable := false
	for _, l := range c.Lines {
		now, ok := current[l.SKU]
		switch {
		case !ok:
			unavailable = true
			changes = append(changes, PriceChange{SKU: l.SKU, Previous: l.UnitPrice.Amount, Currency: l.UnitPrice.Currency, Unavailable: true})
			continue
		case now != l.UnitPrice:
			changes = append(changes, PriceChange{SKU: l.SKU, Previous: l.UnitPrice.Amount, Current: now.Amount, Currency: now.Currency})
			continue
		}
		p.Lines = append(p.Lines, Line{SKU: l.SKU, Quantity: l.Quantity, UnitPrice: now.Amount})
		p.Subtotal += now.Amount * int64(l.Quantity)
	}
	if len(changes) > 0 {
		f := &Failure{Code: CodePriceChanged, Message: "prices changed since the lines were added to the cart; review the cart and check out again", PriceChanges: changes}
		if unavailable {
			f.Code, f.Message = CodeItemUnavailable, "some lines are no longer sold; remove them and check out again"
		}
		return Plan{}, f
	}
	p.Shipping = ShippingFor(delivery, Money{Amount: p.Subtotal, Currency: p.Currency}).Amount
	p.Total = p.Subtotal + p.Shipping
	return p, nil
}

// Outcome is the final answer to a checkout: the order, or why there is none (Failure), or
// both when the order was created and then cancelled. Retries of the key get it again.
type Outcome struct {
	OrderID string   `json:"orderId,omitempty"`
	Failure *Failure `json:"failure,omitempty"`
	// PaymentStatus is the order's payment status when the saga ended (CAPTURED, or how a
	// failed one's payment was released), as payments names it; empty without an order, and
	// in answers stored before it was recorded.
	PaymentStatus string `json:"paymentStatus,omitempty"`
	// Order is the order as the saga completed it, given only to the request that ran the
	// saga (not stored with the key: a retry reads the order as it stands).
	Order *Order `json:"-"`
}
