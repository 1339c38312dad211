package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs/rowscan"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/inventory"
)

// Locking order, the same everywhere, so that reservations never deadlock: the order's advisory
// lock first (it serialises reserve, confirm and release of one order), then stock rows sorted
// by (sku, fulfillment center), each with the order's hold on it when confirming. A hold is
// only taken or confirmed while the stock rows it counts against are locked; the sweeper skips
// locked holds.
//
// Reserve (its write), confirm and release are each one pgx batch: one round trip and one
// implicit transaction (a single Sync: a failing statement skips the rest and rolls all back),
// whose locks are held only while Postgres runs it, never while Go decides. In READ COMMITTED
// each statement of a batch takes its snapshot when it starts, so the statement after the
// locks sees every change committed by the transactions they waited for, and decides there
// whether the change is still allowed: if not, it writes nothing (its writes are gated on one
// condition) and Go explains the refusal from what it returns, or, for a reservation, reads
// and decides again.

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

type holdRow struct {
	ID        string
	OrderID   string
	SKU       string
	CenterID  string
	Quantity  int
	Status    string
	ExpiresAt time.Time
}

var holdScan = rowscan.Columns[holdRow]{
	Names: []string{"id", "order_id", "sku", "fulfillment_center_id", "quantity", "status", "expires_at"},
	Fields: func(r *holdRow) []any {
		return []any{&r.ID, &r.OrderID, &r.SKU, &r.CenterID, &r.Quantity, &r.Status, &r.ExpiresAt}
	},
}

// holdColumns is the select list of a holdRow.
var holdColumns = holdScan.List()

func (r holdRow) hold() inventory.Hold {
	return inventory.Hold{ID: r.ID, OrderID: r.OrderID, SKU: r.SKU, FulfillmentCenterID: r.CenterID,
		Quantity: r.Quantity, Status: r.Status, ExpiresAt: r.ExpiresAt}
}

func readHolds(rows pgx.Rows) ([]holdRow, error) { return holdScan.Collect(rows) }

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

// optionalHold is a hold's columns (those of a holdRow) on the outer side of a join: all null
// when there is none.
type optionalHold struct {
	ID, OrderID, SKU, CenterID, Status pgtype.Text
	Quantity                           pgtype.Int4
	ExpiresAt                          pgtype.Timestamptz
}

func (o *optionalHold) fields() []any {
	return []any{&o.ID, &o.OrderID, &o.SKU, &o.CenterID, &o.Quantity, &o.Status, &o.ExpiresAt}
}

// hold is the hold, and false when the columns were null.
func (o optionalHold) hold() (inventory.Hold, bool) {
	if !o.ID.Valid {
		return inventory.Hold{}, false
	}
	return inventory.Hold{ID: o.ID.String, OrderID: o.OrderID.String, SKU: o.SKU.String, FulfillmentCenterID: o.CenterID.String,
		Quantity: int(o.Quantity.Int32), Status: o.Status.String, ExpiresAt: o.ExpiresAt.Time}, true
}

// orderHoldRow is a row of orderHolds; the hold's columns are null when the order has none.
type orderHoldRow struct {
	AnyHot bool
	optionalHold
	Hot bool
}

var orderHoldScan = rowscan.Columns[orderHoldRow]{
	Names: rowscan.Concat([]string{"any_hot"}, holdScan.Names, []string{"hot"}),
	Fields: func(r *orderHoldRow) []any {
		return rowscan.Concat([]any{&r.AnyHot}, r.optionalHold.fields(), []any{&r.Hot})
	},
}

// orderHold is a hold with whether its SKU is hot now.
type orderHold struct {
	inventory.Hold
	Hot bool
}

// readOrderHolds collects the rows of orderHolds.
func readOrderHolds(rows pgx.Rows) (holds []orderHold, anyHot bool, err error) {
	all, err := orderHoldScan.Collect(rows)
	if err != nil {
		return nil, false, fmt.Errorf("read holds of the order: %w", err)
	}
	for _, r := range all {
		anyHot = r.AnyHot
		if h, ok := r.hold(); ok {
			holds = append(holds, orderHold{Hot: r.Hot, Hold: h})
		}
	}
	return holds, anyHot, nil
}

// hotStockRow is a stock row with whether its SKU is on the flash-sale path: a row of
// stockWithHolds.
type hotStockRow struct {
	stockRow
	Hot bool
}

var hotStockScan = rowscan.Columns[hotStockRow]{
	Names: rowscan.Concat(stockScan.Names, []string{"hot"}),
	Fields: func(r *hotStockRow) []any {
		return append(stockScan.Fields(&r.stockRow), &r.Hot)
	},
}

func readStock(rows pgx.Rows) ([]hotStockRow, error) { return hotStockScan.Collect(rows) }

// reservePasses bounds how often ReserveHolds reads and decides again after its write was
// refused because what it decided on moved: each refusal means a chosen row ran short (or the
// order or a SKU's path changed), so four passes cover a SKU selling out at three centers.
const reservePasses = 4

// ReserveHolds takes the holds of a request on the Postgres path, all lines or none, in two
// round trips in the common case: a read without locks on which Go decides (reserveRead), then
// one batch that locks what was chosen and writes it only if the decision still stands in a
// snapshot taken under the locks (writeHolds). When it does not, it reads and decides again.
func (s *Store) ReserveHolds(ctx context.Context, req inventory.ReserveRequest) ([]inventory.Hold, error) {
	req, err := req.Normalize()
	if err != nil {
		return nil, err
	}
	for range reservePasses {
		d, err := s.reserveRead(ctx, req)
		if err != nil || d.allocs == nil {
			return d.held, wrapReservation("reserve", req.OrderID, err)
		}
		created, err := s.writeHolds(ctx, req, d)
		if err != nil || created != nil {
			return created, wrapReservation("reserve", req.OrderID, err)
		}
	}
	return nil, wrapReservation("reserve", req.OrderID, inventory.ErrReservationBusy)
}

// reservation is what one pass decided: the holds the order has already (held), or the
// allocations to hold (allocs) and the order's holds as read (seen) for the write to check.
type reservation struct {
	held   []inventory.Hold
	allocs []inventory.Allocation
	seen   []string // "<id> <status>" of each hold of the order
}

// stockWithHolds reads the stock rows of the SKUs with their centers, the units active
// holds set aside there and whether each SKU is hot.
const stockWithHolds = `
	SELECT s.sku, s.on_hand, s.updated_at, ` + heldUnits + ` AS held,
	       fc.id, fc.code, fc.name, fc.latitude, fc.longitude,
	       EXISTS (SELECT 1 FROM inventory.hot_sku hs WHERE hs.sku = s.sku) AS hot
	FROM inventory.stock s
	JOIN inventory.fulfillment_center fc ON fc.id = s.fulfillment_center_id
	WHERE s.sku = ANY($1)
	ORDER BY s.sku, fc.code`

// reserveRead reads the order's holds and the SKUs' stock in one round trip, without locks,
// and decides as a reservation under locks would: the existing holds, a refusal, or where to
// hold each line.
func (s *Store) reserveRead(ctx context.Context, req inventory.ReserveRequest) (reservation, error) {
	skus := req.SKUs()
	b := &pgx.Batch{}
	b.Queue(orderHolds, req.OrderID)
	b.Queue(stockWithHolds, skus)
	br := s.pool.SendBatch(ctx, b)
	defer br.Close()
	rows, _ := br.Query()
	existing, _, err := readOrderHolds(rows)
	if err != nil {
		return reservation{}, err
	}
	rows, _ = br.Query()
	stock, err := readStock(rows)
	if err != nil {
		return reservation{}, fmt.Errorf("read stock: %w", err)
	}
	if err := br.Close(); err != nil {
		return reservation{}, err
	}

	var d reservation
	prior := make([]inventory.Hold, len(existing))
	d.seen = make([]string, len(existing))
	for i, h := range existing {
		prior[i] = h.Hold
		d.seen[i] = h.ID + " " + h.Status
	}
	if d.held, err = inventory.ExistingHolds(req, prior, time.Now()); d.held != nil || err != nil {
		return d, err
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
		return d, &inventory.HotSKUsError{SKUs: hot}
	}
	avail := make([]inventory.Availability, len(skus))
	for i, sku := range skus {
		avail[i] = inventory.Availability{SKU: sku, Centers: bySKU[sku]}
	}
	d.allocs, err = inventory.Allocate(req.Lines, avail, req.ShipTo)
	return d, err
}

// lockOrderAndChosenStock takes the order's lock, then locks the stock rows of (sku, center)
// pairs ($2, $3) in the global order: one statement for both, in that order. The order's lock
// is an InitPlan (a one-time filter over the rows to lock), so it is taken before any row is
// read, let alone locked. Its snapshot predates the order's lock, which is harmless here: the
// rows are found by key and existed when reserveRead saw them, and FOR UPDATE locks their
// newest version. Like lockStock it returns nothing: the next statement of the batch, whose
// snapshot is taken after both locks, reads the rows afresh.
const lockOrderAndChosenStock = `
	WITH o AS MATERIALIZED (
		SELECT pg_advisory_xact_lock(hashtextextended('inventory.order:' || $1, 0))
	)
	SELECT 1 FROM inventory.stock
	WHERE EXISTS (SELECT FROM o)
	  AND (sku, fulfillment_center_id) IN (SELECT * FROM unnest($2::text[], $3::text[]))
	ORDER BY sku, fulfillment_center_id
	FOR UPDATE`

// insertHolds writes the holds ($1 ids, $3 SKUs, $4 centers, $5 quantities) of order $2 for
// $6 µs and their StockChanged events (from $8) only if, in its snapshot, which starts after
// the locks, the decision still stands: the order's holds are those Go saw ($7), no SKU is
// hot and every chosen row still has the units. It returns the holds, none when refused.
var insertHolds = `
	WITH l AS (
		SELECT * FROM unnest($1::text[], $3::text[], $4::text[], $5::int[]) AS l (id, sku, center, quantity)
	), seen AS (
		SELECT coalesce(array_agg(h.id || ' ' || h.status), '{}') AS holds
		FROM inventory.hold h
		WHERE h.order_id = $2
	), ok AS (
		SELECT seen.holds @> $7::text[] AND seen.holds <@ $7::text[]
		   AND NOT EXISTS (SELECT 1 FROM inventory.hot_sku hs WHERE hs.sku = ANY($3))
		   AND NOT EXISTS (
			SELECT 1 FROM l
			LEFT JOIN inventory.stock s ON s.sku = l.sku AND s.fulfillment_center_id = l.center
			WHERE s.sku IS NULL OR s.on_hand - ` + heldUnits + ` < l.quantity) AS ok
		FROM seen
	), h AS (
		INSERT INTO inventory.hold (id, order_id, sku, fulfillment_center_id, quantity, expires_at)
		SELECT l.id, $2, l.sku, l.center, l.quantity, now() + $6 * interval '1 microsecond'
		FROM l
		WHERE (SELECT ok FROM ok)
		RETURNING ` + holdColumns + `
	), e AS (` + Outbox.InsertAll(8) + `
		WHERE EXISTS (SELECT 1 FROM h)
	)
	SELECT ` + holdColumns + ` FROM h`

// writeHolds takes the order's lock and the chosen stock rows' locks and inserts the holds if
// the decision still stands, all in one batch: one round trip and one implicit transaction,
// whose locks are held only while Postgres runs it. It returns nil holds when refused.
func (s *Store) writeHolds(ctx context.Context, req inventory.ReserveRequest, d reservation) ([]inventory.Hold, error) {
	n := len(d.allocs)
	ids, skus, centers, quantities := make([]string, n), make([]string, n), make([]string, n), make([]int32, n)
	for i, a := range d.allocs {
		ids[i], skus[i], centers[i], quantities[i] = ulid.Make().String(), a.SKU, a.FulfillmentCenterID, int32(a.Quantity)
	}
	events, err := stockEvents(skus)
	if err != nil {
		return nil, err
	}
	b := &pgx.Batch{}
	b.Queue(lockOrderAndChosenStock, req.OrderID, skus, centers)
	b.Queue(insertHolds, append([]any{ids, req.OrderID, skus, centers, quantities, req.TTL.Microseconds(), d.seen}, events...)...)
	br := s.pool.SendBatch(ctx, b)
	defer br.Close()
	if _, err := br.Exec(); err != nil {
		return nil, fmt.Errorf("lock order and stock: %w", err)
	}
	rows, _ := br.Query()
	created, err := readHolds(rows)
	if err != nil {
		return nil, fmt.Errorf("insert holds: %w", err)
	}
	if err := br.Close(); err != nil { // the implicit transaction commits here
		return nil, err
	}
	if len(created) == 0 {
		return nil, nil
	}
	return holds(created), nil
}

// wrapReservation adds context to system failures and passes expected outcomes (and nil) as
// they are.
func wrapReservation(op, orderID string, err error) error {
	var (
		oos   *inventory.OutOfStockError
		state *inventory.HoldStateError
		hot   *inventory.HotSKUsError
		input *inventory.InputError
	)
	if err == nil || errors.As(err, &oos) || errors.As(err, &state) || errors.As(err, &hot) || errors.As(err, &input) {
		return err
	}
	return fmt.Errorf("%s holds of order %s: %w", op, orderID, err)
}

// Holds lists every hold of the order, ordered by SKU.
func (s *Store) Holds(ctx context.Context, orderID string) ([]inventory.Hold, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+holdColumns+` FROM inventory.hold WHERE order_id = $1 ORDER BY sku`, orderID)
	hs, err := readHolds(rows)
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
