package orders

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// RecoverOnce takes over up to limit sagas whose runner stopped (its lease ran out: the
// process died, or the saga was parked after failing steps) and drives each to its end, or
// parks it again. A saga that had not created its order is compensated, since its buyer's
// request is gone; one that had is completed. It returns how many sagas it took over.
func (s *Service) RecoverOnce(ctx context.Context, limit int) (int, error) {
	sagas, err := s.store.ClaimUnfinished(ctx, s.now(), s.lease, limit)
	if err != nil {
		return 0, fmt.Errorf("claim unfinished sagas: %w", err)
	}
	for i := range sagas {
		saga := &sagas[i]
		if saga.Status == SagaRunning && !saga.Step.reached(StepOrderCreated) {
			// Interrupted before the order existed: its buyer's request is gone, undo it.
			saga.Failure = &Failure{Code: CodeCheckoutFailed, Message: "checkout was interrupted; nothing was charged, please check out again"}
			saga.Status, saga.ForwardStep, saga.Step = SagaCompensating, saga.Step, StepOrderCancelled
			if err := s.store.StartCompensation(ctx, saga, s.lease); err != nil {
				slog.WarnContext(ctx, "recover checkout", "order", saga.ID, "err", err)
				continue
			}
		}
		// The cart's owner is known for a customer; a guest's cart token was never stored,
		// so a recovered guest checkout leaves the cart as it is.
		out, err := s.run(ctx, saga, CartOwner{CustomerID: saga.CustomerID})
		if err != nil {
			slog.WarnContext(ctx, "recover checkout", "order", saga.ID, "err", err)
			continue
		}
		slog.InfoContext(ctx, "recovered checkout", "order", saga.ID, "status", saga.Status, "failure", out.Failure)
	}
	return len(sagas), nil
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
