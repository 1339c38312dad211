package orders

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// RecoverOnce takes over up to limit sagas whose runner stopped (its lease ran out: the
// process died, or the saga was parked after failing steps) and drives each to its end, or
// parks it again. It is how a saga whose process died goes on, and the safety net under the
// jobs of parked sagas (see Resume): it finds every stopped saga, whether or not a job still
// looks after it. It returns how many it took over.
func (s *Service) RecoverOnce(ctx context.Context, limit int) (int, error) {
	sagas, err := s.store.ClaimUnfinished(ctx, s.now(), s.lease, limit)
	if err != nil {
		return 0, fmt.Errorf("claim unfinished sagas: %w", err)
	}
	for i := range sagas {
		if err := s.recover(ctx, &sagas[i]); err != nil {
			slog.WarnContext(ctx, "recover checkout", "order", sagas[i].ID, "err", err)
		}
	}
	return len(sagas), nil
}

// Resume looks after one saga, as the durable job of a parked saga does: once the saga has
// ended it returns 0; while its runner still holds the lease it returns how long to wait
// before looking again; a saga whose runner stopped is taken over and driven to its end. An
// error (a saga parked on a failing step again) asks the caller to retry later with backoff.
func (s *Service) Resume(ctx context.Context, sagaID string) (time.Duration, error) {
	saga, claimed, err := s.store.ClaimSaga(ctx, sagaID, s.now(), s.lease)
	if err != nil {
		return 0, fmt.Errorf("resume saga %s: %w", sagaID, err)
	}
	if saga.Status.Terminal() {
		return 0, nil
	}
	if !claimed {
		return max(saga.LockedUntil.Sub(s.now()), 10*time.Millisecond), nil
	}
	if err := s.recover(ctx, &saga); err != nil {
		return 0, err
	}
	if !saga.Status.Terminal() {
		return 0, fmt.Errorf("saga %s parked at %s after %d attempts: %s", saga.ID, saga.Step, saga.Attempts, saga.LastError)
	}
	return 0, nil
}

// recover drives a saga taken over from a stopped runner. One that had not created its order
// is compensated, since its buyer's request is gone; one that had is completed.
func (s *Service) recover(ctx context.Context, saga *Saga) error {
	if saga.Status == SagaRunning && !saga.Step.reached(StepOrderCreated) {
		saga.Failure = &Failure{Code: CodeCheckoutFailed, Message: "checkout was interrupted; nothing was charged, please check out again"}
		saga.Status, saga.ForwardStep, saga.Step = SagaCompensating, saga.Step, StepOrderCancelled
		if err := s.store.StartCompensation(ctx, saga, s.lease); err != nil {
			return err
		}
	}
	// The cart's owner is known for a customer; a guest's cart token was never stored, so a
	// recovered guest checkout leaves the cart as it is.
	out, err := s.run(ctx, saga, CartOwner{CustomerID: saga.CustomerID})
	if err != nil {
		return err
	}
	slog.InfoContext(ctx, "recovered checkout", "order", saga.ID, "status", saga.Status, "failure", out.Failure)
	return nil
}

// Recovery is the worker that runs RecoverOnce in a loop.
type Recovery struct {
	service  *Service
	interval time.Duration
	batch    int
}

// NewRecovery returns a recovery worker that looks for stopped sagas every interval.
func NewRecovery(s *Service, interval time.Duration) *Recovery {
	return &Recovery{service: s, interval: interval, batch: 20}
}

// Run recovers sagas until ctx ends; full batches are followed at once by the next.
func (r *Recovery) Run(ctx context.Context) {
	for {
		n, err := r.service.RecoverOnce(ctx, r.batch)
		if err != nil && ctx.Err() == nil {
			slog.WarnContext(ctx, "saga recovery", "err", err)
		}
		if err == nil && n == r.batch {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(r.interval):
		}
	}
}
