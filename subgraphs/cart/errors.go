package cart

import "fmt"

// Stable codes that callers branch on; the GraphQL layer reports them in extensions.code or
// in a payload's userErrors.
const (
	CodeBadUserInput        = "BAD_USER_INPUT"
	CodeNotFound            = "NOT_FOUND"
	CodeUnauthenticated     = "UNAUTHENTICATED"
	CodeVersionConflict     = "CART_VERSION_CONFLICT"
	CodeUnknownSKU          = "UNKNOWN_SKU"
	CodeLineLimit           = "CART_LINE_LIMIT"
	CodeQuantityLimit       = "CART_LINE_QUANTITY_LIMIT"
	CodeLineNotFound        = "CART_LINE_NOT_FOUND"
	CodeCurrencyMismatch    = "CURRENCY_MISMATCH"
	CodePriceChanged        = "PRICE_CHANGED"
	CodeIdempotencyConflict = "IDEMPOTENCY_CONFLICT"
	CodeGuestCartNotFound   = "GUEST_CART_NOT_FOUND"
)

// InputError is a request that is malformed whatever the data. Its message is safe to show.
type InputError struct {
	Field   string // the input field at fault, such as "quantity"
	Message string
}

func (e *InputError) Error() string { return e.Message }

// UserErrorCode is the stable code the GraphQL layer reports.
func (e *InputError) UserErrorCode() string { return CodeBadUserInput }

// AccessError refuses a request for who is asking: a cart the caller may not see
// (NOT_FOUND, the same answer as a cart that does not exist) or a change only a signed-in
// customer can make (UNAUTHENTICATED).
type AccessError struct {
	Code    string
	Message string
}

func (e *AccessError) Error() string { return e.Message }

// UserErrorCode is the stable code the GraphQL layer reports.
func (e *AccessError) UserErrorCode() string { return e.Code }

// ErrCartNotFound is a cart that does not exist or belongs to someone else.
var ErrCartNotFound = &AccessError{Code: CodeNotFound, Message: "cart not found"}

// Rejection is an expected outcome that refused a change; the cart is as it was. The GraphQL
// layer reports it in the payload's userErrors.
type Rejection struct {
	Code    string
	Message string
	Field   string // the input field at fault, or ""
}

func (e *Rejection) Error() string { return e.Message }

// UserErrorCode is the stable code the GraphQL layer reports.
func (e *Rejection) UserErrorCode() string { return e.Code }

// VersionConflict reports a change quoting a version the cart has moved past.
func VersionConflict(quoted, current int) *Rejection {
	return &Rejection{
		Code:    CodeVersionConflict,
		Field:   "version",
		Message: fmt.Sprintf("the cart changed since version %d (it is at version %d): read it again and retry", quoted, current),
	}
}

// IdempotencyConflict reports a client mutation id reused for a different change.
func IdempotencyConflict() *Rejection {
	return &Rejection{
		Code:    CodeIdempotencyConflict,
		Field:   "clientMutationId",
		Message: "this clientMutationId was used for a different change of the cart",
	}
}
