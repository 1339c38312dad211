package cart

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Retention defaults: how long a retried change with the same client mutation id returns the
// same cart, how long a guest cart may go unchanged before it is deleted, how often both are
// enforced, and how many rows one statement deletes.
const (
	DefaultMutationWindow = 24 * time.Hour
	DefaultGuestCartIdle  = 30 * 24 * time.Hour
	DefaultRetentionEvery = time.Hour
	retentionBatch        = 1000
)

// Pruner deletes what Retention no longer keeps.
type Pruner interface {
	// ForgetMutations deletes the client mutation ids recorded before the time.
	ForgetMutations(ctx context.Context, before time.Time, batch int) (int, error)
	// DeleteIdleGuestCarts deletes the guest carts created and last changed before the time,
	// with their lines and mutation ids.
	DeleteIdleGuestCarts(ctx context.Context, idleSince time.Time, batch int) (int, error)
}

// Retention keeps the cart schema from growing with every change ever made: a client mutation
// id is kept for MutationWindow (a retry after that is refused by the cart's version, never
// applied twice), and a guest cart nobody changed for GuestCartIdle is deleted (its token then
// finds no cart, as a new token would). Customers' carts are kept. Several processes may run
// it at once: each skips the rows another is deleting.
type Retention struct {
	Store          Pruner
	MutationWindow time.Duration // default DefaultMutationWindow
	GuestCartIdle  time.Duration // default DefaultGuestCartIdle
	Interval       time.Duration // default DefaultRetentionEvery
	Now            func() time.Time
}

// Run enforces retention at once and then every interval until ctx ends.
func (r *Retention) Run(ctx context.Context) {
	t := time.NewTicker(cmp.Or(r.Interval, DefaultRetentionEvery))
	defer t.Stop()
	for {
		if mutations, carts, err := r.RunOnce(ctx); err != nil && ctx.Err() == nil {
			slog.ErrorContext(ctx, "cart retention", "err", err)
		} else if mutations+carts > 0 {
			slog.InfoContext(ctx, "cart retention", "mutation_ids", mutations, "guest_carts", carts)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunOnce deletes what is past retention now and returns how many mutation ids and guest
// carts it deleted.
func (r *Retention) RunOnce(ctx context.Context) (mutations, carts int, err error) {
	now := time.Now()
	if r.Now != nil {
		now = r.Now()
	}
	if mutations, err = r.Store.ForgetMutations(ctx, now.Add(-cmp.Or(r.MutationWindow, DefaultMutationWindow)), retentionBatch); err != nil {
		return mutations, 0, fmt.Errorf("cart retention: %w", err)
	}
	if carts, err = r.Store.DeleteIdleGuestCarts(ctx, now.Add(-cmp.Or(r.GuestCartIdle, DefaultGuestCartIdle)), retentionBatch); err != nil {
		return mutations, carts, fmt.Errorf("cart retention: %w", err)
	}
	return mutations, carts, nil
}
