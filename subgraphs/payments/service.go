package payments

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Store keeps intents, the record of every operation asked for, and the ledger. The postgres
// subpackage implements it.
type Store interface {
	// Begin records the command, once per (order, operation), and leases the order's intent to
	// the caller so that no other operation on it reaches the provider meanwhile. It returns:
	//   - an Attempt with a Lease: call the provider, then Succeed, Fail or Release;
	//   - an Attempt with Done: the command succeeded before, Intent is its result;
	//   - the stored *Error when the command was declined before;
	//   - a *Error with CodeInProgress while another caller holds the lease;
	//   - a *Error with CodeIdempotencyConflict when the command differs from the one recorded;
	//   - the error of Prepare when the intent's state forbids the command.
	Begin(ctx context.Context, c Command, lease time.Duration) (Attempt, error)
	// Succeed records the provider's confirmation: the ledger entry, the intent's new state,
	// and the end of the lease. Recording twice is harmless.
	Succeed(ctx context.Context, a Attempt, reference string) (Intent, error)
	// Fail records a decline, which every retry of the command then returns.
	Fail(ctx context.Context, a Attempt, decline *Error) (Intent, error)
	// Release ends the lease and leaves the command pending: its outcome is unknown, and the
	// next attempt asks the provider again with the same idempotency key.
	Release(ctx context.Context, a Attempt) error
	// IntentByOrder returns the intent of the order, or a *Error with CodeNotFound.
	IntentByOrder(ctx context.Context, orderID string) (Intent, error)
}

// Attempt is a command the store has recorded, as Begin returns it.
type Attempt struct {
	Command Command // with the amount Prepare settled
	Intent  Intent  // the intent when the lease began, or the result when Done
	Lease   string  // token of the lease; empty when Done
	Done    bool
}

// Service runs payment operations for the checkout saga and for operators. Each operation is
// idempotent by (order id, operation): calling it again, concurrently or after a failure,
// returns the first outcome and never reaches the provider a second time once that outcome is
// known. Safe for concurrent use.
type Service struct {
	store           Store
	provider        Provider
	providerTimeout time.Duration
	lease           time.Duration
	wait            time.Duration
}

// Option tunes a Service.
type Option func(*Service)

// WithProviderTimeout bounds one provider call (default 10s). The lease on an intent lasts
// the timeout plus 5s, so a caller that crashed mid-call blocks the order's payment for that
// long at most.
func WithProviderTimeout(d time.Duration) Option {
	return func(s *Service) { s.providerTimeout = d }
}

// WithInProgressWait bounds how long a call waits for another caller's operation on the same
// order before failing with CodeInProgress (default: the lease).
func WithInProgressWait(d time.Duration) Option {
	return func(s *Service) { s.wait = d }
}

// NewService returns a Service that records in store and charges through provider.
func NewService(store Store, provider Provider, opts ...Option) *Service {
	s := &Service{store: store, provider: provider, providerTimeout: 10 * time.Second}
	for _, o := range opts {
		o(s)
	}
	s.lease = s.providerTimeout + 5*time.Second
	if s.wait == 0 {
		s.wait = s.lease
	}
	return s
}

// Authorize holds the order's amount on the payment method. It fails with CodeDeclined when the
// provider refuses, and with CodeProviderUnavailable when the outcome is unknown; retrying
// then is safe and returns the original authorization if there was one.
func (s *Service) Authorize(ctx context.Context, r AuthorizeRequest) (Intent, error) {
	if err := r.Validate(); err != nil {
		return Intent{}, err
	}
	return s.run(ctx, Command{
		Operation:     OpAuthorize,
		OrderID:       r.OrderID,
		CustomerID:    r.CustomerID,
		Amount:        r.Amount,
		PaymentMethod: r.PaymentMethod,
		Provider:      s.provider.Name(),
	})
}

// Capture takes the whole authorized amount of the order's payment.
func (s *Service) Capture(ctx context.Context, orderID string) (Intent, error) {
	return s.runOnOrder(ctx, OpCapture, orderID, Money{})
}

// Void releases the authorization of an order that will not be paid. A payment whose
// authorization outcome is still unknown cannot be voided: retry Authorize first.
func (s *Service) Void(ctx context.Context, orderID string) (Intent, error) {
	return s.runOnOrder(ctx, OpVoid, orderID, Money{})
}

// Refund returns amount (at most what was captured) to the customer. One refund per order:
// a second call returns the first refund, or fails with CodeIdempotencyConflict when the
// amount differs.
func (s *Service) Refund(ctx context.Context, orderID string, amount Money) (Intent, error) {
	if err := ValidateMoney("amount", amount); err != nil {
		return Intent{}, err
	}
	return s.runOnOrder(ctx, OpRefund, orderID, amount)
}

// IntentByOrder returns the payment of an order, or a *Error with CodeNotFound.
func (s *Service) IntentByOrder(ctx context.Context, orderID string) (Intent, error) {
	if err := ValidateOrderID("orderId", orderID); err != nil {
		return Intent{}, err
	}
	return s.store.IntentByOrder(ctx, orderID)
}

func (s *Service) runOnOrder(ctx context.Context, op Operation, orderID string, amount Money) (Intent, error) {
	if err := ValidateOrderID("orderId", orderID); err != nil {
		return Intent{}, err
	}
	return s.run(ctx, Command{Operation: op, OrderID: orderID, Amount: amount, Provider: s.provider.Name()})
}

// run begins the command, waiting while another caller holds the order's lease, and asks the
// provider when the outcome is not known yet.
func (s *Service) run(ctx context.Context, c Command) (Intent, error) {
	giveUp := time.Now().Add(s.wait)
	pause := 5 * time.Millisecond
	for {
		a, err := s.store.Begin(ctx, c, s.lease)
		if CodeOf(err) == CodeInProgress && time.Now().Before(giveUp) {
			select {
			case <-ctx.Done():
				return Intent{}, fmt.Errorf("%s order %s: %w", opVerb(c.Operation), c.OrderID, ctx.Err())
			case <-time.After(pause):
			}
			pause = min(2*pause, 100*time.Millisecond)
			continue
		}
		if err != nil {
			return Intent{}, err
		}
		if a.Done {
			return a.Intent, nil
		}
		// The payment method is not stored; a retry supplies it again.
		a.Command.PaymentMethod = c.PaymentMethod
		return s.execute(ctx, a)
	}
}

func (s *Service) execute(ctx context.Context, a Attempt) (Intent, error) {
	c := a.Command
	pctx, cancel := context.WithTimeout(ctx, s.providerTimeout)
	res, err := s.call(pctx, a)
	cancel()

	// Whatever the provider did must be recorded even when the caller has gone away.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	var decline *Error
	switch {
	case errors.As(err, &decline) && decline.Code == CodeDeclined:
		if _, ferr := s.store.Fail(rctx, a, decline); ferr != nil {
			return Intent{}, fmt.Errorf("record declined %s of order %s: %w", opNoun(c.Operation), c.OrderID, ferr)
		}
		return Intent{}, decline
	case err != nil:
		if rerr := s.store.Release(rctx, a); rerr != nil {
			// The lease then runs out by itself; only a retry within it has to wait.
			slog.WarnContext(ctx, "release payment lease", "order", c.OrderID, "op", c.Operation, "err", rerr)
		}
		return Intent{}, ProviderUnavailable(c.Operation, fmt.Errorf("%s %s at %s: %w", c.OrderID, c.Operation, s.provider.Name(), err))
	}
	i, err := s.store.Succeed(rctx, a, res.Reference)
	if err != nil {
		// The provider acted but nothing was recorded: the command stays pending, and a retry
		// gets the same answer from the provider under the same idempotency key. Ending the
		// lease lets that retry come at once rather than when the lease runs out.
		if rerr := s.store.Release(rctx, a); rerr != nil {
			slog.WarnContext(ctx, "release payment lease", "order", c.OrderID, "op", c.Operation, "err", rerr)
		}
		return Intent{}, fmt.Errorf("record %s of order %s: %w", opNoun(c.Operation), c.OrderID, err)
	}
	return i, nil
}

func (s *Service) call(ctx context.Context, a Attempt) (ProviderResult, error) {
	c := a.Command
	r := ProviderRequest{
		IdempotencyKey: c.IdempotencyKey(),
		OrderID:        c.OrderID,
		Amount:         c.Amount,
		PaymentMethod:  c.PaymentMethod,
		Authorization:  a.Intent.ProviderReference,
	}
	switch c.Operation {
	case OpAuthorize:
		return s.provider.Authorize(ctx, r)
	case OpCapture:
		return s.provider.Capture(ctx, r)
	case OpVoid:
		return s.provider.Void(ctx, r)
	case OpRefund:
		return s.provider.Refund(ctx, r)
	}
	return ProviderResult{}, fmt.Errorf("unknown payment operation %q", c.Operation)
}
