// Package jobs runs the orders domain's durable jobs on River (Postgres-backed): a checkout
// saga parked on a step that keeps failing gets a job, scheduled in the transaction that parks
// it, that takes it up again when due (orders.Service.Resume) and is retried with River's
// backoff while the step still fails. A saga whose process died is found by the recovery sweep
// (orders.Recovery). River keeps its tables in the Postgres schema "orders_jobs", migrated with
// the other domains (Domain). A periodic job purges the idempotency keys of ended checkouts once
// they expire (PurgeArgs).
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/shopgraph/shopgraph/subgraphs/orders"
)

// Schema is the Postgres schema of the orders domain's River tables.
const Schema = "orders_jobs"

// SagaArgs is the job that takes up one parked checkout saga.
type SagaArgs struct {
	SagaID string `json:"sagaId"`
}

// Kind implements river.JobArgs.
func (SagaArgs) Kind() string { return "orders.checkout_saga" }

// InsertOpts implements river.JobArgsWithInsertOpts: one job per saga, retried for about a
// day with River's backoff before the recovery sweep is left to find the saga.
func (SagaArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: 20, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// Queue is the River queue of checkout saga jobs.
const Queue = "orders_checkout"

// Options tune the queue.
type Options struct {
	Workers    int           // concurrent saga jobs (default 10)
	PurgeEvery time.Duration // how often expired idempotency keys are purged (default an hour)
	PurgeBatch int           // keys deleted per statement by the purge (default 1000)
	// FailedRetention is how long a checkout that failed before creating an order is kept
	// (default orders.FailedAttemptRetention).
	FailedRetention time.Duration
}

// Jobs is the orders domain's River client. It implements postgres.SagaJobs.
type Jobs struct {
	client  *river.Client[pgx.Tx]
	service atomic.Pointer[orders.Service]
}

type sagaWorker struct {
	river.WorkerDefaults[SagaArgs]
	jobs *Jobs
}

// Work resumes the saga: done when it has ended, snoozed while its runner is alive, an error
// (retried with backoff) while it is parked.
func (w *sagaWorker) Work(ctx context.Context, job *river.Job[SagaArgs]) error {
	svc := w.jobs.service.Load()
	if svc == nil {
		return river.JobSnooze(time.Second) // Serve has not been called yet
	}
	again, err := svc.Resume(ctx, job.Args.SagaID)
	switch {
	case err != nil:
		return err
	case again > 0:
		return river.JobSnooze(again)
	}
	return nil
}

// New returns the jobs client on pool; call Serve with the checkout service, then Run.
func New(pool *pgxpool.Pool, o Options) (*Jobs, error) {
	if o.Workers <= 0 {
		o.Workers = 10
	}
	if o.PurgeEvery <= 0 {
		o.PurgeEvery = time.Hour
	}
	if o.PurgeBatch <= 0 {
		o.PurgeBatch = 1000
	}
	j := &Jobs{}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &sagaWorker{jobs: j}); err != nil {
		return nil, fmt.Errorf("register saga worker: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &purgeWorker{jobs: j, batch: o.PurgeBatch, failedRetention: o.FailedRetention}); err != nil {
		return nil, fmt.Errorf("register purge worker: %w", err)
	}
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Schema:       Schema,
		Queues:       map[string]river.QueueConfig{Queue: {MaxWorkers: o.Workers}},
		Workers:      workers,
		PeriodicJobs: []*river.PeriodicJob{purgeJob(o.PurgeEvery)},
		Logger:       slog.Default(),
	})
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	j.client = client
	return j, nil
}

// Serve sets the service the jobs resume sagas with (the service's store schedules the jobs,
// so it is created after them).
func (j *Jobs) Serve(s *orders.Service) { j.service.Store(s) }

// ScheduleTx implements postgres.SagaJobs.
func (j *Jobs) ScheduleTx(ctx context.Context, tx pgx.Tx, sagaID string, after time.Duration) error {
	opts := SagaArgs{}.InsertOpts()
	opts.ScheduledAt = time.Now().Add(after)
	if _, err := j.client.InsertTx(ctx, tx, SagaArgs{SagaID: sagaID}, &opts); err != nil {
		return fmt.Errorf("schedule saga job %s: %w", sagaID, err)
	}
	return nil
}

// Run works the jobs until ctx ends, then lets running jobs finish (up to 10s).
func (j *Jobs) Run(ctx context.Context) error {
	if err := j.client.Start(ctx); err != nil {
		return fmt.Errorf("start river: %w", err)
	}
	<-ctx.Done()
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := j.client.Stop(stopCtx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("stop river: %w", err)
	}
	return nil
}

// Client is the River client, for tests and operators.
func (j *Jobs) Client() *river.Client[pgx.Tx] { return j.client }
