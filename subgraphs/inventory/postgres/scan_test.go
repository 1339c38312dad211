package postgres

import (
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// replay is a result as Postgres sent it (column descriptions and raw values, captured once),
// read again and again without the server, so that a benchmark measures the Go side only.
type replay struct {
	types *pgtype.Map
	cols  []pgconn.FieldDescription
	rows  [][][]byte
	at    int
}

func (r *replay) rewind() pgx.Rows { r.at = -1; return r }

func (r *replay) Close()                                       {}
func (r *replay) Err() error                                   { return nil }
func (r *replay) CommandTag() pgconn.CommandTag                { return pgconn.NewCommandTag("SELECT") }
func (r *replay) FieldDescriptions() []pgconn.FieldDescription { return r.cols }
func (r *replay) Next() bool                                   { r.at++; return r.at < len(r.rows) }
func (r *replay) RawValues() [][]byte                          { return r.rows[r.at] }
func (r *replay) Conn() *pgx.Conn                              { return nil }
func (r *replay) TypeMap() *pgtype.Map                         { return r.types }
func (r *replay) Values() ([]any, error)                       { return nil, fmt.Errorf("not replayed") }
func (r *replay) Scan(dest ...any) error {
	return pgx.ScanRow(r.types, r.cols, r.rows[r.at], dest...)
}

// A statement whose columns are not those its row type reads, in that order, is an error,
// never a row with values in the wrong fields.
func TestRowScanRefusesColumnsThatDrifted(t *testing.T) {
	cols := func(names ...string) []pgconn.FieldDescription {
		out := make([]pgconn.FieldDescription, len(names))
		for i, n := range names {
			oid := uint32(pgtype.TextOID)
			if i >= 3 {
				oid = pgtype.Float8OID
			}
			out[i] = pgconn.FieldDescription{Name: n, DataTypeOID: oid, Format: pgtype.TextFormatCode}
		}
		return out
	}
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
			rows := &replay{types: pgtype.NewMap(), cols: tt.cols, rows: [][][]byte{raw}}
			got, err := centerScan.Collect(rows.rewind())
			switch {
			case tt.want == "" && (err != nil || len(got) != 1 || got[0].Code != "NL-RTM" || got[0].Latitude != 51.9):
				t.Fatalf("read %+v, %v; want the center NL-RTM", got, err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("read %+v, %v; want an error with %q", got, err, tt.want)
			}
		})
	}
}
