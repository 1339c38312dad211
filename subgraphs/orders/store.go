package orders

import (
	"context"
	"errors"
	"time"
)

// Step is the last step of a checkout saga that completed.
type Step string

// Forward steps, in order, then the compensations. The saga is written after each: the claim
// records validation (which only reads, and runs before it), creating the order records the
// authorization, and completion the confirmation of the holds (see Service.forward).
// CLAIMED is left only by sagas recorded before validation moved ahead of the claim.
const (
	StepClaimed      Step = "CLAIMED"       // idempotency key and saga recorded
	StepValidated    Step = "VALIDATED"     // cart read, prices re-read, plan stored
	StepReserved     Step = "RESERVED"      // holds taken
	StepAuthorized   Step = "AUTHORIZED"    // payment authorized
	StepOrderCreated Step = "ORDER_CREATED" // order PLACED
	StepCaptured     Step = "CAPTURED"      // payment captured, order PAID
	StepConfirmed    Step = "CONFIRMED"     // holds turned into stock decrements
	StepCompleted    Step = "COMPLETED"     // OrderPlaced emitted, outcome stored

	StepOrderCancelled  Step = "ORDER_CANCELLED"  // compensation of ORDER_CREATED
	StepPaymentReleased Step = "PAYMENT_RELEASED" // void or refund done
	StepHoldsReleased   Step = "HOLDS_RELEASED"   // holds given back
	StepFailed          Step = "FAILED"           // compensations done, outcome stored
)

var stepOrder = map[Step]int{StepClaimed: 0, StepValidated: 1, StepReserved: 2, StepAuthorized: 3,
	StepOrderCreated: 4, StepCaptured: 5, StepConfirmed: 6, StepCompleted: 7}

// reached reports whether the saga went at least as far as s going forward.
func (s Step) reached(t Step) bool { return stepOrder[s] >= stepOrder[t] }

// SagaStatus says what a saga does next.
type SagaStatus string

const (
	SagaRunning      SagaStatus = "RUNNING"      // going forward
	SagaCompensating SagaStatus = "COMPENSATING" // undoing the steps taken
	SagaCompleted    SagaStatus = "COMPLETED"    // the order is placed
	SagaFailed       SagaStatus = "FAILED"       // compensated; no money taken, no stock held
)

// Terminal reports whether the saga has ended.
func (s SagaStatus) Terminal() bool { return s == SagaCompleted || s == SagaFailed }

// Saga is the persisted state of one checkout. Its id is the id of the order it creates.
type Saga struct {
	ID             string
	Scope          string // whose idempotency keys: "customer:<id>" or "cart:<id>"
	IdempotencyKey string
	CustomerID     string
	CartID         string
	CartVersion    int
	Step           Step
	// ForwardStep is the furthest forward step, kept while compensating.
	ForwardStep   Step
	Status        SagaStatus
	Attempts      int    // failed attempts of the current step
	LastError     string // the last of them, for operators
	Plan          Plan
	PaymentMethod string // erased when the saga ends
	Failure       *Failure
	LeaseToken    string
	LockedUntil   time.Time
	CreatedAt     time.Time
	// Placed is the order as completion left it, for the answer to the request that ran the
	// saga; it is not stored.
	Placed *Order
	// PaymentStatus is the status of a failed saga's payment once released, for its answer;
	// stored with the outcome only.
	PaymentStatus string
}

// IdempotencyRecord is what a duplicate request finds under its key.
type IdempotencyRecord struct {
	RequestHash []byte
	OrderID     string
	Outcome     *Outcome // nil while the first request is in flight
}

// Claim is the result of claiming an idempotency key: the saga to run, or the record a
// request with the key left before.
type Claim struct {
	Saga     *Saga
	Existing *IdempotencyRecord
}

// ErrLeaseLost is returned by Store writes when another runner took the saga over (this one
// was too slow and its lease ran out): the runner must stop touching it.
var ErrLeaseLost = errors.New("saga lease lost to another runner")

// Store persists sagas, orders and idempotency records. The postgres subpackage implements it.
// Every saga write is conditional on the saga's lease token and extends the lease.
type Store interface {
	// Claim inserts the idempotency record and the saga in one statement of their own. When
	// the key is taken (and not expired) it returns the existing record instead. A saga that
	// ends at its claim (refused by validation) comes with its outcome, stored under the key.
	Claim(ctx context.Context, s Saga, requestHash []byte, ttl, lease time.Duration, out *Outcome) (Claim, error)
	// IdempotencyRecord reads the record of a key; nil when there is none.
	IdempotencyRecord(ctx context.Context, scope, key string) (*IdempotencyRecord, error)
	// SaveStep records the saga's step, status, attempts, last error and failure. The plan
	// and cart version are not written: validation settles them once, and the claim or
	// SaveValidated records them.
	SaveStep(ctx context.Context, s *Saga, lease time.Duration) error
	// SaveValidated records the saga as SaveStep does, with the plan and cart version that
	// validation settled: the one write after the claim that changes them.
	SaveValidated(ctx context.Context, s *Saga, lease time.Duration) error
	// Park records the saga as SaveStep does, with a lease of retryAfter, and has a durable
	// job take it up again then, in one transaction: the runner gives up on a step that keeps
	// failing and the saga goes on without it.
	Park(ctx context.Context, s *Saga, retryAfter time.Duration) error
	// CreateOrder inserts the order (PLACED) and records StepOrderCreated, in one transaction.
	CreateOrder(ctx context.Context, s *Saga, o Order, lease time.Duration) error
	// MarkPaid moves the order to PAID and records StepCaptured, in one transaction.
	MarkPaid(ctx context.Context, s *Saga, lease time.Duration) error
	// Complete ends the saga COMPLETED, stores the outcome under the idempotency key and writes
	// the OrderPlaced event, in one transaction, and returns the order as it stands then.
	Complete(ctx context.Context, s *Saga, out Outcome) (Order, error)
	// StartCompensation sets the saga COMPENSATING with its failure and cancels the order if it
	// was created (writing OrderCancelled), in one transaction.
	StartCompensation(ctx context.Context, s *Saga, lease time.Duration) error
	// Fail ends the saga FAILED and stores the outcome under the idempotency key.
	Fail(ctx context.Context, s *Saga, out Outcome) error
	// ClaimUnfinished leases up to limit sagas that have not ended and whose lease ran out by
	// now, skipping sagas another worker is claiming.
	ClaimUnfinished(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Saga, error)
	// ClaimSaga leases the saga if it has not ended and its lease ran out by now; it returns
	// the saga as it stands and whether this caller now holds it.
	ClaimSaga(ctx context.Context, id string, now time.Time, lease time.Duration) (Saga, bool, error)
	// Saga reads a saga by id.
	Saga(ctx context.Context, id string) (Saga, error)
	// PurgeIdempotencyKeys deletes up to limit keys that expired and whose saga ended
	// (COMPLETED or FAILED; never a running one) and returns how many it deleted. The sagas
	// keep their scope and key.
	PurgeIdempotencyKeys(ctx context.Context, limit int) (int, error)
	// PurgeFailedAttempts deletes up to limit sagas that failed before creating an order
	// (refused carts, OUT_OF_STOCK, declined payments), created before the time, whose key
	// is gone, and returns how many it deleted. Sagas with an order stay with it.
	PurgeFailedAttempts(ctx context.Context, createdBefore time.Time, limit int) (int, error)
}
