package postgres

import (
	"context"
	"slices"
	"testing"

	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/payments"
	"github.com/shopgraph/shopgraph/subgraphs/payments/provider"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
)

// checkoutRows are the rows of an authorized and captured intent, as the intent statements
// and Begin's read return them.
func checkoutRows(tb testing.TB) (order string, intent, begin *pgtest.Replay) {
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
	return order, pgtest.Record(tb, pool, intentsByOrder, []string{order}), pgtest.Record(tb, pool, readBegin, order, payments.OpCapture)
}

// BenchmarkScanRow decodes the rows of the payments' two busiest statements, the intent and
// Begin's read, into their row types.
func BenchmarkScanRow(b *testing.B) {
	_, intent, begin := checkoutRows(b)
	b.Run("intent", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := intentFields.Row(intent.First()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("begin", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := beginFields.Row(begin.First()); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// Rows are read by position: every column lands in its field, and a row whose columns are not
// the list's, in number or in order, is refused rather than read into the wrong fields.
func TestScanByPosition(t *testing.T) {
	order, intent, begin := checkoutRows(t)
	i, err := intentFields.Row(intent.First())
	if err != nil {
		t.Fatal(err)
	}
	if i.OrderID != order || i.Status != "CAPTURED" || i.Currency != "EUR" || i.Amount != 1999 ||
		i.CapturedAmount != 1999 || deref(i.CustomerID) != "cus_ada" || i.PendingOperation != nil ||
		deref(i.ProviderReference) == "" || i.CreatedAt.IsZero() || i.UpdatedAt.Before(i.CreatedAt) {
		t.Errorf("intent row = %+v", i)
	}
	r, err := beginFields.Row(begin.First())
	if err != nil {
		t.Fatal(err)
	}
	if r.Took || r.intent() != i.intent() || r.Leased || r.Version == 0 || len(r.RequestHash) != 32 ||
		*r.OpAmount != 1999 || *r.OpCurrency != "EUR" || *r.OpStatus != "SUCCEEDED" || r.DeclineReason != nil {
		t.Errorf("begin row = %+v", r)
	}

	if _, err := intentFields.Row(begin.First()); err == nil {
		t.Error("Begin's row read as an intent")
	}
	swapped := &pgtest.Replay{Types: intent.Types, Cols: slices.Clone(intent.Cols), Rows: [][][]byte{slices.Clone(intent.Rows[0])}}
	swapped.Cols[0], swapped.Cols[1] = swapped.Cols[1], swapped.Cols[0]
	swapped.Rows[0][0], swapped.Rows[0][1] = swapped.Rows[0][1], swapped.Rows[0][0]
	if _, err := intentFields.Row(swapped.First()); err == nil {
		t.Error("an intent row with id and order_id swapped was read")
	}
}
