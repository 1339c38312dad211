package orders

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Service runs checkouts. Safe for concurrent use; run as many as there are replicas.
type Service struct {
	store     Store
	inventory Inventory
	payments  Payments
	carts     Carts
	prices    Prices

	now         func() time.Time
	lease       time.Duration
	tries       int           // attempts of a step within one run before parking it
	backoff     time.Duration // first pause between attempts; doubles
	maxBackoff  time.Duration
	maxAttempts int           // attempts of a step across runs before the saga gives up on it
	wait        time.Duration // how long a duplicate request waits for the first one
}

// Option tunes a Service.
type Option func(*Service)

// WithClock sets the clock the recovery worker compares leases with.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithLease sets how long a runner owns a saga after its last write (default 30s); a saga whose
// runner died is recovered once its lease runs out.
func WithLease(d time.Duration) Option { return func(s *Service) { s.lease = d } }

// WithRetries sets the attempts of a failing step within one run (default 5), starting with a
// pause of backoff that doubles up to 1s.
func WithRetries(tries int, backoff time.Duration) Option {
	return func(s *Service) { s.tries, s.backoff = tries, backoff }
}

// WithIdempotencyWait bounds how long a duplicate request waits for the first (default 10s)
// before failing with IDEMPOTENCY_IN_PROGRESS.
func WithIdempotencyWait(d time.Duration) Option { return func(s *Service) { s.wait = d } }

// NewService returns a checkout service over its store and the domains it commands.
func NewService(store Store, inventory Inventory, payments Payments, carts Carts, prices Prices, opts ...Option) *Service {
	s := &Service{store: store, inventory: inventory, payments: payments, carts: carts, prices: prices,
		now: time.Now, lease: 30 * time.Second, tries: 5, backoff: 20 * time.Millisecond, maxBackoff: time.Second,
		maxAttempts: 20, wait: 10 * time.Second}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Checkout places an order for the cart, or says why not. The same idempotency key with the
// same request returns the first outcome (waiting for it while it is in flight); with another
// request it fails with IDEMPOTENCY_CONFLICT. Expected refusals (OUT_OF_STOCK,
// PAYMENT_DECLINED, PRICE_CHANGED, ...) are in Outcome.Failure; the error is for malformed
// requests and system faults.
func (s *Service) Checkout(ctx context.Context, owner CartOwner, req CheckoutRequest) (Outcome, error) {
	if err := req.Validate(); err != nil {
		return Outcome{}, err
	}
	scope, err := idempotencyScope(owner)
	if err != nil {
		return Outcome{}, err
	}
	saga := Saga{
		ID: NewID(), Scope: scope, IdempotencyKey: req.IdempotencyKey,
		CustomerID: owner.CustomerID, CartID: req.CartID,
		Step: StepClaimed, ForwardStep: StepClaimed, Status: SagaRunning,
		Plan:          Plan{DeliveryOption: req.DeliveryOption, ShippingAddress: req.ShippingAddress},
		PaymentMethod: req.PaymentMethod, LeaseToken: NewID(),
	}
	// Validation only reads (the cart, the prices), so it runs before the claim, and the claim
	// records its result: the saga starts VALIDATED with its plan, or ends FAILED with the
	// refusal and its outcome, in the claim's one statement. A duplicate request validates too,
	// then finds the key taken and answers with the first request's outcome.
	var refused *Outcome
	if err := s.validateBeforeClaim(ctx, &saga, owner); err != nil {
		if !untouched(err) {
			// Nothing was recorded: a retry with the same key starts afresh.
			return Outcome{}, fmt.Errorf("checkout: validate: %w", err)
		}
		saga.Failure = failureOf(err)
		saga.Status, saga.Step, saga.PaymentMethod = SagaFailed, StepFailed, ""
		out := s.outcome(&saga)
		refused = &out
	}
	hash := req.Hash()
	claim, err := s.store.Claim(ctx, saga, hash, IdempotencyTTL, s.lease, refused)
	if err != nil {
		return Outcome{}, fmt.Errorf("checkout: claim idempotency key: %w", err)
	}
	if claim.Existing != nil {
		return s.replay(ctx, scope, req.IdempotencyKey, hash, claim.Existing)
	}
	if refused != nil {
		return *refused, nil
	}
	// The buyer may go away; the saga must still reach a terminal state or be parked.
	return s.run(context.WithoutCancel(ctx), claim.Saga, owner)
}

// validateBeforeClaim validates the saga's cart, retrying faults that may pass with backoff,
// and moves it to VALIDATED.
func (s *Service) validateBeforeClaim(ctx context.Context, saga *Saga, owner CartOwner) error {
	for try := 1; ; try++ {
		err := s.validate(ctx, saga, owner)
		switch {
		case err == nil:
			saga.Step = StepValidated
			return nil
		case untouched(err) || permanent(err) || try >= s.tries || !s.pauseBefore(ctx, try):
			return err
		}
	}
}

// idempotencyScope is whose keys a checkout's key is among: the customer's, or for a guest
// those of whoever holds the cart token (by its hash; the token is never stored).
func idempotencyScope(owner CartOwner) (string, error) {
	switch {
	case owner.CustomerID != "":
		return "customer:" + owner.CustomerID, nil
	case owner.GuestToken != "":
		h := sha256.Sum256([]byte(owner.GuestToken))
		return "guest:" + hex.EncodeToString(h[:]), nil
	}
	// A guest without a cart token has no cart to check out.
	return "", NotFound("cart", "")
}

// replay answers a duplicate request with the first one's outcome, waiting (bounded) while
// that one is in flight.
func (s *Service) replay(ctx context.Context, scope, key string, hash []byte, rec *IdempotencyRecord) (Outcome, error) {
	giveUp := time.Now().Add(s.wait)
	pause := 5 * time.Millisecond
	for {
		if string(rec.RequestHash) != string(hash) {
			return Outcome{Failure: &Failure{Code: CodeIdempotencyConflict, Field: []string{"input", "idempotencyKey"},
				Message: "this idempotency key was used for another checkout; use a new key for a new checkout"}}, nil
		}
		if rec.Outcome != nil {
			return *rec.Outcome, nil
		}
		if !time.Now().Before(giveUp) {
			return Outcome{OrderID: rec.OrderID, Failure: &Failure{Code: CodeIdempotencyInProgress, Field: []string{"input", "idempotencyKey"},
				Message: "a checkout with this idempotency key is still in progress; retry later with the same key"}}, nil
		}
		select {
		case <-ctx.Done():
			return Outcome{}, ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, 100*time.Millisecond)
		var err error
		if rec, err = s.store.IdempotencyRecord(ctx, scope, key); err != nil {
			return Outcome{}, fmt.Errorf("checkout: read idempotency key: %w", err)
		}
		if rec == nil {
			return Outcome{}, errors.New("checkout: idempotency key vanished while in flight")
		}
	}
}

// pending is the answer while a saga is parked for the recovery worker.
func pending(id string) Outcome {
	return Outcome{OrderID: id, Failure: &Failure{Code: CodeCheckoutPending,
		Message: "checkout is taking longer than usual and continues in the background; retry with the same idempotency key for the result"}}
}

// run drives the saga until it ends, or parks it for the recovery worker when a step keeps
// failing. An error from the store stops it at once: the saga stays as last written, and the
// recovery worker takes it over when the lease runs out, as after a crash.
func (s *Service) run(ctx context.Context, saga *Saga, owner CartOwner) (Outcome, error) {
	for {
		if saga.Status.Terminal() {
			return s.outcome(saga), nil
		}
		step := s.forward
		if saga.Status == SagaCompensating {
			step = s.compensate
		}
		err := s.attempt(ctx, saga, owner, step)
		var stopped *storeError
		switch {
		case errors.As(err, &stopped):
			if errors.Is(stopped.err, ErrLeaseLost) {
				return pending(saga.ID), nil
			}
			return Outcome{}, fmt.Errorf("checkout %s at %s: %w", saga.ID, saga.Step, stopped.err)
		case err == nil:
			continue
		case saga.Status == SagaRunning && (saga.Step == StepClaimed || saga.Step == StepValidated) && untouched(err):
			// Refused before anything was held or charged: the saga ends in one write.
			saga.Failure = failureOf(err)
			saga.Status, saga.ForwardStep, saga.Step = SagaFailed, saga.Step, StepFailed
			if err := s.store.Fail(ctx, saga, s.outcome(saga)); err != nil {
				if errors.Is(err, ErrLeaseLost) {
					return pending(saga.ID), nil
				}
				return Outcome{}, fmt.Errorf("checkout %s: fail: %w", saga.ID, err)
			}
			return s.outcome(saga), nil
		case saga.Status == SagaRunning && (permanent(err) || !saga.Step.reached(StepOrderCreated) || saga.Attempts >= s.maxAttempts):
			// Before the order exists nothing is promised yet: undo rather than keep the buyer
			// waiting. After, only a refusal (or a fault that never passes) undoes it.
			saga.Failure = failureOf(err)
			slog.InfoContext(ctx, "checkout compensating", "order", saga.ID, "step", saga.Step, "code", saga.Failure.Code, "err", err)
			saga.Status, saga.ForwardStep, saga.Step = SagaCompensating, saga.Step, StepOrderCancelled
			saga.Attempts, saga.LastError = 0, ""
			if err := s.store.StartCompensation(ctx, saga, s.lease); err != nil {
				if errors.Is(err, ErrLeaseLost) {
					return pending(saga.ID), nil
				}
				return Outcome{}, fmt.Errorf("checkout %s: start compensation: %w", saga.ID, err)
			}
		default:
			// A fault that may pass: park the saga, with a short lease so the recovery worker
			// retries soon.
			slog.WarnContext(ctx, "checkout parked", "order", saga.ID, "step", saga.Step, "status", saga.Status, "err", err)
			if err := s.store.Park(ctx, saga, s.pause(saga.Attempts)); err != nil && !errors.Is(err, ErrLeaseLost) {
				return Outcome{}, fmt.Errorf("checkout %s: park: %w", saga.ID, err)
			}
			return pending(saga.ID), nil
		}
	}
}

// storeError is a failed write of the saga's state: the runner stops where it is, and the
// saga is taken over as after a crash.
type storeError struct{ err error }

func (e *storeError) Error() string { return e.err.Error() }

// persist marks an error of the store as one.
func persist(err error) error {
	if err == nil {
		return nil
	}
	return &storeError{err}
}

// attempt runs the saga's next step, retrying faults that may pass with backoff. It returns
// the step's last error, or a *storeError at once.
func (s *Service) attempt(ctx context.Context, saga *Saga, owner CartOwner, step func(context.Context, *Saga, CartOwner) error) error {
	for try := 1; ; try++ {
		err := step(ctx, saga, owner)
		var stopped *storeError
		switch {
		case err == nil:
			saga.Attempts, saga.LastError = 0, ""
			return nil
		case errors.As(err, &stopped):
			return err
		}
		saga.Attempts++
		saga.LastError = truncate(err.Error(), 500)
		if permanent(err) || try >= s.tries || saga.Attempts >= s.maxAttempts {
			return err
		}
		// Record the failure, which also renews the lease: a step retried for longer than
		// the lease is not taken over while this runner still works on it.
		if werr := s.store.SaveStep(ctx, saga, s.lease); werr != nil {
			return persist(werr)
		}
		if !s.pauseBefore(ctx, try) {
			return err
		}
	}
}

// pauseBefore pauses before the next try of a failed one; false when ctx ended first.
func (s *Service) pauseBefore(ctx context.Context, try int) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(s.pause(try)):
		return true
	}
}

func (s *Service) pause(try int) time.Duration {
	d := s.backoff
	for range min(try, 10) - 1 {
		d *= 2
	}
	return min(d, s.maxBackoff)
}

// forward runs the step after saga.Step and records it: the saga is written after every
// step, so a saga taken over after a crash resumes at the step it reached. Every command is
// idempotent by order id, so a step run again after a crash between the command and its
// record gets the command's first outcome. Where what follows a step writes only orders' own
// tables (authorizing is followed by creating the order, confirming the holds by emitting
// OrderPlaced), that statement records the step, atomically with its own change: nothing
// runs between them that a crash could leave unrecorded.
func (s *Service) forward(ctx context.Context, saga *Saga, owner CartOwner) error {
	p := &saga.Plan
	amount := Money{Amount: p.Total, Currency: p.Currency}
	switch saga.Step {
	case StepClaimed:
		if err := s.validate(ctx, saga, owner); err != nil {
			return err
		}
		saga.Step = StepValidated
		return persist(s.store.SaveValidated(ctx, saga, s.lease))
	case StepValidated:
		if err := s.inventory.Reserve(ctx, saga.ID, p.Lines, p.ShippingAddress); err != nil {
			return fmt.Errorf("reserve: %w", err)
		}
		return persist(s.advance(ctx, saga, StepReserved))
	case StepReserved:
		if err := s.payments.Authorize(ctx, saga.ID, saga.CustomerID, amount, saga.PaymentMethod); err != nil {
			return fmt.Errorf("authorize: %w", err)
		}
		// The next step writes only orders' own tables: its statement records this one too.
		saga.Step = StepAuthorized
		return s.createOrder(ctx, saga)
	case StepAuthorized:
		return s.createOrder(ctx, saga)
	case StepOrderCreated:
		if err := s.payments.Capture(ctx, saga.ID); err != nil {
			return fmt.Errorf("capture: %w", err)
		}
		saga.Step = StepCaptured
		return persist(s.store.MarkPaid(ctx, saga, s.lease))
	case StepCaptured:
		if err := s.inventory.Confirm(ctx, saga.ID); err != nil {
			return fmt.Errorf("confirm holds: %w", err)
		}
		// Emitting OrderPlaced, the rest of this step, is completion's statement, which
		// records the confirmation too.
		saga.Step = StepConfirmed
		return s.complete(ctx, saga, owner)
	case StepConfirmed:
		return s.complete(ctx, saga, owner)
	}
	return persist(fmt.Errorf("saga %s: no forward step after %s", saga.ID, saga.Step))
}

// createOrder creates the order PLACED, recording the saga ORDER_CREATED in the same statement.
func (s *Service) createOrder(ctx context.Context, saga *Saga) error {
	p := &saga.Plan
	o := Order{ID: saga.ID, CustomerID: saga.CustomerID, CartID: saga.CartID, Status: StatusPlaced,
		Currency: p.Currency, Lines: p.Lines, Subtotal: p.Subtotal, Shipping: p.Shipping, Total: p.Total,
		DeliveryOption: p.DeliveryOption, ShippingAddress: p.ShippingAddress}
	saga.Step = StepOrderCreated
	return persist(s.store.CreateOrder(ctx, saga, o, s.lease))
}

// complete ends the saga (outcome stored, OrderPlaced written, in one statement), then
// empties the cart the order was placed from.
func (s *Service) complete(ctx context.Context, saga *Saga, owner CartOwner) error {
	saga.Step, saga.Status = StepCompleted, SagaCompleted
	placed, err := s.store.Complete(ctx, saga, s.outcome(saga)) // what the answer will say, stored
	if err != nil {
		return persist(err)
	}
	saga.Placed = &placed
	if owner.CustomerID != "" || owner.GuestToken != "" {
		// Emptying the cart is a courtesy to the buyer, not part of the order: a failure is
		// logged, never undoes a paid order. (A saga the recovery worker finishes has no
		// buyer's request, and leaves the cart as it is.)
		if err := s.carts.CheckedOut(ctx, owner, saga.CartID, saga.CartVersion, saga.ID); err != nil {
			slog.WarnContext(ctx, "empty checked-out cart", "order", saga.ID, "cart", saga.CartID, "err", err)
		}
	}
	return nil
}

func (s *Service) advance(ctx context.Context, saga *Saga, to Step) error {
	saga.Step = to
	return s.store.SaveStep(ctx, saga, s.lease)
}

// validate reads the cart and prices it now.
func (s *Service) validate(ctx context.Context, saga *Saga, owner CartOwner) error {
	if owner.CustomerID == "" && owner.GuestToken == "" {
		// A recovered saga that never got past validation: the buyer's request is gone.
		return &Failure{Code: CodeCheckoutFailed, Message: "checkout was interrupted before the cart was read; nothing was charged, check out again"}
	}
	c, err := s.carts.Cart(ctx, owner, saga.CartID)
	if err != nil {
		return fmt.Errorf("read cart: %w", err)
	}
	skus := make([]string, len(c.Lines))
	for i, l := range c.Lines {
		skus[i] = l.SKU
	}
	prices, err := s.prices.CurrentPrices(ctx, skus)
	if err != nil {
		return fmt.Errorf("read prices: %w", err)
	}
	plan, err := PlanCheckout(c, prices, saga.Plan.DeliveryOption, saga.Plan.ShippingAddress)
	if err != nil {
		return err
	}
	saga.Plan, saga.CartVersion = plan, c.Version
	return nil
}

// compensate runs the next compensation: the order was cancelled when compensation started;
// then the payment is released (void or refund), then the holds, then the saga ends.
func (s *Service) compensate(ctx context.Context, saga *Saga, _ CartOwner) error {
	switch saga.Step {
	case StepOrderCancelled:
		if err := s.releasePayment(ctx, saga); err != nil {
			return fmt.Errorf("release payment: %w", err)
		}
		return persist(s.advance(ctx, saga, StepPaymentReleased))
	case StepPaymentReleased:
		if err := s.inventory.Release(ctx, saga.ID); err != nil {
			return fmt.Errorf("release holds: %w", err)
		}
		return persist(s.advance(ctx, saga, StepHoldsReleased))
	case StepHoldsReleased:
		if saga.ForwardStep.reached(StepOrderCreated) {
			// The answer shows the cancelled order with how its payment was released.
			st, err := s.payments.Status(ctx, saga.ID)
			if err != nil {
				return fmt.Errorf("read payment status: %w", err)
			}
			saga.PaymentStatus = st
		}
		saga.Step, saga.Status = StepFailed, SagaFailed
		return persist(s.store.Fail(ctx, saga, s.outcome(saga)))
	}
	return persist(fmt.Errorf("saga %s: no compensation after %s", saga.ID, saga.Step))
}

// releasePayment returns whatever the order's payment holds or took, settling first an
// operation whose outcome a crash or timeout left unknown.
func (s *Service) releasePayment(ctx context.Context, saga *Saga) error {
	amount := Money{Amount: saga.Plan.Total, Currency: saga.Plan.Currency}
	for range 4 { // each pass settles one state; four reach the end from any of them
		st, err := s.payments.State(ctx, saga.ID)
		if err != nil {
			return err
		}
		switch st {
		case PaymentNone, PaymentReleased:
			return nil
		case PaymentPendingAuthorize:
			var declined *PaymentDeclinedError
			if err := s.payments.Authorize(ctx, saga.ID, saga.CustomerID, amount, saga.PaymentMethod); err != nil && !errors.As(err, &declined) {
				return err
			}
		case PaymentAuthorized:
			if err := s.payments.Void(ctx, saga.ID); err != nil {
				return err
			}
		case PaymentPendingCapture:
			if err := s.payments.Capture(ctx, saga.ID); err != nil {
				return err
			}
		case PaymentCaptured, PaymentPendingRefund:
			if err := s.payments.Refund(ctx, saga.ID, amount); err != nil {
				return err
			}
		case PaymentPendingVoid:
			if err := s.payments.Void(ctx, saga.ID); err != nil {
				return err
			}
		default:
			return fmt.Errorf("payment of order %s is in unknown state %q", saga.ID, st)
		}
	}
	return fmt.Errorf("payment of order %s did not settle", saga.ID)
}

// outcome is what a terminal saga answers.
func (s *Service) outcome(saga *Saga) Outcome {
	if saga.Status == SagaCompleted {
		return Outcome{OrderID: saga.ID, Order: saga.Placed, PaymentStatus: PaymentStatusCaptured}
	}
	out := Outcome{Failure: saga.Failure}
	if saga.ForwardStep.reached(StepOrderCreated) {
		out.OrderID = saga.ID // the order exists, cancelled
		out.PaymentStatus = saga.PaymentStatus
	}
	return out
}

// untouched reports whether err, of validation or the reservation that follows it, means
// nothing was held or charged: the cart or its prices refused the checkout, or the
// reservation, which takes all lines or none and returns the holds an order already has,
// found stock short.
func untouched(err error) bool {
	var f *Failure
	var oos *OutOfStockError
	var req *RequestError
	return errors.As(err, &f) || errors.As(err, &oos) || errors.As(err, &req)
}

// failureOf turns the error that stopped a saga into what the buyer is told.
func failureOf(err error) *Failure {
	var f *Failure
	var oos *OutOfStockError
	var dec *PaymentDeclinedError
	var req *RequestError
	switch {
	case errors.As(err, &f):
		return f
	case errors.As(err, &oos):
		return &Failure{Code: CodeOutOfStock, Message: "some lines are out of stock; nothing was charged", Unavailable: oos.Lines}
	case errors.As(err, &dec):
		return &Failure{Code: CodePaymentDeclined, Message: "the payment method was declined: " + dec.Message, Field: []string{"input", "paymentMethod"}}
	case errors.As(err, &req):
		return &Failure{Code: req.Code, Message: req.Message, Field: []string{"input", "cartId"}}
	case errors.Is(err, ErrHoldsLost):
		return &Failure{Code: CodeHoldsLost, Message: "the stock set aside for the order was released before payment completed; the payment was refunded"}
	}
	return &Failure{Code: CodeCheckoutFailed, Message: "checkout could not be completed; nothing was charged, please try again"}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// PaymentStatusCaptured is payments' name for a payment whose money was taken: what a completed
// checkout's answer shows.
const PaymentStatusCaptured = "CAPTURED"

// PaymentStatus is the order's payment status as payments has it now, "" without a payment:
// for checkout answers that did not record it (a checkout still running, or answered before
// statuses were recorded).
func (s *Service) PaymentStatus(ctx context.Context, orderID string) (string, error) {
	return s.payments.Status(ctx, orderID)
}
