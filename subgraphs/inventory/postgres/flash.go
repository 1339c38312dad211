package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/shopgraph/shopgraph/subgraphs/inventory"
)

// HotSKUs lists the SKUs on the flash-sale path.
func (s *Store) HotSKUs(ctx context.Context) ([]string, error) {
	rows, _ := s.pool.Query(ctx, `SELECT sku FROM inventory.hot_sku ORDER BY sku`)
	skus, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("read hot skus: %w", err)
	}
	return skus, nil
}

// ApplyFlashEvents writes the flash-sale path's changes to a SKU's holds and stock in one
// transaction, under the SKU's stock row locks, with a StockChanged event for the SKU: search
// and caches learn of flash-sale sales when they reach Postgres.
func (s *Store) ApplyFlashEvents(ctx context.Context, sku string, events []inventory.FlashEvent) error {
	if len(events) == 0 {
		return nil
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockStock, []string{sku}); err != nil {
			return fmt.Errorf("lock stock of %s: %w", sku, err)
		}
		if err := applyFlashEvents(ctx, tx, events); err != nil {
			return err
		}
		return announceStock(ctx, tx, []string{sku})
	})
}

// applyFlashEvents writes events in order, in one round trip. Each statement is idempotent, so
// events written before (a flush that failed after its commit) change nothing:
//   - a reservation inserts its hold, or replaces a hold of the same order and SKU that was not
//     confirmed (a reservation undone and taken again);
//   - a confirmation decrements stock only when it moves its hold to CONFIRMED;
//   - a release only moves an active hold; an undo only deletes an active hold.
func applyFlashEvents(ctx context.Context, tx pgx.Tx, events []inventory.FlashEvent) error {
	b := &pgx.Batch{}
	for _, e := range events {
		h := e.Hold
		switch e.Op {
		case inventory.FlashReserved:
			b.Queue(`
				INSERT INTO inventory.hold AS h (id, order_id, sku, fulfillment_center_id, quantity, expires_at)
				VALUES ($1, $2, $3, $4, $5, $6)
				ON CONFLICT (order_id, sku) DO UPDATE
				SET id = EXCLUDED.id, fulfillment_center_id = EXCLUDED.fulfillment_center_id,
				    quantity = EXCLUDED.quantity, expires_at = EXCLUDED.expires_at,
				    status = 'ACTIVE', updated_at = now()
				WHERE h.status <> 'CONFIRMED' AND h.id <> EXCLUDED.id`,
				h.ID, h.OrderID, h.SKU, h.FulfillmentCenterID, h.Quantity, h.ExpiresAt)
		case inventory.FlashConfirmed:
			b.Queue(`
				WITH c AS (
					UPDATE inventory.hold SET status = 'CONFIRMED', updated_at = now()
					WHERE id = $1 AND status <> 'CONFIRMED'
					RETURNING sku, fulfillment_center_id, quantity
				)
				UPDATE inventory.stock s SET on_hand = s.on_hand - c.quantity, updated_at = now()
				FROM c
				WHERE s.sku = c.sku AND s.fulfillment_center_id = c.fulfillment_center_id`, h.ID)
		case inventory.FlashReleased:
			b.Queue(`UPDATE inventory.hold SET status = 'RELEASED', updated_at = now() WHERE id = $1 AND status = 'ACTIVE'`, h.ID)
		case inventory.FlashUndone:
			b.Queue(`DELETE FROM inventory.hold WHERE id = $1 AND status = 'ACTIVE'`, h.ID)
		default:
			return fmt.Errorf("flash-sale event %s: unknown operation %q", e.ID, e.Op)
		}
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("write %d flash-sale events: %w", len(events), err)
	}
	return nil
}

// SwitchHot marks the SKU hot or not under its stock row locks and runs during in the same
// transaction.
func (s *Store) SwitchHot(ctx context.Context, sku string, hot bool, during func(context.Context, inventory.HotSwitch) error) error {
	if err := inventory.ValidateSKU("sku", sku); err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// The SKU's lock is taken even when it has no stock rows yet, so two switches of one
		// SKU never interleave.
		if _, err := tx.Exec(ctx, lockHotSwitch, sku); err != nil {
			return fmt.Errorf("lock hot switch of %s: %w", sku, err)
		}
		if _, err := tx.Exec(ctx, lockStock, []string{sku}); err != nil {
			return fmt.Errorf("lock stock of %s: %w", sku, err)
		}
		var wasHot bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM inventory.hot_sku WHERE sku = $1)`, sku).Scan(&wasHot); err != nil {
			return fmt.Errorf("read whether %s is hot: %w", sku, err)
		}
		sql := `DELETE FROM inventory.hot_sku WHERE sku = $1`
		if hot {
			sql = `INSERT INTO inventory.hot_sku (sku) VALUES ($1) ON CONFLICT DO NOTHING`
		}
		if _, err := tx.Exec(ctx, sql, sku); err != nil {
			return fmt.Errorf("mark %s hot=%v: %w", sku, hot, err)
		}
		return during(ctx, switchTx{tx: tx, sku: sku, wasHot: wasHot})
	})
}

type switchTx struct {
	tx     pgx.Tx
	sku    string
	wasHot bool
}

func (t switchTx) WasHot() bool { return t.wasHot }

func (t switchTx) Apply(ctx context.Context, events []inventory.FlashEvent) error {
	if len(events) == 0 {
		return nil
	}
	if err := applyFlashEvents(ctx, t.tx, events); err != nil {
		return err
	}
	return announceStock(ctx, t.tx, []string{t.sku})
}

// Snapshot reads the SKU's stock and active holds; the stock rows are locked, so it is exact.
func (t switchTx) Snapshot(ctx context.Context) (inventory.HotSnapshot, error) {
	snap := inventory.HotSnapshot{SKU: t.sku, OnHand: map[string]int{}}
	rows, _ := t.tx.Query(ctx, `SELECT fulfillment_center_id, on_hand FROM inventory.stock WHERE sku = $1`, t.sku)
	var center string
	var onHand int
	if _, err := pgx.ForEachRow(rows, []any{&center, &onHand}, func() error {
		snap.OnHand[center] = onHand
		return nil
	}); err != nil {
		return snap, fmt.Errorf("read stock of %s: %w", t.sku, err)
	}
	rows, _ = t.tx.Query(ctx, `
		SELECT `+holdColumns+` FROM inventory.hold
		WHERE sku = $1 AND status = 'ACTIVE' AND expires_at > now()`, t.sku)
	hs, err := readHolds(rows)
	if err != nil {
		return snap, fmt.Errorf("read holds of %s: %w", t.sku, err)
	}
	snap.Holds = holds(hs)
	return snap, nil
}

// lockHotSwitch is the lock SwitchHot takes first: holding it, no switch of the SKU is in flight.
const lockHotSwitch = `SELECT pg_advisory_xact_lock(hashtextextended('inventory.hot:' || $1, 0))`

// undoHold deletes hold $1 of SKU $2 if it is active and the SKU is not hot, with a
// StockChanged event (from $3); it answers whether the SKU is hot.
var undoHold = `
	WITH hot AS (
		SELECT EXISTS (SELECT 1 FROM inventory.hot_sku WHERE sku = $2) AS hot
	), d AS (
		DELETE FROM inventory.hold
		WHERE id = $1 AND sku = $2 AND status = 'ACTIVE' AND NOT (SELECT hot FROM hot)
		RETURNING sku
	), e AS (` + Outbox.InsertAll(3) + `
		WHERE EXISTS (SELECT 1 FROM d)
	)
	SELECT hot FROM hot`

// UndoHold implements inventory.HoldStore. The switch's lock is taken first, in the same
// implicit transaction, so a switch in flight has committed the hold before it is looked for.
func (s *Store) UndoHold(ctx context.Context, h inventory.Hold) (bool, error) {
	events, err := stockEvents([]string{h.SKU})
	if err != nil {
		return false, err
	}
	b := &pgx.Batch{}
	b.Queue(lockHotSwitch, h.SKU)
	b.Queue(undoHold, append([]any{h.ID, h.SKU}, events...)...)
	br := s.pool.SendBatch(ctx, b)
	defer br.Close()
	if _, err := br.Exec(); err != nil {
		return false, fmt.Errorf("lock hot switch of %s: %w", h.SKU, err)
	}
	var hot bool
	if err := br.QueryRow().Scan(&hot); err != nil {
		return false, fmt.Errorf("undo hold %s: %w", h.ID, err)
	}
	if err := br.Close(); err != nil { // the implicit transaction commits here
		return false, fmt.Errorf("undo hold %s: %w", h.ID, err)
	}
	return hot, nil
}
