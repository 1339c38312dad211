package pgtest

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// Replay is a result as Postgres sent it (column descriptions and raw values, captured once),
// read again and again without the server: a benchmark measures the Go side alone, and a test
// can hand a reader columns the server would not send. It is a pgx.Rows; Rewind starts a pass.
type Replay struct {
	Types *pgtype.Map
	Cols  []pgconn.FieldDescription
	Rows  [][][]byte
	at    int
}

// Record runs sql on q and keeps every row of its result.
func Record(tb testing.TB, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, sql string, args ...any) *Replay {
	tb.Helper()
	rows, err := q.Query(context.Background(), sql, args...)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	r := &Replay{Types: rows.Conn().TypeMap(), Cols: append([]pgconn.FieldDescription(nil), rows.FieldDescriptions()...)}
	for rows.Next() {
		raw := make([][]byte, len(rows.RawValues()))
		for i, v := range rows.RawValues() {
			if v != nil {
				raw[i] = append([]byte{}, v...)
			}
		}
		r.Rows = append(r.Rows, raw)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return r
}

// Rewind starts a pass over the rows.
func (r *Replay) Rewind() pgx.Rows { r.at = -1; return r }

// First is the first row, for readers of one row.
func (r *Replay) First() pgx.CollectableRow { r.at = 0; return r }

func (r *Replay) Close()                                       {}
func (r *Replay) Err() error                                   { return nil }
func (r *Replay) CommandTag() pgconn.CommandTag                { return pgconn.NewCommandTag("SELECT") }
func (r *Replay) FieldDescriptions() []pgconn.FieldDescription { return r.Cols }
func (r *Replay) Next() bool                                   { r.at++; return r.at < len(r.Rows) }
func (r *Replay) RawValues() [][]byte                          { return r.Rows[r.at] }
func (r *Replay) Conn() *pgx.Conn                              { return nil }
func (r *Replay) TypeMap() *pgtype.Map                         { return r.Types }
func (r *Replay) Values() ([]any, error) {
	return nil, errors.New("pgtest: a replay has raw values only")
}

// Scan implements pgx.Rows.
func (r *Replay) Scan(dest ...any) error {
	return pgx.ScanRow(r.Types, r.Cols, r.Rows[r.at], dest...)
}

// Columns describes result columns by name, in text format, for a Replay a test builds by hand:
// each of type oids[name], text when the name is not there.
func Columns(oids map[string]uint32, names ...string) []pgconn.FieldDescription {
	out := make([]pgconn.FieldDescription, len(names))
	for i, n := range names {
		oid, ok := oids[n]
		if !ok {
			oid = pgtype.TextOID
		}
		out[i] = pgconn.FieldDescription{Name: n, DataTypeOID: oid, Format: pgtype.TextFormatCode}
	}
	return out
}
