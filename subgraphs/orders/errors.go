package orders

import (
	"errors"
	"fmt"
	"strings"
)

// Codes of the expected outcomes checkout reports in userErrors, and of refused requests.
const (
	CodeBadUserInput          = "BAD_USER_INPUT"
	CodeNotFound              = "NOT_FOUND"
	CodeUnauthenticated       = "UNAUTHENTICATED"
	CodeCartEmpty             = "CART_EMPTY"
	CodePriceChanged          = "PRICE_CHANGED"
	CodeItemUnavailable       = "ITEM_UNAVAILABLE"
	CodeOutOfStock            = "OUT_OF_STOCK"
	CodePaymentDeclined       = "PAYMENT_DECLINED"
	CodePaymentFailed         = "PAYMENT_FAILED"
	CodeHoldsLost             = "RESERVATION_EXPIRED"
	CodeCheckoutFailed        = "CHECKOUT_FAILED"
	CodeCheckoutPending       = "CHECKOUT_PENDING"
	CodeIdempotencyConflict   = "IDEMPOTENCY_CONFLICT"
	CodeIdempotencyInProgress = "IDEMPOTENCY_IN_PROGRESS"
)

// InputError is a malformed request, whatever the data. Its message is safe to show.
type InputError struct {
	Field   []string // path of the input field at fault
	Message string
}

func (e *InputError) Error() string { return e.Message }

// UserErrorCode is the stable code the GraphQL layer reports.
func (e *InputError) UserErrorCode() string { return CodeBadUserInput }

// RequestError refuses a request as a whole: an order or cart the caller may not see
// (NOT_FOUND), a reused idempotency key. The GraphQL layer reports it as a top-level error
// with the code.
type RequestError struct {
	Code    string
	Message string
}

func (e *RequestError) Error() string { return e.Message }

// UserErrorCode is the stable code the GraphQL layer reports.
func (e *RequestError) UserErrorCode() string { return e.Code }

// NotFound is what a caller gets for an order or cart that is not theirs, whether or not it
// exists.
func NotFound(what, id string) *RequestError {
	return &RequestError{Code: CodeNotFound, Message: strings.TrimSpace(fmt.Sprintf("%s %s", what, id)) + " not found"}
}

// UnavailableLine is a line inventory cannot serve.
type UnavailableLine struct {
	SKU       string `json:"sku"`
	Requested int    `json:"requested"`
	Available int    `json:"available"`
}

// PriceChange is a line whose price moved since it was put in the cart.
type PriceChange struct {
	SKU      string `json:"sku"`
	Previous int64  `json:"previous"`
	Current  int64  `json:"current"` // 0 with Unavailable
	Currency string `json:"currency"`
	// Unavailable is set when the catalog no longer sells the SKU.
	Unavailable bool `json:"unavailable,omitempty"`
}

// Failure is why a checkout did not place an order: what the buyer is told, with the lines
// at fault. It is stored with the saga and replayed to retries of the same key.
type Failure struct {
	Code         string            `json:"code"`
	Message      string            `json:"message"`
	Field        []string          `json:"field,omitempty"`
	Unavailable  []UnavailableLine `json:"unavailable,omitempty"`
	PriceChanges []PriceChange     `json:"priceChanges,omitempty"`
}

func (f *Failure) Error() string { return f.Code + ": " + f.Message }

// OutOfStockError is what an Inventory returns when some lines cannot be held; nothing was.
type OutOfStockError struct {
	Lines []UnavailableLine
}

func (e *OutOfStockError) Error() string { return fmt.Sprintf("out of stock: %d lines", len(e.Lines)) }

// PaymentDeclinedError is what Payments returns when the provider refuses the payment method.
type PaymentDeclinedError struct {
	Reason  string // card_declined, insufficient_funds, ...
	Message string
}

func (e *PaymentDeclinedError) Error() string { return "payment declined: " + e.Message }

// ErrRefused marks a refusal that retrying cannot change (a payment in a state that forbids the
// operation, holds that expired). Adapters wrap such errors with it; every other error is taken
// as a fault that may pass, and the step is retried.
var ErrRefused = errors.New("refused")

// ErrHoldsLost is what Inventory returns from Confirm when the order's holds expired or were
// released: the stock is no longer set aside for it.
var ErrHoldsLost = fmt.Errorf("holds lost: %w", ErrRefused)

// permanent reports whether err is a refusal that a retry would get again.
func permanent(err error) bool {
	var oos *OutOfStockError
	var dec *PaymentDeclinedError
	var f *Failure
	var req *RequestError
	return errors.As(err, &oos) || errors.As(err, &dec) || errors.As(err, &f) || errors.As(err, &req) || errors.Is(err, ErrRefused)
}
