package clients

import (
	"context"
	"crypto/sha256"

	"github.com/shopgraph/shopgraph/subgraphs/cart"
	"github.com/shopgraph/shopgraph/subgraphs/orders"
)

// Carts is orders.Carts over the cart domain's store.
type Carts struct {
	store cart.Store
}

var _ orders.Carts = (*Carts)(nil)

// NewCarts returns the adapter.
func NewCarts(s cart.Store) *Carts { return &Carts{store: s} }

// Cart implements orders.Carts.
func (c *Carts) Cart(ctx context.Context, owner orders.CartOwner, cartID string) (orders.Cart, error) {
	found, err := c.store.CartsByID(ctx, cart.NewOwner(owner.CustomerID, owner.GuestToken), []string{cartID})
	if err != nil {
		return orders.Cart{}, err
	}
	got, ok := found[cartID]
	if !ok {
		return orders.Cart{}, orders.NotFound("cart", cartID)
	}
	out := orders.Cart{ID: got.ID, CustomerID: got.CustomerID, Version: got.Version, Currency: got.Currency}
	for _, l := range got.Lines {
		out.Lines = append(out.Lines, orders.CartLine{SKU: l.SKU, Quantity: l.Quantity,
			UnitPrice: orders.Money{Amount: l.UnitPrice.Amount, Currency: l.UnitPrice.Currency}})
	}
	return out, nil
}

// CheckedOut implements orders.Carts: it empties the cart, if still at version, under a
// client mutation id derived from the order; doing it again finds the cart past the version
// and leaves it alone, as it does a cart the buyer changed meanwhile (what they added stays).
func (c *Carts) CheckedOut(ctx context.Context, owner orders.CartOwner, cartID string, version int, orderID string) error {
	hash := sha256.Sum256([]byte("checkout " + orderID))
	_, err := c.store.Empty(ctx, cart.Change{
		Owner: cart.NewOwner(owner.CustomerID, owner.GuestToken), CartID: cartID, Version: version,
		Mutation: cart.Mutation{ClientID: "checkout:" + orderID, RequestHash: hash[:]},
	})
	return err
}
