package postgres

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/payments"
	"github.com/shopgraph/shopgraph/subgraphs/payments/provider"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
)

// recordedRow is one row as Postgres sent it, replayed without a connection so that a
// benchmark measures decoding alone.
type recordedRow struct {
	fields []pgconn.FieldDescription
	values [][]byte
	types  *pgtype.Map
}

func (r recordedRow) FieldDescriptions() []pgconn.FieldDescription { return r.fields }
func (r recordedRow) RawValues() [][]byte                          { return r.values }
func (r recordedRow) Values() ([]any, error)                       { return nil, nil }
func (r recordedRow) Scan(dest ...any) error {
	return pgx.ScanRow(r.types, r.fields, r.values, dest...)
}

// record runs sql and keeps its one row.
func record(tb testing.TB, pool *pgxpool.Pool, sql string, args ...any) recordedRow {
	tb.Helper()
	rows, err := pool.Query(context.Background(), sql, args...)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	if !rows.Next() {
		tb.Fatalf("no row: %v", rows.Err())
	}
	r := recordedRow{fields: append([]pgconn.FieldDescription(nil), rows.FieldDescriptions()...), types: rows.Conn().TypeMap()}
	for _, v := range rows.RawValues() {
		r.values = append(r.values, append([]byte(nil), v...))
	}
	return r
}

// checkoutRows are the rows of an authorized and captured intent, as the intent statements
// and Begin's read return them.
func checkoutRows(tb testing.TB) (order string, intent, begin recordedRow) {
	tb.Helper()
	pool := pgtest.NewPool(tb, nil, Domain)
	store := NewStore(pool)
	svc := payments.NewService(store, provider.NewSimulated(0))
	ctx := context.Background()
	order = ulid.Make().String()
	if _, err := svc.Authorize(ctx, payments.AuthorizeRequest{OrderID: order, CustomerID: "cus_ada",
		Amount: payments.Money{Amount: 1999, Currency: "EUR"}, PaymentMethod: provider.CardVisa}); err != nil {
		tb.Fatal(err)
	}
	if _, err := svc.Capture(ctx, order); err != nil {
		tb.Fatal(err)
	}
	return order, record(tb, pool, intentsByOrder, []string{order}), record(tb, pool, readBegin, order, payments.OpCapture)
}

// BenchmarkScanRow decodes the rows of the payments' two busiest statements, the intent and
// Begin's read, into their row types.
func BenchmarkScanRow(b *testing.B) {
	_, intent, begin := checkoutRows(b)
	b.Run("intent", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := intentFields.Row(intent); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("begin", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := beginFields.Row(begin); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// Rows are read by position: every column lands in its field, and a row whose columns are not
// the list's, in number or in order, is refused rather than read into the wrong fields.
func TestScanByPosition(t *testing.T) {
	order, intent, begin := checkoutRows(t)
	i, err := intentFields.Row(intent)
	if err != nil {
		t.Fatal(err)
	}
	if i.OrderID != order || i.Status != "CAPTURED" || i.Currency != "EUR" || i.Amount != 1999 ||
		i.CapturedAmount != 1999 || deref(i.CustomerID) != "cus_ada" || i.PendingOperation != nil ||
		deref(i.ProviderReference) == "" || i.CreatedAt.IsZero() || i.UpdatedAt.Before(i.CreatedAt) {
		t.Errorf("intent row = %+v", i)
	}
	r, err := beginFields.Row(begin)
	if err != nil {
		t.Fatal(err)
	}
	if r.Took || r.intent() != i.intent() || r.Leased || r.Version == 0 || len(r.RequestHash) != 32 ||
		*r.OpAmount != 1999 || *r.OpCurrency != "EUR" || *r.OpStatus != "SUCCEEDED" || r.DeclineReason != nil {
		t.Errorf("begin row = %+v", r)
	}

	if _, err := intentFields.Row(begin); err == nil {
		t.Error("Begin's row read as an intent")
	}
	swapped := intent
	swapped.fields = slices.Clone(intent.fields)
	swapped.fields[0], swapped.fields[1] = swapped.fields[1], swapped.fields[0]
	swapped.values = slices.Clone(intent.values)
	swapped.values[0], swapped.values[1] = swapped.values[1], swapped.values[0]
	if _, err := intentFields.Row(swapped); err == nil {
		t.Error("an intent row with id and order_id swapped was read")
	}
}
