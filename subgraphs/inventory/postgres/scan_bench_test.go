package postgres

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/inventory"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
)

// BenchmarkScanCheckout measures reading the rows of the checkout's inventory statements (an
// order of three lines, each SKU stocked at two centers): the order's holds and the stock of
// reserveRead, the holds insertHolds returns and the rows confirmHolds returns.
func BenchmarkScanCheckout(b *testing.B) {
	pool := pgtest.NewPool(b, nil, Domain)
	ctx := context.Background()
	store := NewStore(pool)
	centers := []string{ulid.Make().String(), ulid.Make().String()}
	skus := []string{"SCAN-A", "SCAN-B", "SCAN-C"}
	if _, err := pool.Exec(ctx, `INSERT INTO inventory.fulfillment_center (id, code, name, latitude, longitude) VALUES
		($1, 'NL-RTM', 'Rotterdam Waalhaven', 51.886, 4.431), ($2, 'DE-LEJ', 'Leipzig Schkeuditz', 51.4239, 12.2364)`,
		centers[0], centers[1]); err != nil {
		b.Fatal(err)
	}
	req := inventory.ReserveRequest{OrderID: ulid.Make().String(), ShipTo: inventory.Location{Latitude: 52.37, Longitude: 4.90}}
	for _, sku := range skus {
		for _, c := range centers {
			if _, err := pool.Exec(ctx, `INSERT INTO inventory.stock (sku, fulfillment_center_id, on_hand) VALUES ($1, $2, 50)`, sku, c); err != nil {
				b.Fatal(err)
			}
		}
		req.Lines = append(req.Lines, inventory.ReserveLine{SKU: sku, Quantity: 2})
	}
	if _, err := store.ReserveHolds(ctx, req); err != nil {
		b.Fatal(err)
	}
	order := pgtest.Record(b, pool, orderHolds, req.OrderID)
	stock := pgtest.Record(b, pool, stockWithHolds, skus)
	held := pgtest.Record(b, pool, `SELECT `+holdColumns+` FROM inventory.hold WHERE order_id = $1 ORDER BY sku`, req.OrderID)
	tx, err := pool.Begin(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, lockConfirming, req.OrderID, inventory.HoldActive); err != nil {
		b.Fatal(err)
	}
	settled := pgtest.Record(b, tx, confirmHolds, req.OrderID, inventory.HoldActive)

	for _, bc := range []struct {
		name string
		rows *pgtest.Replay
		want int
		read func(pgx.Rows) (int, error)
	}{
		{"order-holds", order, 3, func(r pgx.Rows) (int, error) { hs, _, err := readOrderHolds(r); return len(hs), err }},
		{"stock", stock, 6, func(r pgx.Rows) (int, error) { s, err := readStock(r); return len(s), err }},
		{"holds", held, 3, func(r pgx.Rows) (int, error) { hs, err := readHolds(r); return len(hs), err }},
		{"settled", settled, 3, func(r pgx.Rows) (int, error) { hs, _, err := readSettled(r); return len(hs), err }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if n, err := bc.read(bc.rows.Rewind()); err != nil || n != bc.want {
					b.Fatalf("read %d rows (%v), want %d", n, err, bc.want)
				}
			}
		})
	}
}
