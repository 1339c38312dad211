package inventory

import (
	"context"
	"log/slog"
	"time"
)

// FlashStock is a SKU's stock as the flash-sale path counts it.
type FlashStock struct {
	// Loaded is false when the SKU's counters are not running (never loaded, paused by a
	// switch, lost with Redis); then nothing is counted and Postgres has the last word.
	Loaded bool
	OnHand map[string]int // units on hand, by fulfillment center id
	Held   map[string]int // units in active holds not expired at asOf, by fulfillment center id
}

// flashReadTimeout bounds the flash-sale read of one availability batch: past it the batch is
// answered from Postgres rather than held up by a slow Redis. (A go-redis client honours it
// only with ContextTimeoutEnabled; otherwise its own dial and read timeouts bound the read.)
const flashReadTimeout = 250 * time.Millisecond

// flashReadPause is how long availability answers from Postgres alone after a failed read of
// the flash-sale path, so that an outage costs one batch the timeout, not every batch.
const flashReadPause = time.Second

// Availability returns the availability of each SKU, in the order of skus. Postgres is read in
// one query; a hot SKU's figures there lag the flash-sale path by up to one flush, so the SKUs
// of the batch that are hot are read again, all at once, from the flash-sale counters, which
// are exact. When those cannot be read, the Postgres figures are returned and the failure
// logged: a shopper sees stock a moment old rather than an error.
func (r *Reservations) Availability(ctx context.Context, skus []string) ([]Availability, error) {
	avail, err := r.store.Availability(ctx, skus)
	if err != nil || r.flash == nil {
		return avail, err
	}
	var hot []string
	var at []int // index in avail of each hot SKU
	for i, a := range avail {
		if a.Hot {
			hot, at = append(hot, a.SKU), append(at, i)
		}
	}
	if len(hot) == 0 || time.Now().UnixNano() < r.flashReadsPausedUntil.Load() {
		return avail, nil
	}
	rctx, cancel := context.WithTimeout(ctx, flashReadTimeout)
	defer cancel()
	counted, err := r.flash.Stock(rctx, hot, r.now())
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		r.flashReadsPausedUntil.Store(time.Now().Add(flashReadPause).UnixNano())
		slog.WarnContext(ctx, "read flash-sale stock; answering from Postgres for a while",
			"skus", hot, "pause", flashReadPause, "err", err)
		return avail, nil
	}
	for j, i := range at {
		overlay(&avail[i], counted[j])
	}
	return avail, nil
}

// overlay replaces Postgres' counts of a hot SKU with the flash-sale path's. A center the path
// does not count yet (a restock at a new center, reloaded a moment later) keeps Postgres' count.
func overlay(a *Availability, fs FlashStock) {
	if !fs.Loaded {
		return
	}
	for k, c := range a.Centers {
		onHand, ok := fs.OnHand[c.Center.ID]
		if !ok {
			continue
		}
		a.Centers[k].OnHand = onHand
		a.Centers[k].Held = fs.Held[c.Center.ID]
	}
}
