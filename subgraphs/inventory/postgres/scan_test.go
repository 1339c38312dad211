package postgres

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
)

// A statement whose columns are not those its row type reads, in that order, is an error,
// never a row with values in the wrong fields.
func TestRowScanRefusesColumnsThatDrifted(t *testing.T) {
	oids := map[string]uint32{"latitude": pgtype.Float8OID, "longitude": pgtype.Float8OID}
	cols := func(names ...string) []pgconn.FieldDescription { return pgtest.Columns(oids, names...) }
	tests := []struct {
		name string
		cols []pgconn.FieldDescription
		want string // in the error; empty when the row reads
	}{
		{"same columns", cols(centerScan.Names...), ""},
		{"two swapped", cols("id", "name", "code", "latitude", "longitude"), `column 2 is "name"`},
		{"one missing", cols("id", "code", "name", "latitude"), "returns 4 columns, its row type reads 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := [][]byte{[]byte("C1"), []byte("NL-RTM"), []byte("Rotterdam"), []byte("51.9"), []byte("4.4")}[:len(tt.cols)]
			rows := &pgtest.Replay{Types: pgtype.NewMap(), Cols: tt.cols, Rows: [][][]byte{raw}}
			got, err := centerScan.Collect(rows.Rewind())
			switch {
			case tt.want == "" && (err != nil || len(got) != 1 || got[0].Code != "NL-RTM" || got[0].Latitude != 51.9):
				t.Fatalf("read %+v, %v; want the center NL-RTM", got, err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("read %+v, %v; want an error with %q", got, err, tt.want)
			}
		})
	}
}
