package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
)

// PurgeArgs is the periodic job that deletes expired idempotency keys of ended checkouts, then
// the sagas of checkouts that failed before creating an order, once past their retention.
type PurgeArgs struct{}

// Kind implements river.JobArgs.
func (PurgeArgs) Kind() string { return "orders.purge_idempotency_keys" }

// InsertOpts implements river.JobArgsWithInsertOpts: a failed purge is retried a few times;
// the next period purges what it left anyway.
func (PurgeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: 3}
}

// PurgeJobID identifies the purge among the client's periodic jobs.
const PurgeJobID = "orders.purge_idempotency_keys"

type purgeWorker struct {
	river.WorkerDefaults[PurgeArgs]
	jobs            *Jobs
	batch           int
	failedRetention time.Duration
}

// Work purges batches until one comes back short.
func (w *purgeWorker) Work(ctx context.Context, _ *river.Job[PurgeArgs]) error {
	svc := w.jobs.service.Load()
	if svc == nil {
		return river.JobSnooze(time.Second) // Serve has not been called yet
	}
	n, err := svc.PurgeIdempotencyKeys(ctx, w.batch)
	slog.InfoContext(ctx, "purged idempotency keys", "count", n)
	if err != nil {
		return err
	}
	n, err = svc.PurgeFailedAttempts(ctx, w.batch, w.failedRetention)
	if n > 0 {
		slog.InfoContext(ctx, "purged failed checkout attempts", "count", n)
	}
	return err
}

// purgeJob runs the purge every interval, and once when this process becomes the leader, so
// restarts more frequent than the interval still purge.
func purgeJob(every time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return PurgeArgs{}, nil },
		&river.PeriodicJobOpts{ID: PurgeJobID, RunOnStart: true})
}
