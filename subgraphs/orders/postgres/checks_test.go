package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// Each table of the money path keeps its rules in one CHECK (Postgres plans every CHECK of a
// table for each write), and the merged rules still refuse what each refused.
func TestOneCheckPerTableStillRefusesBadRows(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	rows, err := f.pool.Query(ctx, `
		SELECT conrelid::regclass::text, count(*) FROM pg_constraint
		WHERE contype = 'c' AND connamespace::regnamespace::text IN ('orders', 'payments', 'inventory', 'cart')
		GROUP BY 1 HAVING count(*) > 1`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var table string
		var n int
		if err := rows.Scan(&table, &n); err != nil {
			t.Fatal(err)
		}
		t.Errorf("%s has %d CHECK constraints, want one", table, n)
	}
	rows.Close()

	f.stock(t, "SKU-CHK", 5, 100)
	for name, sql := range map[string]string{
		"a payment of no money": `INSERT INTO payments.intent (id, order_id, amount, currency, status, provider)
			VALUES ('01JINTENT00000000000000001', '01JORDER000000000000000001', 0, 'EUR', 'REQUIRES_AUTHORIZATION', 'simulated')`,
		"a lower-case currency": `INSERT INTO payments.intent (id, order_id, amount, currency, status, provider)
			VALUES ('01JINTENT00000000000000002', '01JORDER000000000000000002', 100, 'eur', 'REQUIRES_AUTHORIZATION', 'simulated')`,
		"a hold of nothing": `INSERT INTO inventory.hold (id, order_id, sku, fulfillment_center_id, quantity, expires_at)
			VALUES ('01JHOLD0000000000000000001', 'o', 'SKU-CHK', '` + f.center + `', 0, now())`,
		"a cart at version 0": `INSERT INTO cart.cart (id, customer_id, currency, version)
			VALUES ('01JCART0000000000000000001', 'cus_1', 'EUR', 0)`,
	} {
		_, err := f.pool.Exec(ctx, sql)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "23514" {
			t.Errorf("%s: err = %v, want a check violation", name, err)
		}
	}
}
