// Package payments holds what the store knows about money taken for orders: one payment
// intent per order, the operations on it (authorize, capture, void, refund) and an append-only
// ledger of the operations that succeeded at the payment provider. Every operation is
// idempotent by (order id, operation), so a retried checkout step never charges twice. The
// postgres subpackage stores it; the provider subpackage talks to payment providers.
package payments

import (
	"fmt"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"
)

// Money is an amount in the currency's minor units (cents for EUR and USD).
type Money struct {
	Amount   int64
	Currency string // ISO 4217, upper case, such as EUR
}

func (m Money) String() string { return fmt.Sprintf("%d %s", m.Amount, m.Currency) }

// MaxAmount bounds one payment (100 million in major units): larger numbers are mistakes,
// and the bound keeps sums of refunds far from overflow.
const MaxAmount = 10_000_000_000

// Status is where a payment intent stands.
type Status string

const (
	StatusRequiresAuthorization Status = "REQUIRES_AUTHORIZATION" // created; authorization not yet known
	StatusAuthorized            Status = "AUTHORIZED"             // funds held on the customer's card
	StatusCaptured              Status = "CAPTURED"               // funds taken
	StatusVoided                Status = "VOIDED"                 // hold released without taking funds
	StatusRefunded              Status = "REFUNDED"               // everything captured was returned
	StatusPartiallyRefunded     Status = "PARTIALLY_REFUNDED"     // part of the captured amount was returned
	StatusFailed                Status = "FAILED"                 // the authorization was declined
)

// Operation is a command on a payment intent; each one succeeds at most once per order.
type Operation string

const (
	OpAuthorize Operation = "AUTHORIZE"
	OpCapture   Operation = "CAPTURE"
	OpVoid      Operation = "VOID"
	OpRefund    Operation = "REFUND"
)

// Intent is the payment of one order.
type Intent struct {
	ID                string // ULID
	OrderID           string
	CustomerID        string // empty for a guest
	Amount            Money  // what the order costs; authorized in full
	Status            Status
	Provider          string // the provider that holds the authorization, such as "simulated"
	ProviderReference string // the provider's id of the authorization; empty until authorized
	Authorized        int64  // minor units the authorization held (kept after a capture or void)
	Captured          int64  // minor units taken
	Refunded          int64  // minor units returned, never more than Captured
	// Pending is the operation asked for whose outcome the provider has not confirmed yet;
	// no other operation may start until a retry settles it.
	Pending   Operation
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Refundable is what can still be returned to the customer.
func (i Intent) Refundable() int64 { return i.Captured - i.Refunded }

// LedgerEntry is one operation that succeeded at the provider. Entries are never changed or
// removed; the intent's amounts are a summary of them.
type LedgerEntry struct {
	ID                string // ULID
	IntentID          string
	OrderID           string
	Operation         Operation
	Amount            Money
	ProviderReference string // the provider's id of this operation (charge, capture, refund)
	CreatedAt         time.Time
}

// AuthorizeRequest asks to hold the order's amount on the customer's payment method.
type AuthorizeRequest struct {
	OrderID       string // ULID of the order; the idempotency key of the whole payment
	CustomerID    string // empty for a guest
	Amount        Money
	PaymentMethod string // a provider token (pm_card_visa) or, with the simulated provider, a test card number
}

// Command is one operation on the intent of an order, as the store records it.
type Command struct {
	Operation     Operation
	OrderID       string
	CustomerID    string // authorize only
	Amount        Money  // authorize: the order total; refund: the amount returned; zero for capture and void
	PaymentMethod string // authorize only; never stored
	Provider      string // name of the provider that runs the command
}

// IdempotencyKey is the key the provider sees for this command. It depends only on the order
// and the operation, so a retry after an unknown outcome (a timeout after the provider
// charged) finds the original charge instead of making a second one.
func (c Command) IdempotencyKey() string {
	return "shopgraph-" + c.OrderID + "-" + strings.ToLower(string(c.Operation))
}

// MaxIDLength bounds customer ids and provider references kept with an intent.
const MaxIDLength = 64

// ValidateOrderID checks that an order id is a ULID, the only ids the orders domain issues.
func ValidateOrderID(field, id string) error {
	// Upper case only: the canonical form, so one order cannot hide behind two spellings.
	if _, err := ulid.ParseStrict(id); err != nil || strings.ToUpper(id) != id {
		return &InputError{Field: field, Message: fmt.Sprintf("%s must be an order id (a ULID), got %q", field, truncate(id))}
	}
	return nil
}

// ValidateMoney checks that an amount is positive, bounded and in an ISO 4217 currency.
func ValidateMoney(field string, m Money) error {
	if m.Amount <= 0 || m.Amount > MaxAmount {
		return &InputError{Field: field, Message: fmt.Sprintf("%s.amount must be between 1 and %d minor units, got %d", field, int64(MaxAmount), m.Amount)}
	}
	if !isCurrency(m.Currency) {
		return &InputError{Field: field, Message: fmt.Sprintf("%s.currency must be an ISO 4217 code such as EUR, got %q", field, truncate(m.Currency))}
	}
	return nil
}

// Validate checks an authorization request before anything is stored.
func (r AuthorizeRequest) Validate() error {
	if err := ValidateOrderID("orderId", r.OrderID); err != nil {
		return err
	}
	if len(r.CustomerID) > MaxIDLength {
		return &InputError{Field: "customerId", Message: fmt.Sprintf("customerId must be at most %d characters", MaxIDLength)}
	}
	if err := ValidateMoney("amount", r.Amount); err != nil {
		return err
	}
	if r.PaymentMethod == "" || len(r.PaymentMethod) > 255 {
		return &InputError{Field: "paymentMethod", Message: "paymentMethod must be a payment method token of 1 to 255 characters"}
	}
	return nil
}

func isCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// truncate keeps oversized input out of error messages.
func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
