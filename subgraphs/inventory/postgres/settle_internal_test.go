package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/inventory"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
)

// confirmHolds changes nothing and reports the order as moved when the holds it would confirm
// are not those the batch locked: a SKU that went hot after its hold was locked, or a hold of a
// SKU that went cold (or appeared) after the locks were chosen. Which holds were locked is set
// here by hand, as lockConfirming would have recorded it.
func TestConfirmRefusesHoldsItDidNotLock(t *testing.T) {
	pool := pgtest.NewPool(t, func(c *pgxpool.Config) {
		c.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
	}, Domain)
	ctx := context.Background()
	center := ulid.Make().String()
	mustExec := func(sql string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("exec %q: %v", sql, err)
		}
	}
	mustExec(`INSERT INTO inventory.fulfillment_center (id, code, name, latitude, longitude) VALUES ($1, 'NL-RTM', 'Rotterdam', 51.9, 4.4)`, center)
	mustExec(`INSERT INTO inventory.stock (sku, fulfillment_center_id, on_hand) VALUES ('GATE', $1, 10)`, center)

	tests := []struct {
		name   string
		locked func(holdID string) string // the ids lockConfirming recorded
		hot    bool
		moved  bool
	}{
		{"locked and cold: confirmed", func(id string) string { return id }, false, false},
		{"went cold after the locks", func(string) string { return "" }, false, true},
		{"went hot after the locks", func(id string) string { return id }, true, true},
		{"hot and not locked: left to the flash-sale path", func(string) string { return "" }, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			order, holdID := ulid.Make().String(), ulid.Make().String()
			mustExec(`DELETE FROM inventory.hot_sku`)
			mustExec(`UPDATE inventory.stock SET on_hand = 10`)
			mustExec(`INSERT INTO inventory.hold (id, order_id, sku, fulfillment_center_id, quantity, expires_at)
				VALUES ($1, $2, 'GATE', $3, 2, now() + interval '1 hour')`, holdID, order, center)
			if tt.hot {
				mustExec(`INSERT INTO inventory.hot_sku (sku) VALUES ('GATE')`)
			}
			b := &pgx.Batch{}
			b.Queue(`SELECT set_config('inventory.confirming', $1, true)`, tt.locked(holdID))
			b.Queue(confirmHolds, order, inventory.HoldActive)
			br := pool.SendBatch(ctx, b)
			if _, err := br.Exec(); err != nil {
				t.Fatal(err)
			}
			rows, _ := br.Query()
			_, flags, err := readSettled(rows)
			if err != nil {
				t.Fatal(err)
			}
			if err := br.Close(); err != nil {
				t.Fatal(err)
			}
			confirmed := !tt.moved && !tt.hot
			if flags.Moved != tt.moved || (flags.Changed > 0) != confirmed {
				t.Errorf("moved = %v, changed %d; want moved %v, confirmed %v", flags.Moved, flags.Changed, tt.moved, confirmed)
			}
			var status string
			var onHand int
			if err := pool.QueryRow(ctx, `SELECT h.status, s.on_hand FROM inventory.hold h
				JOIN inventory.stock s USING (sku, fulfillment_center_id) WHERE h.id = $1`, holdID).Scan(&status, &onHand); err != nil {
				t.Fatal(err)
			}
			want, wantOnHand := inventory.HoldActive, 10
			if confirmed {
				want, wantOnHand = inventory.HoldConfirmed, 8
			}
			if status != want || onHand != wantOnHand {
				t.Errorf("hold %s with %d on hand, want %s with %d", status, onHand, want, wantOnHand)
			}
		})
	}
}

// The ids eventID derives from one base are ULIDs of the base's time, distinct, and in the
// order of n.
func TestEventIDs(t *testing.T) {
	pool := pgtest.NewPool(t, nil)
	base := eventIDBase()
	rows, _ := pool.Query(context.Background(), `SELECT `+eventID(1, "n")+` FROM generate_series(0, 40000, 997) n ORDER BY n`, base)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	want := ulid.MustParse(base).Time()
	for i, id := range ids {
		u, err := ulid.ParseStrict(id)
		if err != nil || u.Time() != want {
			t.Fatalf("id %d = %q (%v), want a ULID of the base's time %v", i, id, err, time.UnixMilli(int64(want)))
		}
		if i > 0 && id <= ids[i-1] {
			t.Fatalf("ids out of order: %q after %q", id, ids[i-1])
		}
	}
}
