package ordersresolvers

import (
	"context"
	"fmt"

	ordersql "github.com/shopgraph/shopgraph/graph/orders"
	"github.com/shopgraph/shopgraph/resolvers"
	"github.com/shopgraph/shopgraph/subgraphs/orders"
)

func money(amount int64, currency string) *ordersql.Money {
	return &ordersql.Money{Amount: int(amount), Currency: currency}
}

func orderModel(o orders.Order) *ordersql.Order {
	lines := make([]ordersql.OrderLine, len(o.Lines))
	for i, l := range o.Lines {
		lines[i] = ordersql.OrderLine{
			Sku:       l.SKU,
			Variant:   &ordersql.Variant{Sku: l.SKU},
			Quantity:  l.Quantity,
			UnitPrice: money(l.UnitPrice, o.Currency),
			Subtotal:  money(l.UnitPrice*int64(l.Quantity), o.Currency),
		}
	}
	a := o.ShippingAddress
	return &ordersql.Order{
		ID:             o.ID,
		Status:         ordersql.OrderStatus(o.Status),
		Lines:          lines,
		Subtotal:       money(o.Subtotal, o.Currency),
		ShippingCost:   money(o.Shipping, o.Currency),
		Total:          money(o.Total, o.Currency),
		DeliveryOption: ordersql.DeliveryOption(o.DeliveryOption),
		ShippingAddress: &ordersql.Address{Name: a.Name, Line1: a.Line1, City: a.City, PostalCode: a.PostalCode,
			Country: a.Country, Latitude: a.Latitude, Longitude: a.Longitude},
		PlacedAt:  o.PlacedAt,
		UpdatedAt: o.UpdatedAt,
	}
}

func historyModel(h []orders.StatusChange) []ordersql.OrderStatusChange {
	out := make([]ordersql.OrderStatusChange, len(h))
	for i, c := range h {
		out[i] = ordersql.OrderStatusChange{Status: ordersql.OrderStatus(c.Status), At: c.At}
		if c.Reason != "" {
			out[i].Reason = &c.Reason
		}
	}
	return out
}

// checkoutRequest maps the input, taking the idempotency key from the input or the
// Idempotency-Key header (equal when both are sent).
func checkoutRequest(in ordersql.CheckoutInput, headerKey string) (orders.CheckoutRequest, error) {
	key := headerKey
	if in.IdempotencyKey != nil {
		if headerKey != "" && *in.IdempotencyKey != headerKey {
			return orders.CheckoutRequest{}, resolvers.BadUserInput("input.idempotencyKey and the Idempotency-Key header differ; send one, or both equal")
		}
		key = *in.IdempotencyKey
	}
	if key == "" {
		return orders.CheckoutRequest{}, resolvers.BadUserInput("send an idempotency key (input.idempotencyKey or the Idempotency-Key header), fresh for each checkout and reused on its retries")
	}
	pm := in.PaymentMethod
	var method string
	switch {
	case pm == nil || (pm.Token == nil) == (pm.CardNumber == nil):
		return orders.CheckoutRequest{}, resolvers.BadUserInput("input.paymentMethod needs exactly one of token and cardNumber")
	case pm.Token != nil:
		method = *pm.Token
	default:
		method = *pm.CardNumber
	}
	req := orders.CheckoutRequest{CartID: in.CartID, IdempotencyKey: key, PaymentMethod: method, DeliveryOption: orders.DeliveryOption(in.DeliveryOption)}
	if a := in.ShippingAddress; a != nil {
		req.ShippingAddress = orders.Address{Name: a.Name, Line1: a.Line1, City: a.City, PostalCode: a.PostalCode,
			Country: a.Country, Latitude: a.Latitude, Longitude: a.Longitude}
	}
	return req, nil
}

// failurePayload reports why checkout placed no order, with the lines at fault.
func failurePayload(p *ordersql.CheckoutPayload, f *orders.Failure) {
	p.UserErrors = append(p.UserErrors, ordersql.UserError{Code: f.Code, Message: f.Message, Field: f.Field})
	for _, l := range f.Unavailable {
		p.UnavailableLines = append(p.UnavailableLines, ordersql.UnavailableLine{Sku: l.SKU, Requested: l.Requested, Available: l.Available})
	}
	for _, c := range f.PriceChanges {
		pc := ordersql.PriceChange{Sku: c.SKU, Previous: money(c.Previous, c.Currency)}
		if !c.Unavailable {
			pc.Current = money(c.Current, c.Currency)
		}
		p.PriceChanges = append(p.PriceChanges, pc)
	}
}

// checkoutPayment is the payment of a checkout's order, whose status the checkout answer gives
// itself (the schema @provides it, so the gateway does not ask payments): as the saga recorded
// it when it ended, or, for a checkout still running, as payments has it now. Nil when the
// order has no payment.
func (r *Resolver) checkoutPayment(ctx context.Context, out orders.Outcome) (*ordersql.Payment, error) {
	status := out.PaymentStatus
	if status == "" {
		var err error
		if status, err = r.checkout.PaymentStatus(ctx, out.OrderID); err != nil {
			return nil, fmt.Errorf("payment of order %s: %w", out.OrderID, err)
		}
	}
	if status == "" {
		return nil, nil
	}
	s := ordersql.PaymentStatus(status)
	if !s.IsValid() {
		return nil, fmt.Errorf("payment of order %s has status %q, which the schema does not know", out.OrderID, status)
	}
	return &ordersql.Payment{Status: s}, nil
}
