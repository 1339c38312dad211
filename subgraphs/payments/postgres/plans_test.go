package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shopgraph/shopgraph/subgraphs/payments/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
)

// The money path runs generic plans (plan_cache_mode = force_generic_plan), and the generic
// plan of "order_id = ANY($1)" depends on the table's size and statistics: a scan of the whole
// table when it holds a few hundred intents, a bitmap scan before it was first analyzed. The
// read of an order's payment must be an index probe per order in each of these states, and the
// read of its ledger (Payment.events) an index probe per intent.
func TestPaymentReadsProbeTheIndexUnderGenericPlans(t *testing.T) {
	pool := pgtest.NewPool(t, func(c *pgxpool.Config) {
		c.MaxConns = 1
		c.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
	}, postgres.Domain)
	ctx := context.Background()
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	for _, state := range []struct {
		name     string
		intents  int
		analyzed bool
	}{
		{"300 intents, never analyzed", 300, false},
		{"300 intents, analyzed", 300, true},
		{"3000 intents, statistics of 300", 3000, false},
		{"3000 intents, analyzed", 3000, true},
	} {
		// Hex digits are Crockford base32 digits, so these are ULIDs.
		exec(`INSERT INTO payments.intent (id, order_id, amount, currency, status, provider)
			SELECT '0' || lpad(upper(to_hex(n)), 25, '0'), '1' || lpad(upper(to_hex(n)), 25, '0'),
				1999, 'EUR', 'CAPTURED', 'simulated'
			FROM generate_series(1, $1::int) AS n
			ON CONFLICT DO NOTHING`, state.intents)
		exec(`INSERT INTO payments.ledger_entry (id, intent_id, order_id, operation, amount, currency, provider_reference)
			SELECT '2' || lpad(upper(to_hex(n)), 25, '0'), '0' || lpad(upper(to_hex(n)), 25, '0'), '1' || lpad(upper(to_hex(n)), 25, '0'),
				'CAPTURE', 1999, 'EUR', 'ch_' || n
			FROM generate_series(1, $1::int) AS n
			ON CONFLICT DO NOTHING`, state.intents)
		if state.analyzed {
			exec(`ANALYZE payments.intent`)
			exec(`ANALYZE payments.ledger_entry`)
		}
		if got := genericPlan(t, pool, postgres.LedgerByIntentSQL); strings.Contains(got, "Seq Scan on ledger_entry") ||
			!strings.Contains(got, "ledger_entry_by_intent") {
			t.Errorf("%s: generic plan of the ledger read is not an index probe per intent:\n%s", state.name, got)
		}
		if got := genericPlan(t, pool, postgres.IntentsByOrderSQL); strings.Contains(got, "Seq Scan") ||
			strings.Contains(got, "Bitmap") || !strings.Contains(got, "Index Scan using intent_order_id_key") {
			t.Errorf("%s: generic plan of the intent read is not an index probe per order:\n%s", state.name, got)
		}
	}
	// Each intent's entries once, in order, whatever the keys: repeated, unknown or several.
	exec(`INSERT INTO payments.ledger_entry (id, intent_id, order_id, operation, amount, currency, provider_reference, created_at)
		VALUES ('3000000000000000000000000A', '00000000000000000000000001', '10000000000000000000000001', 'REFUND', 500, 'EUR', 're_1', now() + interval '1 minute')`)
	ledger, err := postgres.NewStore(pool).LedgerByIntent(ctx, []string{"00000000000000000000000001", "7ZZZZZZZZZZZZZZZZZZZZZZZZZ", "00000000000000000000000001", "00000000000000000000000002"})
	if err != nil || len(ledger) != 2 || len(ledger["00000000000000000000000001"]) != 2 || len(ledger["00000000000000000000000002"]) != 1 ||
		ledger["00000000000000000000000001"][0].Operation != "CAPTURE" || ledger["00000000000000000000000001"][1].Operation != "REFUND" {
		t.Errorf("LedgerByIntent = %+v, %v; want two entries of the first intent (capture, refund) and one of the second", ledger, err)
	}
	// Each order once, whatever the keys: repeated, unknown or several.
	first, second := "10000000000000000000000001", "10000000000000000000000BB8"
	found, err := postgres.NewStore(pool).IntentsByOrder(ctx, []string{first, "7ZZZZZZZZZZZZZZZZZZZZZZZZZ", second, first})
	if err != nil || len(found) != 2 || found[first].OrderID != first || found[second].OrderID != second {
		t.Errorf("IntentsByOrder = %+v, %v; want the intents of %s and %s", found, err, first, second)
	}
}

// genericPlan is the plan Postgres caches for sql, a statement on one text[] parameter.
func genericPlan(t *testing.T, pool *pgxpool.Pool, sql string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `PREPARE read_intents(text[]) AS `+sql); err != nil {
		t.Fatal(err)
	}
	defer conn.Exec(ctx, `DEALLOCATE read_intents`)
	var out strings.Builder
	rows, _ := conn.Query(ctx, `EXPLAIN (COSTS OFF) EXECUTE read_intents('{10000000000000000000000001}')`)
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		out.WriteString(line + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}
