// Package provider holds the payment providers the payments domain can charge through: a
// simulated provider for development, tests and benchmarks, and Stripe.
package provider

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/payments"
)

// Test cards the simulated provider knows, the same numbers Stripe uses in test mode. Any other
// payment method is accepted.
const (
	CardVisa              = "4242424242424242"
	CardDeclined          = "4000000000000002"
	CardInsufficientFunds = "4000000000009995"
	CardExpired           = "4000000000000069"
)

var declines = map[string]*payments.Error{
	CardDeclined:          payments.Decline("card_declined", "the card was declined"),
	CardInsufficientFunds: payments.Decline("insufficient_funds", "the card has insufficient funds"),
	CardExpired:           payments.Decline("expired_card", "the card has expired"),
}

// FaultKind is a failure the simulated provider can be told to produce.
type FaultKind int

const (
	// TimeoutAfterCharging acts (charges, captures, ...) and then fails as if the answer was
	// lost on the way back: the caller cannot tell whether it happened.
	TimeoutAfterCharging FaultKind = iota + 1
	// ErrorBeforeCharging fails without acting, like a provider outage.
	ErrorBeforeCharging
)

// Fault makes the next Times calls of Operation fail with Kind.
type Fault struct {
	Operation payments.Operation
	Kind      FaultKind
	Times     int
}

// ErrTimeout is what a TimeoutAfterCharging fault returns.
var ErrTimeout = fmt.Errorf("simulated provider: no answer: %w", context.DeadlineExceeded)

// ErrUnavailable is what an ErrorBeforeCharging fault returns.
var ErrUnavailable = errors.New("simulated provider: service unavailable")

// Charge is an authorization the simulated provider made, with what happened to it since.
type Charge struct {
	ID            string
	OrderID       string
	Amount        payments.Money
	PaymentMethod string
	Captured      int64
	Refunded      int64
	Voided        bool
}

// Simulated is an in-memory payment provider that behaves like a real one where it matters:
// it keeps its own charges, answers a repeated idempotency key with the original outcome
// (declines included), and refuses operations its charges' states do not allow. Latency and
// faults make the unhappy paths testable. Safe for concurrent use.
type Simulated struct {
	latency time.Duration

	mu       sync.Mutex
	outcomes map[string]outcome // by idempotency key
	charges  map[string]*Charge // by charge id
	faults   []Fault
	executed map[payments.Operation]int
	calls    map[payments.Operation]int
}

type outcome struct {
	request payments.ProviderRequest
	result  payments.ProviderResult
	err     error
}

// NewSimulated returns a simulated provider that takes latency to answer each call.
func NewSimulated(latency time.Duration) *Simulated {
	return &Simulated{
		latency:  latency,
		outcomes: map[string]outcome{},
		charges:  map[string]*Charge{},
		executed: map[payments.Operation]int{},
		calls:    map[payments.Operation]int{},
	}
}

// Name implements payments.Provider.
func (s *Simulated) Name() string { return "simulated" }

// Inject queues a fault; faults for one operation apply in the order injected.
func (s *Simulated) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

// Charges returns every authorization made, ordered by id (creation order).
func (s *Simulated) Charges() []Charge {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Charge, 0, len(s.charges))
	for _, c := range s.charges {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Executed counts the calls of op that acted, leaving out replays of a known key and calls
// refused by a fault before acting.
func (s *Simulated) Executed(op payments.Operation) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.executed[op]
}

// Calls counts every call of op that reached the provider, replays and faults included.
func (s *Simulated) Calls(op payments.Operation) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// Authorize implements payments.Provider.
func (s *Simulated) Authorize(ctx context.Context, r payments.ProviderRequest) (payments.ProviderResult, error) {
	return s.do(ctx, payments.OpAuthorize, r, func() (payments.ProviderResult, error) {
		if d, ok := declines[r.PaymentMethod]; ok {
			return payments.ProviderResult{}, d
		}
		c := &Charge{ID: "sim_ch_" + ulid.Make().String(), OrderID: r.OrderID, Amount: r.Amount, PaymentMethod: r.PaymentMethod}
		s.charges[c.ID] = c
		return payments.ProviderResult{Reference: c.ID}, nil
	})
}

// Capture implements payments.Provider.
func (s *Simulated) Capture(ctx context.Context, r payments.ProviderRequest) (payments.ProviderResult, error) {
	return s.do(ctx, payments.OpCapture, r, func() (payments.ProviderResult, error) {
		c, err := s.charge(r)
		if err != nil {
			return payments.ProviderResult{}, err
		}
		if c.Voided || c.Captured > 0 || r.Amount.Amount > c.Amount.Amount {
			return payments.ProviderResult{}, fmt.Errorf("simulated provider: charge %s cannot be captured for %s", c.ID, r.Amount)
		}
		c.Captured = r.Amount.Amount
		return payments.ProviderResult{Reference: "sim_cap_" + ulid.Make().String()}, nil
	})
}

// Void implements payments.Provider.
func (s *Simulated) Void(ctx context.Context, r payments.ProviderRequest) (payments.ProviderResult, error) {
	return s.do(ctx, payments.OpVoid, r, func() (payments.ProviderResult, error) {
		c, err := s.charge(r)
		if err != nil {
			return payments.ProviderResult{}, err
		}
		if c.Captured > 0 || c.Voided {
			return payments.ProviderResult{}, fmt.Errorf("simulated provider: charge %s cannot be voided", c.ID)
		}
		c.Voided = true
		return payments.ProviderResult{Reference: "sim_void_" + ulid.Make().String()}, nil
	})
}

// Refund implements payments.Provider.
func (s *Simulated) Refund(ctx context.Context, r payments.ProviderRequest) (payments.ProviderResult, error) {
	return s.do(ctx, payments.OpRefund, r, func() (payments.ProviderResult, error) {
		c, err := s.charge(r)
		if err != nil {
			return payments.ProviderResult{}, err
		}
		if c.Refunded+r.Amount.Amount > c.Captured {
			return payments.ProviderResult{}, fmt.Errorf("simulated provider: refund of %s exceeds what charge %s captured", r.Amount, c.ID)
		}
		c.Refunded += r.Amount.Amount
		return payments.ProviderResult{Reference: "sim_re_" + ulid.Make().String()}, nil
	})
}

func (s *Simulated) charge(r payments.ProviderRequest) (*Charge, error) {
	c, ok := s.charges[r.Authorization]
	if !ok {
		return nil, fmt.Errorf("simulated provider: no charge %q", r.Authorization)
	}
	if c.Amount.Currency != r.Amount.Currency {
		return nil, fmt.Errorf("simulated provider: charge %s is in %s, not %s", c.ID, c.Amount.Currency, r.Amount.Currency)
	}
	return c, nil
}

// do runs act once per idempotency key, as a PSP does: latency first, then a fault that
// refuses before acting, a replay of a known key, or the act itself, whose outcome is kept
// even when a fault then loses the answer.
func (s *Simulated) do(ctx context.Context, op payments.Operation, r payments.ProviderRequest, act func() (payments.ProviderResult, error)) (payments.ProviderResult, error) {
	if s.latency > 0 {
		t := time.NewTimer(s.latency)
		select {
		case <-ctx.Done():
			t.Stop()
			return payments.ProviderResult{}, ctx.Err()
		case <-t.C:
		}
	}
	if r.IdempotencyKey == "" {
		return payments.ProviderResult{}, errors.New("simulated provider: an idempotency key is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[op]++
	fault := s.nextFault(op)
	if fault == ErrorBeforeCharging {
		return payments.ProviderResult{}, ErrUnavailable
	}
	o, seen := s.outcomes[r.IdempotencyKey]
	if seen && !sameRequest(o.request, r) {
		return payments.ProviderResult{}, fmt.Errorf("simulated provider: idempotency key %s was used with other parameters", r.IdempotencyKey)
	}
	if !seen {
		res, err := act()
		var declined *payments.Error
		if err != nil && !errors.As(err, &declined) {
			return payments.ProviderResult{}, err // invalid requests are not kept, as with Stripe
		}
		s.executed[op]++
		o = outcome{request: r, result: res, err: err}
		s.outcomes[r.IdempotencyKey] = o
	}
	if fault == TimeoutAfterCharging {
		return payments.ProviderResult{}, ErrTimeout
	}
	return o.result, o.err
}

func sameRequest(a, b payments.ProviderRequest) bool {
	return a.Amount == b.Amount && a.PaymentMethod == b.PaymentMethod && a.Authorization == b.Authorization && a.OrderID == b.OrderID
}

func (s *Simulated) nextFault(op payments.Operation) FaultKind {
	for i := range s.faults {
		f := &s.faults[i]
		if f.Operation != op || f.Times <= 0 {
			continue
		}
		f.Times--
		return f.Kind
	}
	return 0
}
