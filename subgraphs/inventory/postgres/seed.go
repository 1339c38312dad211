package postgres

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shopgraph/shopgraph/subgraphs/inventory"
)

// seedCenters are the demo store's fulfillment centers, coded by the nearest airport. Their
// ids are fixed so that a seeded store is the same on every machine.
var seedCenters = [...]inventory.FulfillmentCenter{
	{ID: "01KE6P4YM0YFZMTH8Y8AF1G8GN", Code: "DE-LEJ", Name: "Leipzig Schkeuditz", Latitude: 51.4239, Longitude: 12.2364},
	{ID: "01KE6P4YM1NBQ0D8PP9DPHNBE9", Code: "ES-MAD", Name: "Madrid San Fernando de Henares", Latitude: 40.4242, Longitude: -3.5350},
	{ID: "01KE6P4YM2WM1HWJWSQW8TW2KS", Code: "FR-LYS", Name: "Lyon Saint-Priest", Latitude: 45.6960, Longitude: 4.9436},
	{ID: "01KE6P4YM3DTY49J2ZT5TBZK7M", Code: "IT-MXP", Name: "Milan Castel San Giovanni", Latitude: 45.0590, Longitude: 9.4340},
	{ID: "01KE6P4YM47JTZARED010EGNK2", Code: "NL-RTM", Name: "Rotterdam Waalhaven", Latitude: 51.8860, Longitude: 4.4310},
	{ID: "01KE6P4YM514W5RSG1VPSZR53J", Code: "PL-POZ", Name: "Poznań Sady", Latitude: 52.4370, Longitude: 16.7760},
}

const (
	// seedKey makes every SKU's stock depend only on the SKU, not on its position or chunk.
	seedKey = 0x5eed_1a7e_5c0c_0001
	// seedChunk is how many SKUs one COPY carries; progress is reported after each.
	seedChunk = 50_000
	// seedOutOfStockPercent of SKUs are sold out everywhere.
	seedOutOfStockPercent = 10
)

// IsSeeded reports whether the store already holds stock, so that seeding never doubles it.
func IsSeeded(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	var seeded bool
	if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM inventory.stock)`).Scan(&seeded); err != nil {
		return false, fmt.Errorf("check inventory seed: %w", err)
	}
	return seeded, nil
}

// Seed fills an empty store with the demo fulfillment centers and stock for skus: each SKU is
// stocked in 1 to 3 centers, and about 10% are sold out (a single row with nothing on hand).
// The stock of a SKU depends only on the SKU, so every run gives the same data. It runs in one
// transaction, so an interrupted seed leaves nothing behind, and does nothing when the store
// already holds stock. progress is called with the number of SKUs done after each chunk.
func Seed(ctx context.Context, pool *pgxpool.Pool, skus []string, progress func(done int)) error {
	for i, sku := range skus {
		if err := inventory.ValidateSKU("sku", sku); err != nil {
			return fmt.Errorf("seed sku %d %q: %w", i, sku, err)
		}
	}
	if err := seed(ctx, pool, skus, progress); err != nil {
		return err
	}
	// Without statistics the planner would scan millions of fresh rows for a batch of SKUs
	// until autovacuum gets round to them.
	if _, err := pool.Exec(ctx, `ANALYZE inventory.fulfillment_center, inventory.stock`); err != nil {
		return fmt.Errorf("analyze seeded stock: %w", err)
	}
	return nil
}

func seed(ctx context.Context, pool *pgxpool.Pool, skus []string, progress func(done int)) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		// Concurrent seeders (several replicas starting at once) wait here, then see the stock.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('inventory.seed'))`); err != nil {
			return fmt.Errorf("lock inventory seed: %w", err)
		}
		var seeded bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM inventory.stock)`).Scan(&seeded); err != nil {
			return fmt.Errorf("check inventory seed: %w", err)
		}
		if seeded {
			return nil
		}
		for _, c := range &seedCenters {
			if _, err := tx.Exec(ctx, `
				INSERT INTO inventory.fulfillment_center (id, code, name, latitude, longitude)
				VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (id) DO NOTHING`, c.ID, c.Code, c.Name, c.Latitude, c.Longitude); err != nil {
				return fmt.Errorf("seed fulfillment center %s: %w", c.Code, err)
			}
		}
		for start := 0; start < len(skus); start += seedChunk {
			chunk := skus[start:min(start+seedChunk, len(skus))]
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"inventory", "stock"},
				[]string{"sku", "fulfillment_center_id", "on_hand"}, newSeedRows(chunk)); err != nil {
				return fmt.Errorf("seed stock of skus %d..%d: %w", start, start+len(chunk), err)
			}
			if progress != nil {
				progress(start + len(chunk))
			}
		}
		return nil
	})
}

// seedRows generates the stock rows of a chunk of SKUs as COPY reads them, so a chunk is
// never held in memory as rows.
type seedRows struct {
	skus    []string
	next    int       // index of the next SKU to expand
	pending []seedRow // rows of the SKU being copied
	at      int       // index in pending of the current row
	row     []any
	pcg     *rand.PCG
	rng     *rand.Rand
}

type seedRow struct {
	sku      string
	centerID string
	onHand   int32
}

func newSeedRows(skus []string) *seedRows {
	pcg := rand.NewPCG(0, seedKey)
	return &seedRows{skus: skus, pcg: pcg, rng: rand.New(pcg), row: make([]any, 3)}
}

func (s *seedRows) Next() bool {
	s.at++
	if s.at >= len(s.pending) {
		if s.next == len(s.skus) {
			return false
		}
		s.pending = s.expand(s.skus[s.next], s.pending[:0])
		s.at = 0
		s.next++
	}
	r := s.pending[s.at]
	s.row[0], s.row[1], s.row[2] = r.sku, r.centerID, r.onHand
	return true
}

func (s *seedRows) Values() ([]any, error) { return s.row, nil }

func (s *seedRows) Err() error { return nil }

// expand appends the stock rows of one SKU to rows.
func (s *seedRows) expand(sku string, rows []seedRow) []seedRow {
	h := fnv.New64a()
	_, _ = h.Write([]byte(sku))
	s.pcg.Seed(h.Sum64(), seedKey)
	rng := s.rng

	if rng.IntN(100) < seedOutOfStockPercent {
		c := seedCenters[rng.IntN(len(seedCenters))]
		return append(rows, seedRow{sku: sku, centerID: c.ID, onHand: 0})
	}
	// Pick 1-3 distinct centers with a partial Fisher-Yates shuffle over their indexes.
	var order [len(seedCenters)]int
	for i := range order {
		order[i] = i
	}
	n := 1 + rng.IntN(3)
	for i := range n {
		j := i + rng.IntN(len(order)-i)
		order[i], order[j] = order[j], order[i]
		// Most SKUs have a few dozen units; some have a few hundred.
		onHand := 1 + rng.IntN(40)
		if rng.IntN(5) == 0 {
			onHand += rng.IntN(400)
		}
		rows = append(rows, seedRow{sku: sku, centerID: seedCenters[order[i]].ID, onHand: int32(onHand)})
	}
	return rows
}
