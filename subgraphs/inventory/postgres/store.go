// Package postgres stores the inventory domain in the Postgres schema "inventory".
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs/rowscan"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shopgraph/shopgraph/subgraphs"
	"github.com/shopgraph/shopgraph/subgraphs/inventory"
	"github.com/shopgraph/shopgraph/subgraphs/outbox"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Domain is what the binary needs to migrate the inventory schema.
var Domain = subgraphs.Domain{
	Name:       "inventory",
	Schema:     "inventory",
	Migrations: subgraphs.EmbeddedMigrations(migrations, "migrations"),
}

// Outbox is the inventory domain's event outbox; the binary relays it to the bus.
var Outbox = outbox.New("inventory")

// EventStockChanged announces that the stock of a SKU changed; its key is the SKU.
const EventStockChanged = "StockChanged"

// Store reads and changes inventory in Postgres.
type Store struct {
	pool *pgxpool.Pool
}

// NewStore returns a Store on the pool.
func NewStore(pool *pgxpool.Pool) *Store {
	return &Store{pool: pool}
}

type centerRow struct {
	ID        string
	Code      string
	Name      string
	Latitude  float64
	Longitude float64
}

var centerScan = rowscan.Columns[centerRow]{
	Names: []string{"id", "code", "name", "latitude", "longitude"},
	Fields: func(r *centerRow) []any {
		return []any{&r.ID, &r.Code, &r.Name, &r.Latitude, &r.Longitude}
	},
}

func (r centerRow) center() inventory.FulfillmentCenter {
	return inventory.FulfillmentCenter{ID: r.ID, Code: r.Code, Name: r.Name, Latitude: r.Latitude, Longitude: r.Longitude}
}

// FulfillmentCenters lists every center, ordered by code.
func (s *Store) FulfillmentCenters(ctx context.Context) ([]inventory.FulfillmentCenter, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT id, code, name, latitude, longitude
		FROM inventory.fulfillment_center
		ORDER BY code`)
	centers, err := centerScan.Collect(rows)
	if err != nil {
		return nil, fmt.Errorf("list fulfillment centers: %w", err)
	}
	out := make([]inventory.FulfillmentCenter, len(centers))
	for i, c := range centers {
		out[i] = c.center()
	}
	return out, nil
}

// FulfillmentCentersByID returns the centers with the given ids in one query, keyed by id;
// unknown ids are absent from the map.
func (s *Store) FulfillmentCentersByID(ctx context.Context, ids []string) (map[string]inventory.FulfillmentCenter, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT id, code, name, latitude, longitude
		FROM inventory.fulfillment_center
		WHERE id = ANY($1)`, ids)
	centers, err := centerScan.Collect(rows)
	if err != nil {
		return nil, fmt.Errorf("load fulfillment centers: %w", err)
	}
	out := make(map[string]inventory.FulfillmentCenter, len(centers))
	for _, c := range centers {
		out[c.ID] = c.center()
	}
	return out, nil
}

// stockRow is a stock row with the units held there and its center.
type stockRow struct {
	SKU       string
	OnHand    int
	UpdatedAt time.Time
	Held      int64
	centerRow
}

var stockScan = rowscan.Columns[stockRow]{
	Names: rowscan.Concat([]string{"sku", "on_hand", "updated_at", "held"}, centerScan.Names),
	Fields: func(r *stockRow) []any {
		return rowscan.Concat([]any{&r.SKU, &r.OnHand, &r.UpdatedAt, &r.Held}, centerScan.Fields(&r.centerRow))
	},
}

func (r stockRow) stock() inventory.CenterStock {
	return inventory.CenterStock{Center: r.center(), OnHand: r.OnHand, Held: int(r.Held), UpdatedAt: r.UpdatedAt}
}

// heldUnits sums the active, unexpired holds of the stock row s; it runs on the partial index
// hold_active_by_stock.
const heldUnits = `
	COALESCE((
		SELECT sum(h.quantity)
		FROM inventory.hold h
		WHERE h.sku = s.sku
		  AND h.fulfillment_center_id = s.fulfillment_center_id
		  AND h.status = 'ACTIVE'
		  AND h.expires_at > now()
	), 0)`

// Availability returns the availability of each SKU in one query, in the order of skus, as
// Postgres has it, and whether each SKU is hot (a hot SKU's figures lag the flash-sale path by
// up to one flush; Reservations.Availability corrects them). A SKU without stock rows gets an
// Availability with no centers.
func (s *Store) Availability(ctx context.Context, skus []string) ([]inventory.Availability, error) {
	rows, _ := s.pool.Query(ctx, stockWithHolds, skus)
	stock, err := readStock(rows)
	if err != nil {
		return nil, fmt.Errorf("load availability of %d skus: %w", len(skus), err)
	}
	bySKU := make(map[string]inventory.Availability, len(skus))
	for _, r := range stock {
		a := bySKU[r.SKU]
		a.Centers = append(a.Centers, r.stock())
		a.Hot = a.Hot || r.Hot
		bySKU[r.SKU] = a
	}
	out := make([]inventory.Availability, len(skus))
	for i, sku := range skus {
		a := bySKU[sku]
		a.SKU = sku
		out[i] = a
	}
	return out, nil
}

// Restock adds units to the stock of a SKU at a center in one statement, so concurrent
// restocks of the same row serialise on its lock and never lose an update. It returns the
// stock after the change, or a *inventory.Rejection when the center does not exist or the
// stock would overflow.
func (s *Store) Restock(ctx context.Context, r inventory.Restock) (inventory.CenterStock, error) {
	if err := r.Validate(); err != nil {
		return inventory.CenterStock{}, err
	}
	var row stockRow
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `
			WITH s AS (
				INSERT INTO inventory.stock AS st (sku, fulfillment_center_id, on_hand, updated_at)
				VALUES ($1, $2, $3, now())
				ON CONFLICT (sku, fulfillment_center_id)
				DO UPDATE SET on_hand = st.on_hand + EXCLUDED.on_hand, updated_at = EXCLUDED.updated_at
				RETURNING sku, fulfillment_center_id, on_hand, updated_at
			)
			SELECT s.sku, s.on_hand, s.updated_at, `+heldUnits+` AS held,
			       fc.id, fc.code, fc.name, fc.latitude, fc.longitude
			FROM s
			JOIN inventory.fulfillment_center fc ON fc.id = s.fulfillment_center_id`,
			r.SKU, r.FulfillmentCenterID, r.Quantity)
		var err error
		if row, err = stockScan.One(rows); err != nil {
			return err
		}
		// Search and caches learn of the new stock from the event, published if this commits.
		return Outbox.Write(ctx, tx, outbox.Event{Type: EventStockChanged, Key: row.SKU,
			Payload: map[string]any{"sku": row.SKU, "fulfillmentCenterId": row.ID, "onHand": row.OnHand}})
	})
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == "23503" && pgErr.ConstraintName == "stock_fulfillment_center_id_fkey":
		return inventory.CenterStock{}, &inventory.Rejection{
			Code:    inventory.CodeUnknownFulfillmentCenter,
			Field:   "fulfillmentCenterId",
			Message: fmt.Sprintf("fulfillment center %s does not exist", r.FulfillmentCenterID),
		}
	case errors.As(err, &pgErr) && pgErr.Code == "22003": // integer out of range
		return inventory.CenterStock{}, &inventory.Rejection{
			Code:    inventory.CodeStockLimitExceeded,
			Field:   "quantity",
			Message: "the restock would take the stock on hand past the largest count the store can hold",
		}
	case err != nil:
		return inventory.CenterStock{}, fmt.Errorf("restock %s at %s: %w", r.SKU, r.FulfillmentCenterID, err)
	}
	return row.stock(), nil
}
