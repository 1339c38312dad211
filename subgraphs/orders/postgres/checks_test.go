package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/oklog/ulid/v2"
)

// A column of a rule test's row, as an SQL literal.
type col struct{ name, value string }

func lit(s string) string { return "'" + s + "'" }

func newID() string { return lit(ulid.Make().String()) }

const sha256Hash = `decode(repeat('ab', 32), 'hex')`

// ruleRow is a table of the money path: how to make a valid row of it (inserting the rows it
// refers to), and how many of its first columns identify the row for an UPDATE.
type ruleRow struct {
	key int
	row func(t *testing.T) []col
}

// Each rule of each table of the money path (a domain of the column, or the table's one CHECK
// for the invariants relating several columns or amounts) refuses a bad INSERT and, where the
// column can be updated, a bad UPDATE of a valid row, with a check violation naming the rule.
func TestOneCheckPerTableStillRefusesBadRows(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	rows, err := f.pool.Query(ctx, `
		SELECT conrelid::regclass::text, count(*) FROM pg_constraint
		WHERE contype = 'c' AND conrelid <> 0
		  AND connamespace::regnamespace::text IN ('orders', 'payments', 'inventory', 'cart')
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
		t.Errorf("%s has %d CHECK constraints, want at most one", table, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}

	f.stock(t, "SKU-CHK", 5, 100)
	insert := func(t *testing.T, table string, cols []col) error {
		names, values := make([]string, len(cols)), make([]string, len(cols))
		for i, c := range cols {
			names[i], values[i] = c.name, c.value
		}
		_, err := f.pool.Exec(ctx, fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", table,
			strings.Join(names, ", "), strings.Join(values, ", ")))
		return err
	}
	var tables map[string]ruleRow
	// parent inserts a valid row of table and returns its columns.
	parent := func(t *testing.T, table string) map[string]string {
		t.Helper()
		cols := tables[table].row(t)
		if err := insert(t, table, cols); err != nil {
			t.Fatalf("valid %s row refused: %v", table, err)
		}
		m := map[string]string{}
		for _, c := range cols {
			m[c.name] = c.value
		}
		return m
	}
	tables = map[string]ruleRow{
		"payments.intent": {1, func(*testing.T) []col {
			return []col{{"id", newID()}, {"order_id", newID()}, {"customer_id", lit("cus_1")}, {"amount", "1000"},
				{"currency", lit("EUR")}, {"status", lit("AUTHORIZED")}, {"provider", lit("simulated")},
				{"authorized_amount", "1000"}, {"captured_amount", "500"}, {"refunded_amount", "100"},
				{"pending_operation", lit("CAPTURE")}}
		}},
		"payments.operation": {2, func(t *testing.T) []col {
			in := parent(t, "payments.intent")
			return []col{{"order_id", in["order_id"]}, {"operation", lit("CAPTURE")}, {"request_hash", sha256Hash},
				{"amount", "500"}, {"currency", lit("EUR")}, {"status", lit("PENDING")}}
		}},
		"payments.ledger_entry": {1, func(t *testing.T) []col {
			in := parent(t, "payments.intent")
			return []col{{"id", newID()}, {"intent_id", in["id"]}, {"order_id", in["order_id"]},
				{"operation", lit("CAPTURE")}, {"amount", "500"}, {"currency", lit("EUR")}, {"provider_reference", lit("ref")}}
		}},
		"orders.idempotency_key": {2, func(*testing.T) []col {
			return []col{{"scope", lit("cus_1")}, {"key", newID()}, {"request_hash", sha256Hash},
				{"order_id", newID()}, {"expires_at", "now() + interval '1 day'"}}
		}},
		"orders.saga": {1, func(t *testing.T) []col {
			key := parent(t, "orders.idempotency_key")
			return []col{{"id", newID()}, {"scope", key["scope"]}, {"idempotency_key", key["key"]}, {"cart_id", newID()},
				{"step", lit("VALIDATED")}, {"forward_step", lit("VALIDATED")}, {"status", lit("RUNNING")},
				{"plan", lit("{}")}, {"locked_until", "now()"}}
		}},
		"orders.order": {1, func(t *testing.T) []col {
			saga := parent(t, "orders.saga")
			return []col{{"id", saga["id"]}, {"cart_id", saga["cart_id"]}, {"status", lit("PLACED")},
				{"currency", lit("EUR")}, {"subtotal", "900"}, {"shipping", "100"}, {"total", "1000"},
				{"delivery_option", lit("standard")}, {"shipping_address", lit("{}")}}
		}},
		"orders.order_line": {2, func(t *testing.T) []col {
			order := parent(t, "orders.order")
			return []col{{"order_id", order["id"]}, {"position", "1"}, {"sku", lit("SKU-1")},
				{"quantity", "2"}, {"unit_price", "450"}}
		}},
		"inventory.fulfillment_center": {1, func(*testing.T) []col {
			return []col{{"id", newID()}, {"code", newID()}, {"name", lit("Berlin")},
				{"latitude", "52.52"}, {"longitude", "13.40"}}
		}},
		"inventory.stock": {2, func(*testing.T) []col {
			return []col{{"sku", newID()}, {"fulfillment_center_id", lit(f.center)}, {"on_hand", "5"}}
		}},
		"inventory.hot_sku": {1, func(*testing.T) []col { return []col{{"sku", newID()}} }},
		"inventory.hold": {1, func(*testing.T) []col {
			return []col{{"id", newID()}, {"order_id", newID()}, {"sku", lit("SKU-CHK")},
				{"fulfillment_center_id", lit(f.center)}, {"quantity", "1"}, {"status", lit("ACTIVE")},
				{"expires_at", "now() + interval '1 hour'"}}
		}},
		"cart.cart": {1, func(*testing.T) []col {
			return []col{{"id", newID()}, {"customer_id", newID()}, {"currency", lit("EUR")}, {"version", "1"}}
		}},
		"cart.line": {2, func(t *testing.T) []col {
			c := parent(t, "cart.cart")
			return []col{{"cart_id", c["id"]}, {"sku", lit("SKU-1")}, {"quantity", "2"}, {"unit_price", "450"},
				{"currency", lit("EUR")}}
		}},
		"cart.mutation": {2, func(t *testing.T) []col {
			c := parent(t, "cart.cart")
			return []col{{"cart_id", c["id"]}, {"client_mutation_id", newID()}, {"request_hash", sha256Hash}}
		}},
	}

	long := func(n int) string { return fmt.Sprintf("repeat('a', %d)", n) }
	// Each case sets columns of a valid row to values that break one rule; want is the
	// constraint that must refuse them. update is false where the column cannot be updated.
	for _, c := range []struct {
		table  string
		set    []col
		want   string
		update bool
	}{
		{"payments.intent", []col{{"id", lit("1")}}, "ulid_check", true},
		{"payments.intent", []col{{"order_id", lit("01jorder00000000000000000a")}}, "ulid_check", true},
		{"payments.intent", []col{{"customer_id", lit("")}}, "text_1_64_check", true},
		{"payments.intent", []col{{"customer_id", long(65)}}, "text_1_64_check", true},
		{"payments.intent", []col{{"currency", lit("eur")}}, "currency_check", true},
		{"payments.intent", []col{{"status", lit("PAID")}}, "intent_status_check", true},
		{"payments.intent", []col{{"provider", lit("")}}, "nonempty_text_check", true},
		{"payments.intent", []col{{"pending_operation", lit("SETTLE")}}, "operation_kind_check", true},
		{"payments.intent", []col{{"amount", "0"}, {"authorized_amount", "0"}, {"captured_amount", "0"}, {"refunded_amount", "0"}}, "intent_row_check", true},
		{"payments.intent", []col{{"authorized_amount", "1001"}}, "intent_row_check", true},
		{"payments.intent", []col{{"authorized_amount", "-1"}, {"captured_amount", "-1"}, {"refunded_amount", "-1"}}, "intent_row_check", true},
		{"payments.intent", []col{{"captured_amount", "1001"}}, "intent_row_check", true},
		{"payments.intent", []col{{"captured_amount", "-1"}, {"refunded_amount", "-1"}}, "intent_row_check", true},
		{"payments.intent", []col{{"refunded_amount", "501"}}, "intent_row_check", true},
		{"payments.intent", []col{{"refunded_amount", "-1"}}, "intent_row_check", true},
		{"payments.operation", []col{{"operation", lit("SETTLE")}}, "operation_kind_check", true},
		{"payments.operation", []col{{"amount", "0"}}, "operation_row_check", true},
		{"payments.operation", []col{{"currency", lit("EURO")}}, "currency_check", true},
		{"payments.operation", []col{{"status", lit("LOST")}}, "operation_status_check", true},
		// Ledger entries are never updated (a trigger refuses it), so only their INSERT is tried.
		{"payments.ledger_entry", []col{{"id", lit("x")}}, "ulid_check", false},
		{"payments.ledger_entry", []col{{"operation", lit("SETTLE")}}, "operation_kind_check", false},
		{"payments.ledger_entry", []col{{"amount", "0"}}, "ledger_entry_row_check", false},
		{"payments.ledger_entry", []col{{"currency", lit("eur")}}, "currency_check", false},
		{"orders.idempotency_key", []col{{"scope", lit("")}}, "text_1_160_check", true},
		{"orders.idempotency_key", []col{{"scope", long(161)}}, "text_1_160_check", true},
		{"orders.idempotency_key", []col{{"key", lit("")}}, "text_1_255_check", true},
		{"orders.idempotency_key", []col{{"key", long(256)}}, "text_1_255_check", true},
		{"orders.idempotency_key", []col{{"request_hash", `'\x00'::bytea`}}, "sha256_check", true},
		{"orders.saga", []col{{"id", lit("x")}}, "ulid_check", true},
		{"orders.saga", []col{{"status", lit("DONE")}}, "saga_status_check", true},
		{"orders.order", []col{{"status", lit("LOST")}}, "order_state_check", true},
		{"orders.order", []col{{"currency", lit("eur")}}, "currency_check", true},
		{"orders.order", []col{{"subtotal", "-1"}}, "order_row_check", true},
		{"orders.order", []col{{"shipping", "-1"}}, "order_row_check", true},
		{"orders.order", []col{{"total", "0"}}, "order_row_check", true},
		{"orders.order_line", []col{{"sku", lit("")}}, "text_1_64_check", true},
		{"orders.order_line", []col{{"sku", long(65)}}, "text_1_64_check", true},
		{"orders.order_line", []col{{"quantity", "0"}}, "order_line_row_check", true},
		{"orders.order_line", []col{{"unit_price", "-1"}}, "order_line_row_check", true},
		{"inventory.fulfillment_center", []col{{"id", lit("x")}}, "ulid_check", true},
		{"inventory.fulfillment_center", []col{{"code", lit("")}}, "nonempty_text_check", true},
		{"inventory.fulfillment_center", []col{{"name", lit("")}}, "nonempty_text_check", true},
		{"inventory.fulfillment_center", []col{{"latitude", "90.5"}}, "latitude_check", true},
		{"inventory.fulfillment_center", []col{{"latitude", "-91"}}, "latitude_check", true},
		{"inventory.fulfillment_center", []col{{"longitude", "180.5"}}, "longitude_check", true},
		{"inventory.fulfillment_center", []col{{"longitude", "-181"}}, "longitude_check", true},
		{"inventory.stock", []col{{"sku", lit("")}}, "text_1_64_check", true},
		{"inventory.stock", []col{{"sku", long(65)}}, "text_1_64_check", true},
		{"inventory.stock", []col{{"on_hand", "-1"}}, "stock_row_check", true},
		{"inventory.hot_sku", []col{{"sku", lit("")}}, "text_1_64_check", true},
		{"inventory.hot_sku", []col{{"sku", long(65)}}, "text_1_64_check", true},
		{"inventory.hold", []col{{"id", lit("x")}}, "ulid_check", true},
		{"inventory.hold", []col{{"quantity", "0"}}, "hold_row_check", true},
		{"inventory.hold", []col{{"status", lit("LOST")}}, "hold_status_check", true},
		{"cart.cart", []col{{"id", lit("x")}}, "ulid_check", true},
		{"cart.cart", []col{{"customer_id", lit("")}}, "text_1_128_check", true},
		{"cart.cart", []col{{"customer_id", long(129)}}, "text_1_128_check", true},
		{"cart.cart", []col{{"customer_id", "NULL"}, {"guest_token_hash", `'\x00'::bytea`}}, "sha256_check", true},
		{"cart.cart", []col{{"guest_token_hash", sha256Hash}}, "cart_row_check", true},
		{"cart.cart", []col{{"customer_id", "NULL"}}, "cart_row_check", true},
		{"cart.cart", []col{{"version", "0"}}, "cart_row_check", true},
		{"cart.cart", []col{{"currency", lit("eur")}}, "currency_check", true},
		{"cart.line", []col{{"sku", lit("")}}, "text_1_64_check", true},
		{"cart.line", []col{{"sku", long(65)}}, "text_1_64_check", true},
		{"cart.line", []col{{"quantity", "0"}}, "line_row_check", true},
		{"cart.line", []col{{"quantity", "1000"}}, "line_row_check", true},
		{"cart.line", []col{{"unit_price", "-1"}}, "line_row_check", true},
		{"cart.line", []col{{"currency", lit("eur")}}, "currency_check", true},
		{"cart.mutation", []col{{"client_mutation_id", lit("")}}, "text_1_128_check", true},
		{"cart.mutation", []col{{"client_mutation_id", long(129)}}, "text_1_128_check", true},
	} {
		var bad []string
		for _, s := range c.set {
			bad = append(bad, s.name+" = "+s.value)
		}
		t.Run(c.table+" "+strings.Join(bad, ", "), func(t *testing.T) {
			table := tables[c.table]
			cols := table.row(t)
			broken := make([]col, len(cols))
			copy(broken, cols)
			for _, s := range c.set {
				i := indexOf(cols, s.name)
				if i < 0 {
					broken = append(broken, s)
					continue
				}
				broken[i].value = s.value
			}
			refused(t, "INSERT", insert(t, c.table, broken), c.want)
			if !c.update {
				return
			}
			if err := insert(t, c.table, cols); err != nil {
				t.Fatalf("valid row refused: %v", err)
			}
			var where []string
			for _, k := range cols[:table.key] {
				where = append(where, k.name+" = "+k.value)
			}
			_, err := f.pool.Exec(ctx, fmt.Sprintf("UPDATE %s SET %s WHERE %s", c.table,
				strings.Join(bad, ", "), strings.Join(where, " AND ")))
			refused(t, "UPDATE", err, c.want)
		})
	}
}

func indexOf(cols []col, name string) int {
	for i, c := range cols {
		if c.name == name {
			return i
		}
	}
	return -1
}

// refused fails the test unless err is a check violation of the constraint want.
func refused(t *testing.T, stmt string, err error, want string) {
	t.Helper()
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23514" || pgErr.ConstraintName != want {
		t.Errorf("%s: err = %v, want a check violation of %s", stmt, err, want)
	}
}
