package clients

import (
	"context"
	"errors"
	"fmt"

	"github.com/shopgraph/shopgraph/subgraphs/orders"
	"github.com/shopgraph/shopgraph/subgraphs/payments"
)

// Payments is orders.Payments over the payments domain's service.
type Payments struct {
	service *payments.Service
}

var _ orders.Payments = (*Payments)(nil)

// NewPayments returns the adapter.
func NewPayments(s *payments.Service) *Payments { return &Payments{service: s} }

func money(m orders.Money) payments.Money {
	return payments.Money{Amount: m.Amount, Currency: m.Currency}
}

// Authorize implements orders.Payments.
func (p *Payments) Authorize(ctx context.Context, orderID, customerID string, amount orders.Money, method string) error {
	_, err := p.service.Authorize(ctx, payments.AuthorizeRequest{OrderID: orderID, CustomerID: customerID, Amount: money(amount), PaymentMethod: method})
	return paymentErr(err)
}

// Capture implements orders.Payments.
func (p *Payments) Capture(ctx context.Context, orderID string) error {
	_, err := p.service.Capture(ctx, orderID)
	return paymentErr(err)
}

// Void implements orders.Payments.
func (p *Payments) Void(ctx context.Context, orderID string) error {
	_, err := p.service.Void(ctx, orderID)
	return paymentErr(err)
}

// Refund implements orders.Payments.
func (p *Payments) Refund(ctx context.Context, orderID string, amount orders.Money) error {
	_, err := p.service.Refund(ctx, orderID, money(amount))
	return paymentErr(err)
}

// State implements orders.Payments.
func (p *Payments) State(ctx context.Context, orderID string) (orders.PaymentState, error) {
	i, err := p.service.IntentByOrder(ctx, orderID)
	if payments.CodeOf(err) == payments.CodeNotFound {
		return orders.PaymentNone, nil
	}
	if err != nil {
		return "", err
	}
	switch i.Pending {
	case payments.OpAuthorize:
		return orders.PaymentPendingAuthorize, nil
	case payments.OpCapture:
		return orders.PaymentPendingCapture, nil
	case payments.OpVoid:
		return orders.PaymentPendingVoid, nil
	case payments.OpRefund:
		return orders.PaymentPendingRefund, nil
	}
	switch i.Status {
	case payments.StatusRequiresAuthorization:
		return orders.PaymentPendingAuthorize, nil
	case payments.StatusAuthorized:
		return orders.PaymentAuthorized, nil
	case payments.StatusCaptured:
		return orders.PaymentCaptured, nil
	case payments.StatusVoided, payments.StatusRefunded, payments.StatusPartiallyRefunded:
		// One refund per order: a partial refund is all checkout will ever return.
		return orders.PaymentReleased, nil
	case payments.StatusFailed:
		return orders.PaymentNone, nil
	}
	return "", fmt.Errorf("payment of order %s has unknown status %s", orderID, i.Status)
}

// Status implements orders.Payments.
func (p *Payments) Status(ctx context.Context, orderID string) (string, error) {
	i, err := p.service.IntentByOrder(ctx, orderID)
	if payments.CodeOf(err) == payments.CodeNotFound {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return string(i.Status), nil
}

// paymentErr translates the payments domain's errors: declines, refusals that a retry gets
// again, and faults (provider unavailable, operation in flight) that may pass.
func paymentErr(err error) error {
	if err == nil {
		return nil
	}
	var pe *payments.Error
	var in *payments.InputError
	switch {
	case errors.As(err, &pe) && pe.Code == payments.CodeDeclined:
		return &orders.PaymentDeclinedError{Reason: pe.DeclineReason, Message: pe.Message}
	case errors.As(err, &pe) && !pe.Retryable:
		return fmt.Errorf("%w: %w", orders.ErrRefused, err)
	case errors.As(err, &in):
		return fmt.Errorf("%w: %w", orders.ErrRefused, err)
	}
	return err
}
