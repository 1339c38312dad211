package inventory

import (
	"cmp"
	"context"
	"log/slog"
	"time"
)

// Retention defaults: how long a released hold is kept, and how often older ones are deleted.
const (
	DefaultReleasedHoldRetention = 30 * 24 * time.Hour
	DefaultHoldRetentionEvery    = time.Hour
	holdRetentionBatch           = 1000
)

// ReleasedHoldPurger deletes released holds.
type ReleasedHoldPurger interface {
	// PurgeReleasedHolds deletes the holds released before the time and returns how many.
	PurgeReleasedHolds(ctx context.Context, before time.Time, batch int) (int, error)
}

// HoldRetention deletes the holds of checkouts that did not go through (released by their
// compensation, or expired and swept) once they are older than Released: nothing reads them
// after the checkout ended, and without it they are kept forever. Confirmed holds, the record
// of what an order took, stay.
type HoldRetention struct {
	Store    ReleasedHoldPurger
	Released time.Duration // default DefaultReleasedHoldRetention
	Interval time.Duration // default DefaultHoldRetentionEvery
	Now      func() time.Time
}

// Run deletes at once and then every interval until ctx ends.
func (r *HoldRetention) Run(ctx context.Context) {
	every(ctx, r.Interval, DefaultHoldRetentionEvery, func(ctx context.Context) {
		if n, err := r.RunOnce(ctx); err != nil && ctx.Err() == nil {
			slog.ErrorContext(ctx, "purge released holds", "err", err)
		} else if n > 0 {
			slog.InfoContext(ctx, "purged released holds", "count", n)
		}
	})
}

// RunOnce deletes the holds released before the retention and returns how many.
func (r *HoldRetention) RunOnce(ctx context.Context) (int, error) {
	now := time.Now()
	if r.Now != nil {
		now = r.Now()
	}
	return r.Store.PurgeReleasedHolds(ctx, now.Add(-cmp.Or(r.Released, DefaultReleasedHoldRetention)), holdRetentionBatch)
}
