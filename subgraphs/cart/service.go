package cart

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strconv"
	"time"
)

// Store keeps carts. Every method sees only the carts the owner may see; the others answer
// as if they did not exist.
type Store interface {
	// CartsByID returns the owner's carts among ids, with their lines, keyed by id.
	CartsByID(ctx context.Context, owner Owner, ids []string) (map[string]Cart, error)
	// CustomerCart returns the customer's cart, creating an empty one the first time.
	CustomerCart(ctx context.Context, customerID string) (Cart, error)
	// GuestCart returns the guest cart of the token hash, or nil.
	GuestCart(ctx context.Context, tokenHash []byte) (*Cart, error)
	// CreateGuestCart creates an empty guest cart for the token hash.
	CreateGuestCart(ctx context.Context, id string, tokenHash []byte) (Cart, error)
	// Change applies edit to the owner's cart in one transaction, if the cart is still at the
	// quoted version, and records the client mutation id. A mutation id the cart has recorded
	// returns the cart as it is without calling edit (IdempotencyConflict when recorded for
	// another request hash). A cart past the quoted version is a VersionConflict; a cart the
	// owner may not see is ErrCartNotFound. An edit error rolls everything back.
	Change(ctx context.Context, ch Change, edit func(*Cart) error) (Cart, error)
	// Empty removes every line of the owner's cart in one statement, if the cart is still at
	// the quoted version, and records the client mutation id. It reports whether it did: a cart
	// changed since (by this very mutation too), or one the owner may not see, is left alone.
	Empty(ctx context.Context, ch Change) (bool, error)
	// Merge applies edit to the customer's cart (created if needed) and the guest cart of the
	// token hash, then deletes the guest cart, in one transaction, recording the mutation id
	// on the customer's cart. A guest cart that does not exist is a GUEST_CART_NOT_FOUND
	// Rejection (unless the mutation id is recorded: then the cart is returned as it is).
	Merge(ctx context.Context, m Merge, edit func(into *Cart, guest Cart) error) (Cart, error)
}

// Change names the cart to change and the version the caller read it at.
type Change struct {
	Owner    Owner
	CartID   string
	Version  int
	Mutation Mutation
}

// Merge names the customer and the guest cart to merge into theirs.
type Merge struct {
	CustomerID     string
	GuestTokenHash []byte
	Mutation       Mutation
}

// Mutation identifies a change for replay: ClientID is the caller's id ("" for none) and
// RequestHash covers what the change asks for, so a reused id with another payload is caught.
type Mutation struct {
	ClientID    string
	RequestHash []byte
}

// Service applies the cart's rules over a Store and the catalog's prices.
type Service struct {
	store  Store
	prices Prices
	now    func() time.Time
}

// NewService returns a Service. prices is consulted when a line is added.
func NewService(store Store, prices Prices) *Service {
	return &Service{store: store, prices: prices, now: time.Now}
}

// CartOf returns the owner's own cart: a signed-in customer's (created empty on first use, so
// a customer always has one to add to), else the guest cart of the presented token, else nil.
func (s *Service) CartOf(ctx context.Context, owner Owner) (*Cart, error) {
	if owner.CustomerID != "" {
		c, err := s.store.CustomerCart(ctx, owner.CustomerID)
		if err != nil {
			return nil, err
		}
		return &c, nil
	}
	if owner.GuestTokenHash == nil {
		return nil, nil
	}
	return s.store.GuestCart(ctx, owner.GuestTokenHash)
}

// Cart returns the cart with the id when the owner may see it, else ErrCartNotFound (the
// same answer whether it belongs to someone else or does not exist). Checkout reads the cart
// it is asked to buy through this.
func (s *Service) Cart(ctx context.Context, owner Owner, id string) (Cart, error) {
	if err := ValidateID("cartId", id); err != nil {
		return Cart{}, err
	}
	found, err := s.store.CartsByID(ctx, owner, []string{id})
	if err != nil {
		return Cart{}, err
	}
	c, ok := found[id]
	if !ok {
		return Cart{}, ErrCartNotFound
	}
	return c, nil
}

// CreateGuestCart creates an empty cart and returns the token that opens it (send it as
// X-Cart-Token). The token is shown this once.
func (s *Service) CreateGuestCart(ctx context.Context) (Cart, string, error) {
	token, hash, err := NewGuestToken()
	if err != nil {
		return Cart{}, "", err
	}
	c, err := s.store.CreateGuestCart(ctx, NewID(), hash)
	if err != nil {
		return Cart{}, "", err
	}
	return c, token, nil
}

// AddToCart asks to add Quantity units of SKU to a cart.
type AddToCart struct {
	CartID           string
	Version          int
	SKU              string
	Quantity         int
	UnitPrice        *Money // the price the shopper saw; a different current price is PRICE_CHANGED
	ClientMutationID string
}

// AddToCart adds units of a SKU at its current catalog price.
func (s *Service) AddToCart(ctx context.Context, owner Owner, in AddToCart) (Cart, error) {
	err := firstError(
		ValidateID("cartId", in.CartID),
		validateVersion("version", in.Version),
		ValidateSKU("sku", in.SKU),
		validateQuantity("quantity", in.Quantity),
		validateClientMutationID("clientMutationId", in.ClientMutationID),
	)
	if err == nil && in.UnitPrice != nil {
		err = validateCurrency("unitPrice", in.UnitPrice.Currency)
	}
	if err != nil {
		return Cart{}, err
	}
	// The price is read before the cart is locked, so the catalog is never waited on while
	// other changes of the cart queue behind the lock.
	prices, err := s.prices.PriceOf(ctx, []string{in.SKU})
	if err != nil {
		return Cart{}, fmt.Errorf("price of %s: %w", in.SKU, err)
	}
	price, known := prices[in.SKU]
	hash := requestHash("addToCart", in.SKU, strconv.Itoa(in.Quantity), moneyKey(in.UnitPrice))
	now := s.now()
	return s.store.Change(ctx, Change{Owner: owner, CartID: in.CartID, Version: in.Version, Mutation: Mutation{in.ClientMutationID, hash}},
		func(c *Cart) error {
			if !known {
				return &Rejection{Code: CodeUnknownSKU, Field: "sku", Message: fmt.Sprintf("the store does not sell %s", in.SKU)}
			}
			if in.UnitPrice != nil && *in.UnitPrice != price {
				return &Rejection{
					Code:    CodePriceChanged,
					Field:   "unitPrice",
					Message: fmt.Sprintf("%s now costs %d %s", in.SKU, price.Amount, price.Currency),
				}
			}
			return addLine(c, in.SKU, in.Quantity, price, now)
		})
}

// UpdateCartLine asks to set the quantity of a line.
type UpdateCartLine struct {
	CartID           string
	Version          int
	SKU              string
	Quantity         int
	ClientMutationID string
}

// UpdateCartLine sets the quantity of a line already in the cart; the price snapshot stays.
func (s *Service) UpdateCartLine(ctx context.Context, owner Owner, in UpdateCartLine) (Cart, error) {
	if err := firstError(
		ValidateID("cartId", in.CartID),
		validateVersion("version", in.Version),
		ValidateSKU("sku", in.SKU),
		validateQuantity("quantity", in.Quantity),
		validateClientMutationID("clientMutationId", in.ClientMutationID),
	); err != nil {
		return Cart{}, err
	}
	hash := requestHash("updateCartLine", in.SKU, strconv.Itoa(in.Quantity))
	return s.store.Change(ctx, Change{Owner: owner, CartID: in.CartID, Version: in.Version, Mutation: Mutation{in.ClientMutationID, hash}},
		func(c *Cart) error { return setQuantity(c, in.SKU, in.Quantity) })
}

// RemoveCartLine asks to take a line out of a cart.
type RemoveCartLine struct {
	CartID           string
	Version          int
	SKU              string
	ClientMutationID string
}

// RemoveCartLine removes a line.
func (s *Service) RemoveCartLine(ctx context.Context, owner Owner, in RemoveCartLine) (Cart, error) {
	if err := firstError(
		ValidateID("cartId", in.CartID),
		validateVersion("version", in.Version),
		ValidateSKU("sku", in.SKU),
		validateClientMutationID("clientMutationId", in.ClientMutationID),
	); err != nil {
		return Cart{}, err
	}
	hash := requestHash("removeCartLine", in.SKU)
	return s.store.Change(ctx, Change{Owner: owner, CartID: in.CartID, Version: in.Version, Mutation: Mutation{in.ClientMutationID, hash}},
		func(c *Cart) error { return removeLine(c, in.SKU) })
}

// MergeGuestCart asks to move a guest cart into the signed-in customer's cart.
type MergeGuestCart struct {
	GuestToken       string
	ClientMutationID string
}

// MergeGuestCart moves the lines of the guest cart the token opens into the customer's cart
// (see mergeLines) and deletes the guest cart. Only a signed-in customer can merge.
func (s *Service) MergeGuestCart(ctx context.Context, owner Owner, in MergeGuestCart) (Cart, error) {
	if owner.CustomerID == "" {
		return Cart{}, &AccessError{Code: CodeUnauthenticated, Message: "sign in to merge a guest cart into your cart"}
	}
	hash, ok := HashGuestToken(in.GuestToken)
	if !ok {
		return Cart{}, &InputError{Field: "guestToken", Message: "guestToken is not a cart token"}
	}
	if err := validateClientMutationID("clientMutationId", in.ClientMutationID); err != nil {
		return Cart{}, err
	}
	// The token hash stands for the token in the request hash: the token itself is a secret.
	m := Mutation{ClientID: in.ClientMutationID, RequestHash: requestHash("mergeGuestCart", string(hash))}
	return s.store.Merge(ctx, Merge{CustomerID: owner.CustomerID, GuestTokenHash: hash, Mutation: m}, mergeLines)
}

// requestHash identifies what a change asks for. The version is left out on purpose: a
// client that retries after re-reading the cart quotes a newer version for the same change.
func requestHash(kind string, fields ...string) []byte {
	h := sha256.New()
	h.Write([]byte(kind))
	for _, f := range fields {
		h.Write([]byte{0})
		h.Write([]byte(strconv.Itoa(len(f))))
		h.Write([]byte{':'})
		h.Write([]byte(f))
	}
	return h.Sum(nil)
}

func moneyKey(m *Money) string {
	if m == nil {
		return ""
	}
	return strconv.FormatInt(m.Amount, 10) + " " + m.Currency
}

// firstError returns the first failed check, so the client gets one clear message naming
// the field it is about.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
