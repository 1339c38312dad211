package inventory

import (
	"errors"
	"fmt"
	"strings"
)

// InputError is a request that is malformed whatever the data: the API refuses it with
// BAD_USER_INPUT. Its message is safe to show to callers.
type InputError struct {
	Field   string // the input field at fault, such as "quantity"
	Message string
}

func (e *InputError) Error() string { return e.Message }

// UserErrorCode is the stable extensions.code the GraphQL layer reports.
func (e *InputError) UserErrorCode() string { return "BAD_USER_INPUT" }

// Rejection is an expected business outcome that refuses a command, such as a restock for a
// center that does not exist. Mutations report it in userErrors rather than as a failure.
type Rejection struct {
	Code    string // stable, such as UNKNOWN_FULFILLMENT_CENTER
	Field   string // the input field at fault, if one is
	Message string
}

func (e *Rejection) Error() string { return e.Message }

// Rejection codes.
const (
	CodeUnknownFulfillmentCenter = "UNKNOWN_FULFILLMENT_CENTER"
	CodeStockLimitExceeded       = "STOCK_LIMIT_EXCEEDED"
)

// UnavailableLine is a line of a reservation that no fulfillment center can serve.
type UnavailableLine struct {
	SKU       string
	Requested int
	Available int // the most units one center could hold for the line now
}

// OutOfStockError refuses a reservation because some lines cannot be served; no hold was taken.
type OutOfStockError struct {
	Lines []UnavailableLine
}

func (e *OutOfStockError) Error() string {
	var b strings.Builder
	b.WriteString("out of stock:")
	for i, l := range e.Lines {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, " %s (requested %d, available %d)", l.SKU, l.Requested, l.Available)
	}
	return b.String()
}

// UserErrorCode is the stable code checkout reports to the buyer.
func (e *OutOfStockError) UserErrorCode() string { return CodeOutOfStock }

// HoldStateError refuses a reserve, confirm or release that the order's holds no longer allow,
// such as releasing holds that were confirmed.
type HoldStateError struct {
	Code    string // CodeHoldsConfirmed, CodeHoldsReleased, CodeHoldsExpired, CodeHoldsNotFound, CodeIdempotencyConflict
	OrderID string
	Message string
}

func (e *HoldStateError) Error() string { return e.Message }

// UserErrorCode is the stable code of the refusal.
func (e *HoldStateError) UserErrorCode() string { return e.Code }

// Codes of refused reservations.
const (
	CodeOutOfStock          = "OUT_OF_STOCK"
	CodeHoldsConfirmed      = "HOLDS_CONFIRMED"
	CodeHoldsReleased       = "HOLDS_RELEASED"
	CodeHoldsExpired        = "HOLDS_EXPIRED"
	CodeHoldsNotFound       = "HOLDS_NOT_FOUND"
	CodeIdempotencyConflict = "IDEMPOTENCY_CONFLICT"
	CodeFlashSaleDisabled   = "FLASH_SALE_DISABLED"
)

// ErrNotHot is returned by the flash-sale path for a SKU whose counters are not loaded in it
// (the SKU is not hot, or is being switched): the Postgres path decides.
var ErrNotHot = errors.New("sku is not loaded on the flash-sale path")

// ErrReservationBusy is returned when a SKU kept switching paths under a reservation; the
// caller retries later. It is a system condition, not a business outcome.
var ErrReservationBusy = errors.New("reservation path is switching; retry")

// HotSKUsError is returned by the Postgres path for lines whose SKUs are hot: the flash-sale
// path holds their stock, and the Postgres path took no hold.
type HotSKUsError struct {
	SKUs []string
}

func (e *HotSKUsError) Error() string {
	return "skus are on the flash-sale path: " + strings.Join(e.SKUs, ", ")
}
