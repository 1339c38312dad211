package postgres

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
)

// A status history read whose columns are not those statusRow reads, in that order, is an
// error, never an entry with values in the wrong fields; a null reason reads as none.
func TestStatusScanRefusesColumnsThatDrifted(t *testing.T) {
	oids := map[string]uint32{"order_id": pgtype.TextOID, "status": pgtype.TextOID, "reason": pgtype.TextOID, "created_at": pgtype.TimestamptzOID}
	cols := func(names ...string) []pgconn.FieldDescription { return pgtest.Columns(oids, names...) }
	tests := []struct {
		name string
		cols []pgconn.FieldDescription
		want string // in the error; empty when the row reads
	}{
		{"same columns", cols(statusScan.Names...), ""},
		{"two swapped", cols("status", "order_id", "reason", "created_at"), `column 1 is "status"`},
		{"one missing", cols("order_id", "status", "created_at"), "returns 3 columns, its row type reads 4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := [][]byte{[]byte("01JORDER"), []byte("SHIPPED"), nil, []byte("2026-11-25 08:00:00+00")}
			if len(tt.cols) == 3 {
				raw = [][]byte{raw[0], raw[1], raw[3]}
			}
			rows := &pgtest.Replay{Types: pgtype.NewMap(), Cols: tt.cols, Rows: [][][]byte{raw}}
			got, err := statusScan.Collect(rows.Rewind())
			switch {
			case tt.want == "" && (err != nil || len(got) != 1 || got[0].OrderID != "01JORDER" || got[0].Status != "SHIPPED" ||
				got[0].Reason.String != "" || got[0].At.UTC().Hour() != 8):
				t.Fatalf("read %+v, %v; want order 01JORDER SHIPPED at 08:00 without a reason", got, err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("read %+v, %v; want an error with %q", got, err, tt.want)
			}
		})
	}
}
