package cartresolvers

import (
	"context"
	"errors"

	cartql "github.com/shopgraph/shopgraph/graph/cart"
	"github.com/shopgraph/shopgraph/subgraphs/cart"
)

func moneyModel(m cart.Money) *cartql.Money {
	return &cartql.Money{Amount: int(m.Amount), Currency: m.Currency}
}

func cartModel(c cart.Cart) *cartql.Cart {
	lines := make([]cartql.CartLine, len(c.Lines))
	for i, l := range c.Lines {
		lines[i] = cartql.CartLine{
			Sku:       l.SKU,
			Variant:   &cartql.Variant{Sku: l.SKU},
			Quantity:  l.Quantity,
			UnitPrice: moneyModel(l.UnitPrice),
			Subtotal:  moneyModel(l.Subtotal()),
			AddedAt:   l.AddedAt,
		}
	}
	return &cartql.Cart{
		ID:            c.ID,
		Version:       c.Version,
		Currency:      c.Currency,
		Lines:         lines,
		TotalQuantity: c.TotalQuantity(),
		Subtotal:      moneyModel(c.Subtotal()),
		CreatedAt:     c.CreatedAt,
		UpdatedAt:     c.UpdatedAt,
	}
}

func userErrorModel(r *cart.Rejection) cartql.UserError {
	e := cartql.UserError{Code: r.Code, Message: r.Message}
	if r.Field != "" {
		e.Field = []string{"input", r.Field}
	}
	return e
}

// changed is what a mutation resolver returns: the changed cart, or the cart as it stands
// with the rejection in userErrors. Other errors (malformed input, a cart the caller may not
// see, a system fault) are the operation's errors.
type changed struct {
	cart       *cartql.Cart
	userErrors []cartql.UserError
}

func (r *Resolver) changed(ctx context.Context, cartID string, c cart.Cart, err error) (changed, error) {
	l := r.loaders(ctx).CartByID
	var rejection *cart.Rejection
	if errors.As(err, &rejection) {
		out := changed{userErrors: []cartql.UserError{userErrorModel(rejection)}}
		if cartID != "" {
			l.Clear(ctx, cartID)
			current, err := l.Load(ctx, cartID)()
			if err != nil {
				return changed{}, err
			}
			if current != nil {
				out.cart = cartModel(*current)
			}
		}
		return out, nil
	}
	if err != nil {
		return changed{}, err
	}
	// Later fields of the same operation (a Cart entity, another mutation's read) see this
	// version, not one loaded before.
	l.Clear(ctx, c.ID).Prime(ctx, c.ID, &c)
	return changed{cart: cartModel(c), userErrors: []cartql.UserError{}}, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// cartByID returns the cart when the caller may see it. Any other id is NOT_FOUND, the same
// answer whether the cart belongs to someone else or does not exist.
func (r *Resolver) cartByID(ctx context.Context, id string) (*cartql.Cart, error) {
	if err := cart.ValidateID("id", id); err != nil {
		return nil, err
	}
	c, err := r.loaders(ctx).CartByID.Load(ctx, id)()
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, cart.ErrCartNotFound
	}
	return cartModel(*c), nil
}
