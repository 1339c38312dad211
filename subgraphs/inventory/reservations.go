package inventory

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oklog/ulid/v2"
)

// HoldStore is the Postgres path and the system of record for stock and holds. The postgres
// subpackage implements it.
type HoldStore interface {
	// ReserveHolds takes holds for every line, all or none, under locks on the lines' stock rows.
	// It returns the order's existing holds when it already holds the lines, a *HotSKUsError
	// (and no hold) when some SKUs are hot, an *OutOfStockError or a *HoldStateError.
	ReserveHolds(ctx context.Context, req ReserveRequest) ([]Hold, error)
	// ConfirmHolds turns the order's active holds of SKUs that are not hot into decrements of
	// stock in one transaction; holds confirmed before are returned as they are.
	ConfirmHolds(ctx context.Context, orderID string) (Settled, error)
	// ReleaseHolds releases the order's active holds of SKUs that are not hot; a *HoldStateError
	// refuses it when some were confirmed.
	ReleaseHolds(ctx context.Context, orderID string) (Settled, error)
	// Holds lists every hold of the order, of both paths as far as they were written.
	Holds(ctx context.Context, orderID string) ([]Hold, error)
	// ExpireHolds releases the active holds of SKUs that are not hot that expired by asOf.
	ExpireHolds(ctx context.Context, asOf time.Time) (int, error)
	// HotSKUs lists the SKUs on the flash-sale path.
	HotSKUs(ctx context.Context) ([]string, error)
	// FulfillmentCenters lists every center.
	FulfillmentCenters(ctx context.Context) ([]FulfillmentCenter, error)
	// Restock adds received units to the stock of a SKU at one center.
	Restock(ctx context.Context, r Restock) (CenterStock, error)
	// Availability returns the availability of each SKU, in the order of skus.
	Availability(ctx context.Context, skus []string) ([]Availability, error)
	// UndoHold deletes an active hold that a failed reservation took on the flash-sale path and
	// that a switch of its SKU back to Postgres wrote there, waiting for a switch in flight to
	// commit; it changes nothing and reports hot when the SKU is on the flash-sale path again.
	UndoHold(ctx context.Context, h Hold) (hot bool, err error)
	// ApplyFlashEvents writes what the flash-sale path did to the SKU's holds and stock. Applying
	// an event twice changes nothing.
	ApplyFlashEvents(ctx context.Context, sku string, events []FlashEvent) error
	// SwitchHot marks the SKU hot or not while its stock rows are locked, so that no Postgres
	// path reservation of it runs meanwhile, and calls during inside that transaction.
	SwitchHot(ctx context.Context, sku string, hot bool, during func(ctx context.Context, tx HotSwitch) error) error
}

// Settled is what the Postgres path confirmed or released of an order.
type Settled struct {
	Holds []Hold
	// FlashMayHold is whether some SKU was hot when the order's holds were read (in the same
	// snapshot). Only then can the flash-sale path hold something of the order: switching a SKU
	// back to Postgres writes its flash-sale holds there first.
	FlashMayHold bool
}

// HotSwitch is what SwitchHot offers inside its transaction.
type HotSwitch interface {
	// WasHot reports whether the SKU was hot before this switch.
	WasHot() bool
	// Apply is ApplyFlashEvents in the switch's transaction.
	Apply(ctx context.Context, events []FlashEvent) error
	// Snapshot reads the SKU's stock on hand per center and its active, unexpired holds.
	Snapshot(ctx context.Context) (HotSnapshot, error)
}

// HotSnapshot is what the flash-sale path loads for a SKU: Postgres' view of its stock.
type HotSnapshot struct {
	SKU    string
	OnHand map[string]int // by fulfillment center id
	Holds  []Hold         // active and unexpired
}

// Flash-sale event operations.
const (
	FlashReserved  = "R"
	FlashConfirmed = "C"
	FlashReleased  = "X"
	FlashUndone    = "U" // a hold taken by a reservation that then failed on another line
)

// FlashEvent is a change the flash-sale path made, waiting to be written to Postgres.
type FlashEvent struct {
	ID   string // position in the flash-sale log, for Ack
	Op   string
	Hold Hold // as it was after the change
}

// FlashReserve asks the flash-sale path for one line's hold.
type FlashReserve struct {
	OrderID   string
	HoldID    string // used when a new hold is taken
	Line      ReserveLine
	Centers   []string // every known center, nearest to the shipping address first
	Now       time.Time
	ExpiresAt time.Time
}

// FlashHolds is the flash-sale path for hot SKUs: counters and holds kept by atomic scripts, one
// SKU at a time. The redis subpackage implements it.
type FlashHolds interface {
	// Reserve takes a hold for the line, or returns the order's existing hold of the SKU
	// whatever its status; ErrNotHot when the SKU is not loaded; an *OutOfStockError.
	Reserve(ctx context.Context, r FlashReserve) (Hold, error)
	// Undo gives back a hold that Reserve took for a reservation that failed on another line;
	// ErrNotHot when the SKU is not loaded.
	Undo(ctx context.Context, orderID, sku string) error
	// Confirm confirms the order's holds; notLoaded lists SKUs of the order that are not loaded.
	Confirm(ctx context.Context, orderID string, now time.Time) (holds []Hold, notLoaded []string, err error)
	// Release releases the order's active holds; notLoaded as for Confirm.
	Release(ctx context.Context, orderID string, now time.Time) (holds []Hold, notLoaded []string, err error)
	// Holds lists the order's holds on the flash-sale path.
	Holds(ctx context.Context, orderID string) ([]Hold, error)
	// Expire releases the SKU's holds that expired by asOf.
	Expire(ctx context.Context, sku string, asOf time.Time) (int, error)
	// Pending returns up to max events of the SKU not yet acknowledged, oldest first, after the
	// event with id after ("" for the first).
	Pending(ctx context.Context, sku, after string, max int) ([]FlashEvent, error)
	// Ack forgets events once Postgres has them.
	Ack(ctx context.Context, sku string, events []FlashEvent) error
	// Pause stops the SKU's reservations, confirmations and releases (they get ErrNotHot).
	Pause(ctx context.Context, sku string) error
	// Load replaces the SKU's counters and holds with the snapshot and leaves it paused.
	Load(ctx context.Context, snap HotSnapshot) (token string, err error)
	// Resume starts the SKU that Load loaded with token, unless it was paused, dropped or
	// loaded again since.
	Resume(ctx context.Context, sku, token string) error
	// Drop forgets the SKU's counters and holds, but not its pending events.
	Drop(ctx context.Context, sku string) error
	// Loaded reports, per SKU, whether its counters are loaded and running.
	Loaded(ctx context.Context, skus []string) ([]bool, error)
	// Stock reads the counters of every SKU in one round trip, in the order of skus; holds
	// that expired by asOf are not counted as held, even before a sweep releases them.
	Stock(ctx context.Context, skus []string, asOf time.Time) ([]FlashStock, error)
}

// Reservations is the API the checkout saga calls: reserve, confirm and release an order's
// holds, each idempotent by order id. SKUs marked hot go to the flash-sale path when one is
// configured; every other SKU, and every SKU when none is, goes to Postgres. Safe for
// concurrent use.
type Reservations struct {
	store HoldStore
	flash FlashHolds
	now   func() time.Time

	hotRefresh time.Duration
	hot        atomic.Pointer[hotHint] // read on every reservation, so without a lock
	hotMu      sync.Mutex              // one refresh at a time
	mu         sync.Mutex
	centers    []FulfillmentCenter
	centersAt  time.Time

	flashReadsPausedUntil atomic.Int64 // unix ns; see Availability
}

// hotHint is the set of hot SKUs as last read, a routing hint.
type hotHint struct {
	skus map[string]bool
	at   time.Time
}

// ReservationsOption tunes Reservations.
type ReservationsOption func(*Reservations)

// WithFlashSale routes hot SKUs to the flash-sale path.
func WithFlashSale(f FlashHolds) ReservationsOption {
	return func(r *Reservations) { r.flash = f }
}

// WithClock replaces the clock that dates flash-sale holds (tests).
func WithClock(now func() time.Time) ReservationsOption {
	return func(r *Reservations) { r.now = now }
}

// WithHotRefresh sets how long the list of hot SKUs is trusted as a routing hint (default 1s).
// A stale hint costs a retry, never correctness: the Postgres path checks hotness under its
// locks, and the flash-sale path refuses SKUs it has not loaded.
func WithHotRefresh(d time.Duration) ReservationsOption {
	return func(r *Reservations) { r.hotRefresh = d }
}

// NewReservations returns the reservation API over the Postgres path.
func NewReservations(store HoldStore, opts ...ReservationsOption) *Reservations {
	r := &Reservations{store: store, now: time.Now, hotRefresh: time.Second}
	for _, o := range opts {
		o(r)
	}
	return r
}

// FlashSale reports whether a flash-sale path is configured.
func (r *Reservations) FlashSale() bool { return r.flash != nil }

// maxRouteAttempts bounds how often a reservation follows a SKU that switches paths under it.
const maxRouteAttempts = 5

// Reserve holds stock for every line of the order at the nearest center that can serve the
// whole line, all lines or none, and returns the holds. Reserving an order again returns its
// holds; an order whose holds were released or expired is refused with a *HoldStateError. A
// reservation that cannot be served returns an *OutOfStockError naming the lines.
func (r *Reservations) Reserve(ctx context.Context, req ReserveRequest) ([]Hold, error) {
	req, err := req.Normalize()
	if err != nil {
		return nil, err
	}
	if r.flash == nil {
		holds, err := r.store.ReserveHolds(ctx, req)
		var hot *HotSKUsError
		if errors.As(err, &hot) {
			// Another replica marked them hot: this one was started without Redis.
			return nil, fmt.Errorf("reserve order %s: %w, but this process has no flash-sale path", req.OrderID, err)
		}
		return holds, err
	}
	hot, err := r.hotSKUs(ctx, false)
	if err != nil {
		return nil, err
	}
	var flashLines, pgLines []ReserveLine
	for _, l := range req.Lines {
		if hot[l.SKU] {
			flashLines = append(flashLines, l)
		} else {
			pgLines = append(pgLines, l)
		}
	}
	var taken []Hold // new flash-sale holds, undone if the reservation fails
	var held []Hold
	for attempt := 0; ; attempt++ {
		if attempt == maxRouteAttempts {
			r.undo(ctx, req.OrderID, taken)
			return nil, fmt.Errorf("reserve order %s: %w", req.OrderID, ErrReservationBusy)
		}
		got, fresh, notHot, err := r.reserveFlash(ctx, req, flashLines)
		taken = append(taken, fresh...)
		held = append(held, got...)
		if err != nil {
			r.undo(ctx, req.OrderID, taken)
			return nil, r.withShortPostgresLines(ctx, req, err, pgLines)
		}
		pgLines = append(pgLines, notHot...)
		flashLines = nil
		if len(pgLines) == 0 {
			return held, nil
		}
		pgReq := req
		pgReq.Lines = pgLines
		got, err = r.store.ReserveHolds(ctx, pgReq)
		var hotErr *HotSKUsError
		if errors.As(err, &hotErr) {
			// The hint was stale: those SKUs went hot. Take them on the flash-sale path.
			if _, err := r.hotSKUs(ctx, true); err != nil {
				r.undo(ctx, req.OrderID, taken)
				return nil, err
			}
			flashLines, pgLines = splitLines(pgLines, hotErr.SKUs)
			continue
		}
		if err != nil {
			r.undo(ctx, req.OrderID, taken)
			return nil, err
		}
		return append(held, got...), nil
	}
}

// reserveFlash takes the lines' holds on the flash-sale path. It returns every hold the order
// has for them, those it took now, and the lines whose SKUs are not loaded there.
func (r *Reservations) reserveFlash(ctx context.Context, req ReserveRequest, lines []ReserveLine) (held, taken []Hold, notHot []ReserveLine, err error) {
	if len(lines) == 0 {
		return nil, nil, nil, nil
	}
	centers, err := r.centerOrder(ctx, req.ShipTo)
	if err != nil {
		return nil, nil, nil, err
	}
	now := r.now()
	var existing []Hold
	var short []UnavailableLine
	for _, l := range lines {
		holdID := ulid.Make().String()
		h, err := r.flash.Reserve(ctx, FlashReserve{
			OrderID: req.OrderID, HoldID: holdID, Line: l, Centers: centers,
			Now: now, ExpiresAt: now.Add(req.TTL),
		})
		var oos *OutOfStockError
		switch {
		case errors.Is(err, ErrNotHot):
			notHot = append(notHot, l)
			continue
		case errors.As(err, &oos):
			short = append(short, oos.Lines...)
			continue
		case err != nil:
			return nil, taken, nil, fmt.Errorf("reserve %s on the flash-sale path: %w", l.SKU, err)
		}
		if h.ID == holdID {
			taken = append(taken, h)
		} else {
			existing = append(existing, h)
		}
		held = append(held, h)
	}
	if len(short) > 0 {
		return nil, taken, nil, &OutOfStockError{Lines: short}
	}
	if len(existing) > 0 {
		sub := req
		sub.Lines = nil
		for _, h := range existing {
			sub.Lines = append(sub.Lines, ReserveLine{SKU: h.SKU, Quantity: lineQuantity(lines, h.SKU)})
		}
		if _, err := ExistingHolds(sub, existing, now); err != nil {
			return nil, taken, nil, err
		}
	}
	return held, taken, notHot, nil
}

// withShortPostgresLines adds to an *OutOfStockError from the flash-sale path the lines of the
// Postgres path that could not be served either, so that the buyer learns every line at once.
// It reads availability without locks: the answer is a report, not a reservation.
func (r *Reservations) withShortPostgresLines(ctx context.Context, req ReserveRequest, err error, lines []ReserveLine) error {
	var oos *OutOfStockError
	if len(lines) == 0 || !errors.As(err, &oos) {
		return err
	}
	sub := req
	sub.Lines = lines
	avail, aerr := r.store.Availability(ctx, sub.SKUs())
	if aerr != nil {
		return err
	}
	var more *OutOfStockError
	if _, aerr := Allocate(lines, avail, req.ShipTo); errors.As(aerr, &more) {
		return &OutOfStockError{Lines: append(slices.Clone(oos.Lines), more.Lines...)}
	}
	return err
}

func lineQuantity(lines []ReserveLine, sku string) int {
	for _, l := range lines {
		if l.SKU == sku {
			return l.Quantity
		}
	}
	return 0
}

func splitLines(lines []ReserveLine, skus []string) (in, out []ReserveLine) {
	for _, l := range lines {
		if slices.Contains(skus, l.SKU) {
			in = append(in, l)
		} else {
			out = append(out, l)
		}
	}
	return in, out
}

// undo gives back flash-sale holds of a reservation that failed. It must not fail the caller
// with a second error; a hold it could not undo expires and is swept.
func (r *Reservations) undo(ctx context.Context, orderID string, holds []Hold) {
	ctx = context.WithoutCancel(ctx)
	for _, h := range holds {
		if err := r.undoHold(ctx, orderID, h); err != nil {
			// The hold expires with its TTL and the sweeper gives it back.
			slog.WarnContext(ctx, "undo hold of a failed reservation", "order", orderID, "sku", h.SKU, "hold", h.ID, "err", err)
		}
	}
}

// undoHold gives back one flash-sale hold wherever it is now: a SKU switched back to Postgres
// under the reservation took the hold with it, and switched hot again it is back in Redis.
func (r *Reservations) undoHold(ctx context.Context, orderID string, h Hold) error {
	for range maxRouteAttempts {
		err := r.flash.Undo(ctx, orderID, h.SKU)
		if !errors.Is(err, ErrNotHot) {
			return err
		}
		hot, err := r.store.UndoHold(ctx, h)
		if err != nil || !hot {
			return err
		}
	}
	return ErrReservationBusy
}

// Confirm turns the order's holds into decrements of stock on hand. Confirming again returns
// the confirmed holds; holds that were released or expired are refused with a *HoldStateError,
// as is an order with no holds. On the flash-sale path each SKU is confirmed on its own: if one
// hold expired, the others are confirmed and the error says so.
func (r *Reservations) Confirm(ctx context.Context, orderID string) ([]Hold, error) {
	if err := ValidateOrderID("orderId", orderID); err != nil {
		return nil, err
	}
	holds, err := r.settle(ctx, orderID, r.store.ConfirmHolds, r.flashConfirm)
	if err != nil {
		return nil, err
	}
	if len(holds) == 0 {
		return nil, &HoldStateError{Code: CodeHoldsNotFound, OrderID: orderID,
			Message: fmt.Sprintf("order %s holds no stock", orderID)}
	}
	return holds, nil
}

// Release gives the order's active holds back to stock. Releasing again, or releasing an order
// without holds (a reservation that failed), changes nothing; releasing confirmed holds is
// refused with a *HoldStateError.
func (r *Reservations) Release(ctx context.Context, orderID string) ([]Hold, error) {
	if err := ValidateOrderID("orderId", orderID); err != nil {
		return nil, err
	}
	return r.settle(ctx, orderID, r.store.ReleaseHolds, r.flashRelease)
}

type settleFunc func(ctx context.Context, orderID string, now time.Time) ([]Hold, []string, error)

func (r *Reservations) flashConfirm(ctx context.Context, orderID string, now time.Time) ([]Hold, []string, error) {
	if r.flash == nil {
		return nil, nil, nil
	}
	return r.flash.Confirm(ctx, orderID, now)
}

func (r *Reservations) flashRelease(ctx context.Context, orderID string, now time.Time) ([]Hold, []string, error) {
	if r.flash == nil {
		return nil, nil, nil
	}
	return r.flash.Release(ctx, orderID, now)
}

// settle confirms or releases the order's holds on Postgres, then, if some SKU is hot, on the
// flash-sale path, so that orders settle without Redis while no flash sale runs. A SKU of the
// order that the flash-sale path has not loaded is either switching (waited for) or went back
// to Postgres after Postgres was asked, which is then asked again.
func (r *Reservations) settle(ctx context.Context, orderID string,
	pg func(ctx context.Context, orderID string) (Settled, error), flash settleFunc) ([]Hold, error) {
	for attempt := 0; ; attempt++ {
		settled, err := pg(ctx, orderID)
		if errors.Is(err, ErrReservationBusy) && attempt < maxRouteAttempts {
			continue // a SKU of the order went hot under the call; its holds are in Redis now
		}
		if err != nil || r.flash == nil || !settled.FlashMayHold {
			return settled.Holds, err
		}
		flashHolds, notLoaded, err := flash(ctx, orderID, r.now())
		if err != nil {
			return nil, err
		}
		if len(notLoaded) == 0 {
			return append(settled.Holds, flashHolds...), nil
		}
		hot, err := r.hotSKUs(ctx, true)
		if err != nil {
			return nil, err
		}
		if attempt == maxRouteAttempts {
			return nil, fmt.Errorf("settle order %s: %w", orderID, ErrReservationBusy)
		}
		if slices.ContainsFunc(notLoaded, func(sku string) bool { return hot[sku] }) {
			select { // switching: wait for it
			case <-time.After(time.Duration(attempt+1) * 20 * time.Millisecond):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		// Ask both paths again: the SKUs that are cold now have their holds in Postgres, and
		// settling what was settled already changes nothing.
	}
}

// Holds lists the order's holds on both paths. A flash-sale hold is reported as the flash-sale
// path has it, which may be newer than Postgres.
func (r *Reservations) Holds(ctx context.Context, orderID string) ([]Hold, error) {
	if err := ValidateOrderID("orderId", orderID); err != nil {
		return nil, err
	}
	holds, err := r.store.Holds(ctx, orderID)
	if err != nil || r.flash == nil {
		return holds, err
	}
	if hot, err := r.hotSKUs(ctx, true); err != nil || len(hot) == 0 {
		return holds, err
	}
	flash, err := r.flash.Holds(ctx, orderID)
	if err != nil {
		return nil, err
	}
	bySKU := make(map[string]int, len(holds))
	for i, h := range holds {
		bySKU[h.SKU] = i
	}
	for _, h := range flash {
		if i, ok := bySKU[h.SKU]; ok {
			holds[i] = h
		} else {
			holds = append(holds, h)
		}
	}
	slices.SortFunc(holds, func(a, b Hold) int { return cmp.Compare(a.SKU, b.SKU) })
	return holds, nil
}

// hotSKUs returns the routing hint, read again when older than hotRefresh or when forced.
func (r *Reservations) hotSKUs(ctx context.Context, force bool) (map[string]bool, error) {
	if h := r.hot.Load(); !force && h != nil && time.Since(h.at) < r.hotRefresh {
		return h.skus, nil
	}
	asked := time.Now()
	r.hotMu.Lock()
	defer r.hotMu.Unlock()
	if h := r.hot.Load(); h != nil && time.Since(h.at) < r.hotRefresh && (!force || h.at.After(asked)) {
		return h.skus, nil // another caller refreshed it meanwhile
	}
	skus, err := r.store.HotSKUs(ctx)
	if err != nil {
		return nil, fmt.Errorf("read hot skus: %w", err)
	}
	hot := make(map[string]bool, len(skus))
	for _, s := range skus {
		hot[s] = true
	}
	r.hot.Store(&hotHint{skus: hot, at: time.Now()})
	return hot, nil
}

// centersTTL bounds how long a new fulfillment center stays unknown to the flash-sale path.
const centersTTL = time.Minute

// centerOrder returns the ids of every center, nearest to to first.
func (r *Reservations) centerOrder(ctx context.Context, to Location) ([]string, error) {
	r.mu.Lock()
	centers := r.centers
	if centers == nil || time.Since(r.centersAt) > centersTTL {
		r.mu.Unlock()
		fresh, err := r.store.FulfillmentCenters(ctx)
		if err != nil {
			return nil, fmt.Errorf("read fulfillment centers: %w", err)
		}
		r.mu.Lock()
		r.centers, r.centersAt = fresh, time.Now()
		centers = fresh
	}
	r.mu.Unlock()
	ordered := ByDistance(centers, to)
	ids := make([]string, len(ordered))
	for i, c := range ordered {
		ids[i] = c.ID
	}
	return ids, nil
}
