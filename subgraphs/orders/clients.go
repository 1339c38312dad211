package orders

import "context"

// The domains checkout commands, each behind an interface of what checkout needs from it.
// The binary wires adapters over the in-process services (subpackage clients); a split
// deployment would wire network clients. Every command is idempotent by order id, which is what
// lets the saga retry a step and the recovery worker run one again.

// Inventory sets stock aside for an order and settles it.
type Inventory interface {
	// Reserve holds every line, all or none, at the centers nearest to shipTo. Reserving an
	// order again returns its holds. An *OutOfStockError names the lines it cannot serve.
	Reserve(ctx context.Context, orderID string, lines []Line, shipTo Address) error
	// Confirm turns the order's holds into decrements of stock; ErrHoldsLost when they expired
	// or were released.
	Confirm(ctx context.Context, orderID string) error
	// Release gives the order's active holds back; releasing an order without holds is a no-op.
	Release(ctx context.Context, orderID string) error
}

// PaymentState is what Payments knows of an order's payment, enough to compensate it.
type PaymentState string

const (
	PaymentNone             PaymentState = "NONE"              // never asked for, or declined
	PaymentPendingAuthorize PaymentState = "PENDING_AUTHORIZE" // authorization asked, outcome unknown
	PaymentAuthorized       PaymentState = "AUTHORIZED"        // held, not taken
	PaymentPendingCapture   PaymentState = "PENDING_CAPTURE"   // capture asked, outcome unknown
	PaymentCaptured         PaymentState = "CAPTURED"          // taken
	PaymentPendingVoid      PaymentState = "PENDING_VOID"      // void asked, outcome unknown
	PaymentPendingRefund    PaymentState = "PENDING_REFUND"    // refund asked, outcome unknown
	PaymentReleased         PaymentState = "RELEASED"          // voided or refunded
)

// Payments moves the customer's money for an order.
type Payments interface {
	// Authorize holds amount on the payment method; a *PaymentDeclinedError when refused.
	Authorize(ctx context.Context, orderID, customerID string, amount Money, paymentMethod string) error
	// Capture takes the authorized amount.
	Capture(ctx context.Context, orderID string) error
	// Void releases an authorization that was not captured.
	Void(ctx context.Context, orderID string) error
	// Refund returns amount of what was captured.
	Refund(ctx context.Context, orderID string, amount Money) error
	// State says where the order's payment stands.
	State(ctx context.Context, orderID string) (PaymentState, error)
	// Status is the order's payment status as payments names it (CAPTURED, VOIDED, ...), ""
	// when the order has no payment.
	Status(ctx context.Context, orderID string) (string, error)
}

// CartOwner is who checks out a cart: a signed-in customer, or a guest presenting the cart's
// token. The token is never stored.
type CartOwner struct {
	CustomerID string
	GuestToken string
}

// CartLine is one SKU of a cart at the price the buyer saw.
type CartLine struct {
	SKU       string
	Quantity  int
	UnitPrice Money
}

// Cart is what checkout reads of a cart.
type Cart struct {
	ID         string
	CustomerID string
	Version    int
	Currency   string
	Lines      []CartLine
}

// Carts reads the cart being checked out and empties it once the order is placed.
type Carts interface {
	// Cart returns the owner's cart, or a NotFound *RequestError for a cart they may not see.
	Cart(ctx context.Context, owner CartOwner, cartID string) (Cart, error)
	// CheckedOut empties the cart, if it is still at version, once order orderID holds its
	// lines; doing it again is a no-op, and a cart changed since is left alone.
	CheckedOut(ctx context.Context, owner CartOwner, cartID string, version int, orderID string) error
}

// Prices tells checkout what SKUs cost now. SKUs the catalog no longer sells are absent.
type Prices interface {
	CurrentPrices(ctx context.Context, skus []string) (map[string]Money, error)
}
