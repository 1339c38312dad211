package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/inventory"
	"github.com/shopgraph/shopgraph/subgraphs/outbox"
)

// Locking order, the same everywhere, so that reservations never deadlock: the order's advisory
// lock first (it serialises reserve, confirm and release of one order), then stock rows sorted
// by (sku, fulfillment center), then hold rows. A hold is only taken, confirmed or released
// while the stock rows it counts against are locked, so the availability read after taking the
// locks is exact: nobody else can change it until commit.

var _ inventory.HoldStore = (*Store)(nil)

const lockOrder = `SELECT pg_advisory_xact_lock(hashtextextended('inventory.order:' || $1, 0))`

// lockStock locks the stock rows of the SKUs in (sku, center) order. It returns nothing: what
// the rows hold is read by the next statement, whose snapshot sees every change committed by
// the transactions this one waited for.
const lockStock = `
	SELECT 1 FROM inventory.stock
	WHERE sku = ANY($1)
	ORDER BY sku, fulfillment_center_id
	FOR UPDATE`

const holdColumns = `id, order_id, sku, fulfillment_center_id, quantity, status, expires_at`

type holdRow struct {
	ID        string    `db:"id"`
	OrderID   string    `db:"order_id"`
	SKU       string    `db:"sku"`
	CenterID  string    `db:"fulfillment_center_id"`
	Quantity  int       `db:"quantity"`
	Status    string    `db:"status"`
	ExpiresAt time.Time `db:"expires_at"`
}

func (r holdRow) hold() inventory.Hold {
	return inventory.Hold{ID: r.ID, OrderID: r.OrderID, SKU: r.SKU, FulfillmentCenterID: r.CenterID,
		Quantity: r.Quantity, Status: r.Status, ExpiresAt: r.ExpiresAt}
}

func holds(rows []holdRow) []inventory.Hold {
	out := make([]inventory.Hold, len(rows))
	for i, r := range rows {
		out[i] = r.hold()
	}
	return out
}

// orderHolds reads the order's holds and, in the same snapshot, whether any SKU is hot. Only
// then can the flash-sale path hold something of the order that Postgres does not show:
// switching a SKU back to Postgres writes its flash-sale holds here before it commits.
const orderHolds = `
	SELECT g.any_hot, h.id, h.order_id, h.sku, h.fulfillment_center_id, h.quantity, h.status, h.expires_at,
	       EXISTS (SELECT 1 FROM inventory.hot_sku hs WHERE hs.sku = h.sku) AS hot
	FROM (SELECT EXISTS (SELECT 1 FROM inventory.hot_sku) AS any_hot) g
	LEFT JOIN inventory.hold h ON h.order_id = $1
	ORDER BY h.sku`

// orderHoldRow is a row of orderHolds; the hold's columns are null when the order has none.
type orderHoldRow struct {
	AnyHot    bool       `db:"any_hot"`
	ID        *string    `db:"id"`
	OrderID   *string    `db:"order_id"`
	SKU       *string    `db:"sku"`
	CenterID  *string    `db:"fulfillment_center_id"`
	Quantity  *int       `db:"quantity"`
	Status    *string    `db:"status"`
	ExpiresAt *time.Time `db:"expires_at"`
	Hot       bool       `db:"hot"`
}

// orderHold is a hold with whether its SKU is hot now.
type orderHold struct {
	inventory.Hold
	Hot bool
}

// readOrderHolds collects the rows of orderHolds.
func readOrderHolds(rows pgx.Rows) (holds []orderHold, anyHot bool, err error) {
	all, err := pgx.CollectRows(rows, pgx.RowToStructByName[orderHoldRow])
	if err != nil {
		return nil, false, fmt.Errorf("read holds of the order: %w", err)
	}
	for _, r := range all {
		anyHot = r.AnyHot
		if r.ID == nil {
			continue
		}
		holds = append(holds, orderHold{Hot: r.Hot, Hold: inventory.Hold{ID: *r.ID, OrderID: *r.OrderID, SKU: *r.SKU,
			FulfillmentCenterID: *r.CenterID, Quantity: *r.Quantity, Status: *r.Status, ExpiresAt: *r.ExpiresAt}})
	}
	return holds, anyHot, nil
}

// hotStockRow is a stock row with whether its SKU is on the flash-sale path.
type hotStockRow struct {
	stockRow
	Hot bool `db:"hot"`
}

// ReserveHolds takes the holds of a request on the Postgres path, all lines or none.
func (s *Store) ReserveHolds(ctx context.Context, req inventory.ReserveRequest) ([]inventory.Hold, error) {
	req, err := req.Normalize()
	if err != nil {
		return nil, err
	}
	skus := req.SKUs()
	var out []inventory.Hold
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		b.Queue(lockOrder, req.OrderID)
		b.Queue(orderHolds, req.OrderID)
		b.Queue(lockStock, skus)
		b.Queue(`
			SELECT s.sku, s.on_hand, s.updated_at, `+heldUnits+` AS held,
			       fc.id, fc.code, fc.name, fc.latitude, fc.longitude,
			       EXISTS (SELECT 1 FROM inventory.hot_sku hs WHERE hs.sku = s.sku) AS hot
			FROM inventory.stock s
			JOIN inventory.fulfillment_center fc ON fc.id = s.fulfillment_center_id
			WHERE s.sku = ANY($1)
			ORDER BY s.sku, fc.code`, skus)
		br := tx.SendBatch(ctx, b)
		defer br.Close()
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("lock order: %w", err)
		}
		rows, _ := br.Query()
		existing, _, err := readOrderHolds(rows)
		if err != nil {
			return err
		}
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("lock stock: %w", err)
		}
		rows, _ = br.Query()
		stock, err := pgx.CollectRows(rows, pgx.RowToStructByName[hotStockRow])
		if err != nil {
			return fmt.Errorf("read stock: %w", err)
		}
		if err := br.Close(); err != nil {
			return err
		}

		prior := make([]inventory.Hold, len(existing))
		for i, h := range existing {
			prior[i] = h.Hold
		}
		if out, err = inventory.ExistingHolds(req, prior, time.Now()); out != nil || err != nil {
			return err
		}
		var hot []string
		bySKU := make(map[string][]inventory.CenterStock, len(skus))
		for _, r := range stock {
			if r.Hot {
				if len(hot) == 0 || hot[len(hot)-1] != r.SKU {
					hot = append(hot, r.SKU)
				}
				continue
			}
			bySKU[r.SKU] = append(bySKU[r.SKU], r.stock())
		}
		if len(hot) > 0 {
			return &inventory.HotSKUsError{SKUs: hot}
		}
		avail := make([]inventory.Availability, len(skus))
		for i, sku := range skus {
			avail[i] = inventory.Availability{SKU: sku, Centers: bySKU[sku]}
		}
		allocs, err := inventory.Allocate(req.Lines, avail, req.ShipTo)
		if err != nil {
			return err
		}
		ids := make([]string, len(allocs))
		holdSKUs := make([]string, len(allocs))
		centers := make([]string, len(allocs))
		quantities := make([]int32, len(allocs))
		for i, a := range allocs {
			ids[i], holdSKUs[i], centers[i], quantities[i] = ulid.Make().String(), a.SKU, a.FulfillmentCenterID, int32(a.Quantity)
		}
		// The holds and their StockChanged events, in one statement.
		events, err := stockEvents(holdSKUs)
		if err != nil {
			return err
		}
		rows, _ = tx.Query(ctx, `
			WITH h AS (
				INSERT INTO inventory.hold (id, order_id, sku, fulfillment_center_id, quantity, expires_at)
				SELECT id, $2, sku, center, quantity, now() + $6 * interval '1 microsecond'
				FROM unnest($1::text[], $3::text[], $4::text[], $5::int[]) AS l (id, sku, center, quantity)
				RETURNING `+holdColumns+`
			), e AS (`+Outbox.InsertAll(7)+`)
			SELECT `+holdColumns+` FROM h`,
			append([]any{ids, req.OrderID, holdSKUs, centers, quantities, req.TTL.Microseconds()}, events...)...)
		created, err := pgx.CollectRows(rows, pgx.RowToStructByName[holdRow])
		if err != nil {
			return fmt.Errorf("insert holds: %w", err)
		}
		out = holds(created)
		return nil
	})
	if err != nil {
		return nil, wrapReservation("reserve", req.OrderID, err)
	}
	return out, nil
}

// wrapReservation adds context to system failures and passes expected outcomes as they are.
func wrapReservation(op, orderID string, err error) error {
	var (
		oos   *inventory.OutOfStockError
		state *inventory.HoldStateError
		hot   *inventory.HotSKUsError
		input *inventory.InputError
	)
	if errors.As(err, &oos) || errors.As(err, &state) || errors.As(err, &hot) || errors.As(err, &input) {
		return err
	}
	return fmt.Errorf("%s holds of order %s: %w", op, orderID, err)
}

// settleable reads, under the order's lock, the order's holds of SKUs that are not hot and
// whether any SKU is hot.
func settleable(ctx context.Context, tx pgx.Tx, orderID string) ([]orderHold, bool, error) {
	b := &pgx.Batch{}
	b.Queue(lockOrder, orderID)
	b.Queue(orderHolds, orderID)
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	if _, err := br.Exec(); err != nil {
		return nil, false, fmt.Errorf("lock order: %w", err)
	}
	rows, _ := br.Query()
	all, anyHot, err := readOrderHolds(rows)
	if err != nil {
		return nil, false, err
	}
	var out []orderHold
	for _, h := range all {
		if !h.Hot {
			out = append(out, h)
		}
	}
	return out, anyHot, br.Close()
}

// ConfirmHolds turns the order's active holds into decrements of stock on hand, in one
// transaction, under locks on the stock rows.
func (s *Store) ConfirmHolds(ctx context.Context, orderID string) (inventory.Settled, error) {
	if err := inventory.ValidateOrderID("orderId", orderID); err != nil {
		return inventory.Settled{}, err
	}
	var out []inventory.Hold
	var anyHot bool
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var hs []orderHold
		var err error
		if hs, anyHot, err = settleable(ctx, tx, orderID); err != nil {
			return err
		}
		var active, skus []string
		now := time.Now()
		for _, h := range hs {
			switch {
			case h.Status == inventory.HoldReleased:
				return &inventory.HoldStateError{Code: inventory.CodeHoldsReleased, OrderID: orderID,
					Message: fmt.Sprintf("the holds of order %s were released and cannot be confirmed", orderID)}
			case h.Status == inventory.HoldActive && !h.ExpiresAt.After(now):
				return expired(orderID)
			case h.Status == inventory.HoldActive:
				active = append(active, h.ID)
				skus = append(skus, h.SKU)
			}
			out = append(out, h.Hold)
		}
		if len(active) == 0 {
			return nil // nothing, or confirmed before
		}
		b := &pgx.Batch{}
		b.Queue(lockStock, skus)
		// The status is a parameter ($3, ACTIVE) so that the generic plan of the money path's
		// pool cannot match the partial indexes of active holds, which the planner sees as
		// nearly empty and would scan whole, dead entries and all: the holds are found by id.
		b.Queue(`
			WITH c AS (
				UPDATE inventory.hold SET status = 'CONFIRMED', updated_at = now()
				WHERE id = ANY($1) AND status = $3 AND expires_at > now()
				  AND NOT EXISTS (SELECT 1 FROM inventory.hot_sku hs WHERE hs.sku = hold.sku)
				RETURNING sku, fulfillment_center_id, quantity
			), d AS (
				UPDATE inventory.stock s SET on_hand = s.on_hand - c.quantity, updated_at = now()
				FROM c
				WHERE s.sku = c.sku AND s.fulfillment_center_id = c.fulfillment_center_id
				RETURNING 1
			)
			SELECT (SELECT count(*) FROM c) AS holds, (SELECT count(*) FROM d) AS stock,
			       (SELECT count(*) FROM inventory.hot_sku WHERE sku = ANY($2)) AS went_hot`, active, skus, inventory.HoldActive)
		br := tx.SendBatch(ctx, b)
		defer br.Close()
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("lock stock: %w", err)
		}
		var confirmed, decremented, wentHot int
		if err := br.QueryRow().Scan(&confirmed, &decremented, &wentHot); err != nil {
			return fmt.Errorf("confirm holds: %w", err)
		}
		switch {
		case wentHot > 0:
			// A SKU moved to the flash-sale path, holds included, between the read and the
			// locks; confirming again finds the holds there.
			return inventory.ErrReservationBusy
		case confirmed != len(active) || decremented != len(active):
			return expired(orderID) // a hold expired between the read and the locks
		}
		for i := range out {
			out[i].Status = inventory.HoldConfirmed
		}
		return br.Close()
	})
	if err != nil {
		return inventory.Settled{}, wrapReservation("confirm", orderID, err)
	}
	return inventory.Settled{Holds: out, FlashMayHold: anyHot}, nil
}

func expired(orderID string) error {
	return &inventory.HoldStateError{Code: inventory.CodeHoldsExpired, OrderID: orderID,
		Message: fmt.Sprintf("the holds of order %s expired before they were confirmed", orderID)}
}

// ReleaseHolds releases the order's active holds. Holds count against availability only while
// active, so releasing needs no lock on stock.
func (s *Store) ReleaseHolds(ctx context.Context, orderID string) (inventory.Settled, error) {
	if err := inventory.ValidateOrderID("orderId", orderID); err != nil {
		return inventory.Settled{}, err
	}
	var out []inventory.Hold
	var anyHot bool
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var hs []orderHold
		var err error
		if hs, anyHot, err = settleable(ctx, tx, orderID); err != nil {
			return err
		}
		var active, skus []string
		for _, h := range hs {
			switch h.Status {
			case inventory.HoldConfirmed:
				return &inventory.HoldStateError{Code: inventory.CodeHoldsConfirmed, OrderID: orderID,
					Message: fmt.Sprintf("the holds of order %s were confirmed; return the units instead", orderID)}
			case inventory.HoldActive:
				active = append(active, h.ID)
				skus = append(skus, h.SKU)
			}
			h.Status = inventory.HoldReleased
			out = append(out, h.Hold)
		}
		if len(active) == 0 {
			return nil
		}
		if _, err = tx.Exec(ctx, `
			UPDATE inventory.hold SET status = 'RELEASED', updated_at = now()
			WHERE id = ANY($1) AND status = $2`, active, inventory.HoldActive); err != nil { // by id: see ConfirmHolds
			return err
		}
		return announceStock(ctx, tx, skus)
	})
	if err != nil {
		return inventory.Settled{}, wrapReservation("release", orderID, err)
	}
	return inventory.Settled{Holds: out, FlashMayHold: anyHot}, nil
}

// Holds lists every hold of the order, ordered by SKU.
func (s *Store) Holds(ctx context.Context, orderID string) ([]inventory.Hold, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+holdColumns+` FROM inventory.hold WHERE order_id = $1 ORDER BY sku`, orderID)
	hs, err := pgx.CollectRows(rows, pgx.RowToStructByName[holdRow])
	if err != nil {
		return nil, fmt.Errorf("read holds of order %s: %w", orderID, err)
	}
	return holds(hs), nil
}

// expireBatch bounds one sweeping statement, so that a backlog never holds locks for long.
const expireBatch = 1000

// ExpireHolds releases active holds of SKUs that are not hot that expired by asOf. Holds being
// confirmed right now are skipped (SKIP LOCKED) and looked at again by the next sweep.
func (s *Store) ExpireHolds(ctx context.Context, asOf time.Time) (int, error) {
	total := 0
	for {
		var released int
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			rows, _ := tx.Query(ctx, `
				UPDATE inventory.hold SET status = 'RELEASED', updated_at = now()
				WHERE id IN (
					SELECT id FROM inventory.hold h
					WHERE active_until <= $1 -- hold_active_until: active and past expires_at
					  AND NOT EXISTS (SELECT 1 FROM inventory.hot_sku hs WHERE hs.sku = h.sku)
					ORDER BY active_until
					LIMIT $2
					FOR UPDATE SKIP LOCKED
				) AND status = 'ACTIVE'
				RETURNING sku`, asOf, expireBatch)
			skus, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return err
			}
			released = len(skus)
			return announceStock(ctx, tx, skus)
		})
		if err != nil {
			return total, fmt.Errorf("release expired holds: %w", err)
		}
		total += released
		if released < expireBatch {
			return total, nil
		}
	}
}

// announceStock writes one StockChanged event per distinct SKU in tx, in one statement: the
// units a shopper can buy changed.
func announceStock(ctx context.Context, tx pgx.Tx, skus []string) error {
	args, err := stockEvents(skus)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, Outbox.InsertAll(1), args...); err != nil {
		return fmt.Errorf("announce stock of %d SKUs: %w", len(skus), err)
	}
	return nil
}

// stockEvents are the InsertAll parameters of one StockChanged event per distinct SKU.
func stockEvents(skus []string) ([]any, error) {
	seen := make(map[string]bool, len(skus))
	var events []outbox.Event
	for _, sku := range skus {
		if !seen[sku] {
			seen[sku] = true
			events = append(events, outbox.Event{Type: EventStockChanged, Key: sku, Payload: map[string]any{"sku": sku}})
		}
	}
	return Outbox.ArgsAll(events)
}
