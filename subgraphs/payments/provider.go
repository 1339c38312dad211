package payments

import "context"

// Provider is a payment service provider (PSP). Every call carries an idempotency key; a
// provider must answer a repeated key with the original outcome instead of acting again, as
// real PSPs do. That is what makes a retry after a timeout safe.
//
// A provider returns a *Error with CodeDeclined when it refuses for good (the same request
// will be refused again). Any other error means the outcome is unknown: the provider may or
// may not have acted, and the caller retries with the same key.
type Provider interface {
	// Name identifies the provider in stored intents, such as "simulated" or "stripe".
	Name() string
	// Authorize holds the amount on the payment method without taking it.
	Authorize(ctx context.Context, r ProviderRequest) (ProviderResult, error)
	// Capture takes the authorized amount.
	Capture(ctx context.Context, r ProviderRequest) (ProviderResult, error)
	// Void releases an authorization that was not captured.
	Void(ctx context.Context, r ProviderRequest) (ProviderResult, error)
	// Refund returns part or all of a captured amount.
	Refund(ctx context.Context, r ProviderRequest) (ProviderResult, error)
}

// ProviderRequest is one call to a provider.
type ProviderRequest struct {
	IdempotencyKey string // the same for every retry of one (order, operation)
	OrderID        string
	Amount         Money
	PaymentMethod  string // Authorize only
	Authorization  string // the provider's reference of the authorization: Capture, Void, Refund
}

// ProviderResult is what the provider confirmed.
type ProviderResult struct {
	Reference string // the provider's id of the authorization, capture, void or refund
}
