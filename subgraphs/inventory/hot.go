package inventory

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// SetHot moves a SKU to the flash-sale path (hot) or back to Postgres. The switch runs while
// Postgres holds the SKU's stock rows locked, so no Postgres-path reservation of it overlaps:
// the flash-sale path is paused, its pending events are written to Postgres, and, going hot,
// its counters are re-derived from Postgres (stock on hand, active holds) and resumed. Setting
// a SKU hot again reconciles its counters the same way. Without a flash-sale path it is
// refused with a *Rejection.
func (r *Reservations) SetHot(ctx context.Context, sku string, hot bool) error {
	if err := ValidateSKU("sku", sku); err != nil {
		return err
	}
	if r.flash == nil {
		return &Rejection{Code: CodeFlashSaleDisabled, Field: "hot", Message: "the flash-sale path is not configured"}
	}
	return r.switchHot(ctx, sku, hot, false)
}

// errSwitchedCold stops a reconciliation of a SKU that an operator moved back to Postgres.
var errSwitchedCold = errors.New("sku is no longer hot")

// reconcile re-derives a hot SKU's flash-sale counters from Postgres, unless it went cold.
func (r *Reservations) reconcile(ctx context.Context, sku string) error {
	err := r.switchHot(ctx, sku, true, true)
	if errors.Is(err, errSwitchedCold) {
		return nil
	}
	return err
}

func (r *Reservations) switchHot(ctx context.Context, sku string, hot, onlyIfHot bool) error {
	var drained []FlashEvent
	var loaded string
	err := r.store.SwitchHot(ctx, sku, hot, func(ctx context.Context, tx HotSwitch) error {
		if onlyIfHot && !tx.WasHot() {
			return errSwitchedCold
		}
		if err := r.flash.Pause(ctx, sku); err != nil {
			return fmt.Errorf("pause %s: %w", sku, err)
		}
		var err error
		if drained, err = r.drain(ctx, sku, tx.Apply); err != nil {
			return err
		}
		if !hot {
			// Inside the transaction, so that a switch back to hot cannot run in between. If
			// the commit fails, the SKU is hot in Postgres and not loaded: the flusher reloads it.
			if err := r.flash.Drop(ctx, sku); err != nil {
				return fmt.Errorf("drop %s from the flash-sale path: %w", sku, err)
			}
			return nil
		}
		snap, err := tx.Snapshot(ctx)
		if err != nil {
			return err
		}
		// Loaded but paused until the commit: a flash-sale hold taken before Postgres says the
		// SKU is hot would be missed by a release that asked Postgres first and found no SKU hot.
		if loaded, err = r.flash.Load(ctx, snap); err != nil {
			return fmt.Errorf("load %s: %w", sku, err)
		}
		return nil
	})
	if err != nil {
		// The SKU stays paused on the flash-sale path, where reservations fall through to
		// Postgres, which decides under its locks; the flusher reloads a SKU Postgres says is hot.
		return fmt.Errorf("set %s hot=%v: %w", sku, hot, err)
	}
	var resumeErr error
	if loaded != "" {
		// Should it fail, the SKU is hot in Postgres and paused: reservations of it are busy
		// until the flusher reloads it.
		resumeErr = r.flash.Resume(ctx, sku, loaded)
	}
	// Postgres has the drained events now; forgetting them only after the commit means a failed
	// switch leaves them to be applied again (harmlessly) by the next one.
	if err := r.flash.Ack(ctx, sku, drained); err != nil {
		slog.WarnContext(ctx, "ack flash-sale events", "sku", sku, "err", err)
	}
	r.hot.Store(nil) // the routing hint is stale now
	if resumeErr != nil {
		return fmt.Errorf("set %s hot=%v: %w", sku, hot, resumeErr)
	}
	return nil
}

// flushBatch is how many flash-sale events one Postgres transaction writes.
const flushBatch = 500

// drain writes every pending event of the SKU with apply and returns them, to Ack.
func (r *Reservations) drain(ctx context.Context, sku string, apply func(context.Context, []FlashEvent) error) ([]FlashEvent, error) {
	var all []FlashEvent
	after := ""
	for {
		events, err := r.flash.Pending(ctx, sku, after, flushBatch)
		if err != nil {
			return nil, fmt.Errorf("read pending events of %s: %w", sku, err)
		}
		if len(events) == 0 {
			return all, nil
		}
		if err := apply(ctx, events); err != nil {
			return nil, fmt.Errorf("write flash-sale events of %s: %w", sku, err)
		}
		all = append(all, events...)
		after = events[len(events)-1].ID
		if len(events) < flushBatch {
			return all, nil
		}
	}
}

// Restock adds received units to a SKU's stock in Postgres. A hot SKU is then reconciled (its
// flash-sale counters re-derived from Postgres, as SetHot does) rather than incremented in
// Redis, so that a restock racing a reload can never be counted twice. Should the reconcile
// fail, the flash-sale path under-counts (sells less, never more) until the flusher's next pass.
func (r *Reservations) Restock(ctx context.Context, rs Restock) (CenterStock, error) {
	stock, err := r.store.Restock(ctx, rs)
	if err != nil || r.flash == nil {
		return stock, err
	}
	hot, err := r.hotSKUs(ctx, true)
	if err != nil {
		return stock, err
	}
	if hot[rs.SKU] {
		if err := r.reconcile(ctx, rs.SKU); err != nil {
			return stock, fmt.Errorf("reconcile %s after a restock: %w", rs.SKU, err)
		}
	}
	return stock, nil
}

// FlushOnce writes the pending events of every hot SKU to Postgres, and reloads hot SKUs the
// flash-sale path lost (a restarted Redis, a switch that failed half-way) from Postgres.
func (r *Reservations) FlushOnce(ctx context.Context) error {
	if r.flash == nil {
		return nil
	}
	skus, err := r.store.HotSKUs(ctx)
	if err != nil || len(skus) == 0 {
		return err
	}
	loaded, err := r.flash.Loaded(ctx, skus)
	if err != nil {
		return fmt.Errorf("check flash-sale skus: %w", err)
	}
	var errs []error
	for i, sku := range skus {
		if !loaded[i] {
			errs = append(errs, r.reconcile(ctx, sku))
			continue
		}
		_, err := r.drain(ctx, sku, func(ctx context.Context, events []FlashEvent) error {
			if err := r.store.ApplyFlashEvents(ctx, sku, events); err != nil {
				return err
			}
			return r.flash.Ack(ctx, sku, events)
		})
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Flusher writes the flash-sale path's changes to Postgres in the background.
type Flusher struct {
	Reservations *Reservations
	Interval     time.Duration // default 1s
}

// Run flushes every interval until ctx ends.
func (f *Flusher) Run(ctx context.Context) {
	every(ctx, f.Interval, time.Second, func(ctx context.Context) {
		if err := f.Reservations.FlushOnce(ctx); err != nil && ctx.Err() == nil {
			slog.ErrorContext(ctx, "flush flash-sale holds", "err", err)
		}
	})
}

// DefaultSweepInterval is how often expired holds are released. A hold outlives its TTL by at
// most this long in the stock counters; availability ignores expired holds at once anyway.
const DefaultSweepInterval = 30 * time.Second

// Sweeper releases expired holds on both paths.
type Sweeper struct {
	Reservations *Reservations
	Interval     time.Duration // default DefaultSweepInterval
}

// Run sweeps every interval until ctx ends.
func (s *Sweeper) Run(ctx context.Context) {
	every(ctx, s.Interval, DefaultSweepInterval, func(ctx context.Context) {
		if _, err := s.SweepOnce(ctx); err != nil && ctx.Err() == nil {
			slog.ErrorContext(ctx, "sweep expired holds", "err", err)
		}
	})
}

// SweepOnce releases the holds that expired by now on both paths and returns how many.
func (s *Sweeper) SweepOnce(ctx context.Context) (int, error) {
	r := s.Reservations
	now := r.now()
	n, err := r.store.ExpireHolds(ctx, now)
	if err != nil {
		return n, fmt.Errorf("expire holds: %w", err)
	}
	if r.flash == nil {
		return n, nil
	}
	skus, err := r.store.HotSKUs(ctx)
	if err != nil {
		return n, fmt.Errorf("read hot skus: %w", err)
	}
	var errs []error
	for _, sku := range skus {
		m, err := r.flash.Expire(ctx, sku, now)
		n += m
		if err != nil && !errors.Is(err, ErrNotHot) {
			errs = append(errs, fmt.Errorf("expire holds of %s: %w", sku, err))
		}
	}
	return n, errors.Join(errs...)
}

// every runs fn now and then every interval (def when zero) until ctx ends.
func every(ctx context.Context, interval, def time.Duration, fn func(context.Context)) {
	if interval <= 0 {
		interval = def
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		fn(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
