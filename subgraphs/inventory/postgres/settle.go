package postgres

import (
	"context"
	"fmt"

	"github.com/shopgraph/shopgraph/subgraphs/rowscan"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/shopgraph/shopgraph/subgraphs/inventory"
)

// Confirming and releasing run as one batch each: one round trip and one implicit
// transaction. The statement that changes the holds decides, in its own snapshot, whether the
// order allows the change, and changes nothing when it does not; Go then gives the refusal
// from the rows that statement returns, by the same rules.

// lockConfirming locks the stock rows of the order's active holds of SKUs that are not hot,
// in the global order, and those holds with them (the stock row first: FROM lists it first),
// so the sweeper skips them. It records the ids it locked in a transaction-local setting for
// confirmHolds, whose snapshot may see a SKU that switched paths since: that hold's rows are
// not locked, and the confirmation is refused as busy. $2 is ACTIVE: see confirmHolds.
//
// It stays a statement of its own, after lockOrder's: a statement's snapshot is taken when it
// starts, before any lock it takes. Folded into confirmHolds, the decision would be made on
// holds and hot SKUs as they were before the stock locks (a SKU switched to the flash-sale
// path meanwhile would be confirmed here too); with the order's lock folded in, it would not
// see holds that a reservation of the order committed while it waited for that lock.
const lockConfirming = `
	SELECT set_config('inventory.confirming', coalesce(string_agg(id, ','), ''), true)
	FROM (
		SELECT h.id
		FROM inventory.stock s
		JOIN inventory.hold h ON h.sku = s.sku AND h.fulfillment_center_id = s.fulfillment_center_id
		WHERE h.order_id = $1 AND h.status = $2
		  AND NOT EXISTS (SELECT 1 FROM inventory.hot_sku hs WHERE hs.sku = h.sku)
		ORDER BY s.sku, s.fulfillment_center_id
		FOR UPDATE
	) locked`

// settledColumns are the columns confirmHolds and releaseHolds return for each hold of the
// order whose SKU is not hot (one row with null holds when there is none), after their flags.
const settledColumns = `o.id, o.order_id, o.sku, o.fulfillment_center_id, o.quantity, o.status, o.expires_at, o.expired`

// orderSettling reads the order's holds once (MATERIALIZED: every later part sees the same
// rows) with whether each SKU is hot and whether each active hold expired. The holds are
// found by order id only; the status is never a condition on the table (see confirmHolds).
const orderSettling = `
	o AS MATERIALIZED (
		SELECT h.id, h.order_id, h.sku, h.fulfillment_center_id, h.quantity, h.status, h.expires_at,
		       h.status = $2 AND h.expires_at <= now() AS expired,
		       EXISTS (SELECT 1 FROM inventory.hot_sku hs WHERE hs.sku = h.sku) AS hot
		FROM inventory.hold h
		WHERE h.order_id = $1
	)`

// confirmHolds confirms the locked holds of order $1 and takes their units off stock, unless
// a hold of a SKU that is not hot was released, an active one expired, or a SKU switched
// paths (moved) since the locks were chosen. The status is a parameter ($2, ACTIVE) so that
// the generic plan of the money path's pool cannot match the partial indexes of active holds,
// which the planner sees as nearly empty and would scan whole, dead entries and all: the
// holds are found by order and id.
const confirmHolds = `
	WITH ` + orderSettling + `, locked AS (
		SELECT unnest(string_to_array(current_setting('inventory.confirming', true), ',')) AS id
	), g AS (
		SELECT EXISTS (SELECT 1 FROM inventory.hot_sku) AS any_hot,
		       coalesce(bool_or(NOT o.hot AND (o.status = 'RELEASED' OR o.expired)), false) AS refused,
		       coalesce(bool_or(o.hot = (o.id IN (SELECT id FROM locked)) AND o.status = $2), false) AS moved
		FROM o
	), c AS (
		UPDATE inventory.hold h SET status = 'CONFIRMED', updated_at = now()
		FROM o, g
		WHERE h.id = o.id AND o.id IN (SELECT id FROM locked) AND h.status = $2
		  AND NOT (g.refused OR g.moved)
		RETURNING h.sku, h.fulfillment_center_id, h.quantity
	), d AS (
		UPDATE inventory.stock s SET on_hand = s.on_hand - c.quantity, updated_at = now()
		FROM c
		WHERE s.sku = c.sku AND s.fulfillment_center_id = c.fulfillment_center_id
		RETURNING 1
	)
	SELECT g.any_hot, g.moved, (SELECT count(*) FROM c) AS changed, ` + settledColumns + `
	FROM g LEFT JOIN o ON NOT o.hot
	ORDER BY o.sku`

// settledRow is a row of confirmHolds or releaseHolds; the hold's columns are null when the
// order holds nothing off the flash-sale path.
type settledRow struct {
	AnyHot  bool
	Moved   bool
	Changed int
	optionalHold
	Expired pgtype.Bool
}

var settledScan = rowscan.Columns[settledRow]{
	Names: rowscan.Concat([]string{"any_hot", "moved", "changed"}, holdScan.Names, []string{"expired"}),
	Fields: func(r *settledRow) []any {
		return rowscan.Concat([]any{&r.AnyHot, &r.Moved, &r.Changed}, r.optionalHold.fields(), []any{&r.Expired})
	},
}

// settledHold is a hold of a settledRow with whether it was active and expired.
type settledHold struct {
	inventory.Hold
	Expired bool
}

// readSettled collects the rows of confirmHolds or releaseHolds.
func readSettled(rows pgx.Rows) (hs []settledHold, first settledRow, err error) {
	all, err := settledScan.Collect(rows)
	if err != nil {
		return nil, first, err
	}
	if len(all) == 0 {
		return nil, first, fmt.Errorf("no flags returned")
	}
	for _, r := range all {
		if h, ok := r.hold(); ok {
			hs = append(hs, settledHold{Expired: r.Expired.Bool, Hold: h})
		}
	}
	return hs, all[0], nil
}

// ConfirmHolds turns the order's active holds into decrements of stock on hand, under locks
// on the stock rows, in one round trip.
func (s *Store) ConfirmHolds(ctx context.Context, orderID string) (inventory.Settled, error) {
	if err := inventory.ValidateOrderID("orderId", orderID); err != nil {
		return inventory.Settled{}, err
	}
	settled, err := s.confirm(ctx, orderID)
	if err != nil {
		return inventory.Settled{}, wrapReservation("confirm", orderID, err)
	}
	return settled, nil
}

func (s *Store) confirm(ctx context.Context, orderID string) (inventory.Settled, error) {
	b := &pgx.Batch{}
	b.Queue(lockOrder, orderID)
	b.Queue(lockConfirming, orderID, inventory.HoldActive)
	b.Queue(confirmHolds, orderID, inventory.HoldActive)
	br := s.pool.SendBatch(ctx, b)
	defer br.Close()
	if _, err := br.Exec(); err != nil {
		return inventory.Settled{}, fmt.Errorf("lock order: %w", err)
	}
	if _, err := br.Exec(); err != nil {
		return inventory.Settled{}, fmt.Errorf("lock stock: %w", err)
	}
	rows, _ := br.Query()
	hs, flags, err := readSettled(rows)
	if err != nil {
		return inventory.Settled{}, fmt.Errorf("confirm holds: %w", err)
	}
	if err := br.Close(); err != nil { // the implicit transaction commits here
		return inventory.Settled{}, err
	}
	out := make([]inventory.Hold, len(hs))
	for i, h := range hs {
		switch {
		case h.Status == inventory.HoldReleased:
			return inventory.Settled{}, &inventory.HoldStateError{Code: inventory.CodeHoldsReleased, OrderID: orderID,
				Message: fmt.Sprintf("the holds of order %s were released and cannot be confirmed", orderID)}
		case h.Expired:
			return inventory.Settled{}, expired(orderID)
		}
		out[i] = h.Hold
	}
	if flags.Moved {
		// A SKU of the order switched paths, holds included, between choosing the locks and
		// confirming; confirming again finds the holds where they are now.
		return inventory.Settled{}, inventory.ErrReservationBusy
	}
	if flags.Changed > 0 {
		for i := range out {
			out[i].Status = inventory.HoldConfirmed
		}
	}
	return inventory.Settled{Holds: out, FlashMayHold: flags.AnyHot}, nil
}

func expired(orderID string) error {
	return &inventory.HoldStateError{Code: inventory.CodeHoldsExpired, OrderID: orderID,
		Message: fmt.Sprintf("the holds of order %s expired before they were confirmed", orderID)}
}

// releaseHolds releases the active holds of order $1 of SKUs that are not hot, unless one of
// them was confirmed, and writes a StockChanged event (type $3, ids from $4) for each SKU it
// released. It locks no stock: see ReleaseHolds. By id, like confirmHolds.
var releaseHolds = `
	WITH ` + orderSettling + `, g AS (
		SELECT EXISTS (SELECT 1 FROM inventory.hot_sku) AS any_hot, false AS moved,
		       coalesce(bool_or(NOT o.hot AND o.status = 'CONFIRMED'), false) AS refused
		FROM o
	), r AS (
		UPDATE inventory.hold h SET status = 'RELEASED', updated_at = now()
		FROM o, g
		WHERE h.id = o.id AND NOT o.hot AND o.status = $2 AND h.status = $2 AND NOT g.refused
		RETURNING h.sku
	), e AS (
		INSERT INTO inventory.outbox (id, type, key, payload)
		SELECT ` + eventID(4, "n") + `, $3, sku, jsonb_build_object('sku', sku)
		FROM (SELECT sku, row_number() OVER (ORDER BY sku) - 1 AS n FROM (SELECT DISTINCT sku FROM r) released) numbered
	)
	SELECT g.any_hot, g.moved, (SELECT count(*) FROM r) AS changed, ` + settledColumns + `
	FROM g LEFT JOIN o ON NOT o.hot
	ORDER BY o.sku`

// ReleaseHolds releases the order's active holds in one round trip. Holds count against
// availability only while active, so releasing needs no lock on stock.
func (s *Store) ReleaseHolds(ctx context.Context, orderID string) (inventory.Settled, error) {
	if err := inventory.ValidateOrderID("orderId", orderID); err != nil {
		return inventory.Settled{}, err
	}
	settled, err := s.release(ctx, orderID)
	if err != nil {
		return inventory.Settled{}, wrapReservation("release", orderID, err)
	}
	return settled, nil
}

func (s *Store) release(ctx context.Context, orderID string) (inventory.Settled, error) {
	b := &pgx.Batch{}
	b.Queue(lockOrder, orderID)
	b.Queue(releaseHolds, orderID, inventory.HoldActive, EventStockChanged, eventIDBase())
	br := s.pool.SendBatch(ctx, b)
	defer br.Close()
	if _, err := br.Exec(); err != nil {
		return inventory.Settled{}, fmt.Errorf("lock order: %w", err)
	}
	rows, _ := br.Query()
	hs, flags, err := readSettled(rows)
	if err != nil {
		return inventory.Settled{}, fmt.Errorf("release holds: %w", err)
	}
	if err := br.Close(); err != nil { // the implicit transaction commits here
		return inventory.Settled{}, err
	}
	out := make([]inventory.Hold, len(hs))
	for i, h := range hs {
		if h.Status == inventory.HoldConfirmed {
			return inventory.Settled{}, &inventory.HoldStateError{Code: inventory.CodeHoldsConfirmed, OrderID: orderID,
				Message: fmt.Sprintf("the holds of order %s were confirmed; return the units instead", orderID)}
		}
		out[i] = h.Hold
		out[i].Status = inventory.HoldReleased
	}
	return inventory.Settled{Holds: out, FlashMayHold: flags.AnyHot}, nil
}
