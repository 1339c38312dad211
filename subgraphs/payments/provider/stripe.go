package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/stripe/stripe-go/v82"

	"github.com/shopgraph/shopgraph/subgraphs/payments"
)

// StripeConfig configures the Stripe adapter.
type StripeConfig struct {
	SecretKey string
	// URL is the API's base URL; empty for Stripe itself. Tests point it at stripe-mock.
	URL string
	// HTTPClient defaults to a client with stripe-go's own timeout.
	HTTPClient *http.Client
	// MaxNetworkRetries is how often stripe-go retries a call that failed on the network,
	// with the same idempotency key; nil keeps stripe-go's default (2).
	MaxNetworkRetries *int64
}

// Stripe charges through Stripe's PaymentIntents API: an authorization is a PaymentIntent
// confirmed with manual capture, a capture captures it, a void cancels it, and a refund is a
// Refund of it. Every request carries the command's idempotency key, which Stripe keeps for
// 24 hours, so a retry after a lost answer returns the original object.
type Stripe struct {
	client *stripe.Client
}

var _ payments.Provider = (*Stripe)(nil)

// NewStripe returns the Stripe adapter.
func NewStripe(cfg StripeConfig) *Stripe {
	bc := &stripe.BackendConfig{
		HTTPClient:        cfg.HTTPClient,
		MaxNetworkRetries: cfg.MaxNetworkRetries,
		// Failures reach the caller as errors; stripe-go's own logging would repeat them.
		LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull},
	}
	if cfg.URL != "" {
		bc.URL = stripe.String(cfg.URL)
	}
	return &Stripe{client: stripe.NewClient(cfg.SecretKey, stripe.WithBackends(stripe.NewBackendsWithConfig(bc)))}
}

// Name implements payments.Provider.
func (s *Stripe) Name() string { return "stripe" }

// Authorize implements payments.Provider.
func (s *Stripe) Authorize(ctx context.Context, r payments.ProviderRequest) (payments.ProviderResult, error) {
	p := &stripe.PaymentIntentCreateParams{
		Amount:             stripe.Int64(r.Amount.Amount),
		Currency:           stripe.String(strings.ToLower(r.Amount.Currency)),
		PaymentMethod:      stripe.String(r.PaymentMethod),
		PaymentMethodTypes: []*string{stripe.String("card")},
		CaptureMethod:      stripe.String(string(stripe.PaymentIntentCaptureMethodManual)),
		Confirm:            stripe.Bool(true),
	}
	p.AddMetadata("order_id", r.OrderID)
	p.SetIdempotencyKey(r.IdempotencyKey)
	pi, err := s.client.V1PaymentIntents.Create(ctx, p)
	if err != nil {
		return payments.ProviderResult{}, stripeError(payments.OpAuthorize, err)
	}
	if pi.Status == stripe.PaymentIntentStatusRequiresAction {
		// 3-D Secure needs the customer in the browser; checkout here runs server-side only.
		return payments.ProviderResult{}, payments.Decline("authentication_required", "the card requires authentication, which this checkout cannot offer")
	}
	return payments.ProviderResult{Reference: pi.ID}, nil
}

// Capture implements payments.Provider.
func (s *Stripe) Capture(ctx context.Context, r payments.ProviderRequest) (payments.ProviderResult, error) {
	p := &stripe.PaymentIntentCaptureParams{AmountToCapture: stripe.Int64(r.Amount.Amount)}
	p.SetIdempotencyKey(r.IdempotencyKey)
	pi, err := s.client.V1PaymentIntents.Capture(ctx, r.Authorization, p)
	if err != nil {
		return payments.ProviderResult{}, stripeError(payments.OpCapture, err)
	}
	if pi.LatestCharge != nil && pi.LatestCharge.ID != "" {
		return payments.ProviderResult{Reference: pi.LatestCharge.ID}, nil
	}
	return payments.ProviderResult{Reference: pi.ID}, nil
}

// Void implements payments.Provider.
func (s *Stripe) Void(ctx context.Context, r payments.ProviderRequest) (payments.ProviderResult, error) {
	p := &stripe.PaymentIntentCancelParams{}
	p.SetIdempotencyKey(r.IdempotencyKey)
	pi, err := s.client.V1PaymentIntents.Cancel(ctx, r.Authorization, p)
	if err != nil {
		return payments.ProviderResult{}, stripeError(payments.OpVoid, err)
	}
	return payments.ProviderResult{Reference: pi.ID}, nil
}

// Refund implements payments.Provider.
func (s *Stripe) Refund(ctx context.Context, r payments.ProviderRequest) (payments.ProviderResult, error) {
	p := &stripe.RefundCreateParams{PaymentIntent: stripe.String(r.Authorization), Amount: stripe.Int64(r.Amount.Amount)}
	p.AddMetadata("order_id", r.OrderID)
	p.SetIdempotencyKey(r.IdempotencyKey)
	re, err := s.client.V1Refunds.Create(ctx, p)
	if err != nil {
		return payments.ProviderResult{}, stripeError(payments.OpRefund, err)
	}
	return payments.ProviderResult{Reference: re.ID}, nil
}

// stripeError turns a card error into a decline and keeps everything else as an error of
// unknown outcome, which the payments service retries under the same idempotency key.
func stripeError(op payments.Operation, err error) error {
	var se *stripe.Error
	if errors.As(err, &se) && se.Type == stripe.ErrorTypeCard {
		reason := string(se.DeclineCode)
		if reason == "" {
			reason = string(se.Code)
		}
		msg := se.Msg
		if msg == "" {
			msg = "the card was declined"
		}
		return payments.Decline(reason, msg)
	}
	return fmt.Errorf("stripe %s: %w", strings.ToLower(string(op)), err)
}
