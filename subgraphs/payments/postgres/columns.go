package postgres

import (
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// columns is what a statement returns for a row type R: each column's name, in order, with
// the field it is read into. It is the one place that ties a column to a field, so rows are
// scanned by position, without reflection, and the column list of the SQL is built from it.
type columns[R any] []column[R]

type column[R any] struct {
	name  string
	field func(*R) any
}

// list is the column list for a SELECT or RETURNING clause.
func (cs columns[R]) list() string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.name
	}
	return strings.Join(names, ", ")
}

// scan is a pgx.RowToFunc. The row must have exactly these columns, in this order; their names
// are checked, so a statement that drifts from its list fails instead of filling wrong fields.
func (cs columns[R]) scan(row pgx.CollectableRow) (R, error) {
	var r R
	fields := row.FieldDescriptions()
	if len(fields) != len(cs) {
		return r, fmt.Errorf("row has %d columns, want %d (%s)", len(fields), len(cs), cs.list())
	}
	dest := make([]any, len(cs))
	for i, c := range cs {
		if fields[i].Name != c.name {
			return r, fmt.Errorf("column %d is %q, want %q", i+1, fields[i].Name, c.name)
		}
		dest[i] = c.field(&r)
	}
	return r, row.Scan(dest...)
}

// within lists the columns of an embedded row type as columns of the row R that holds it.
func within[R, E any](cs columns[E], embedded func(*R) *E) columns[R] {
	out := make(columns[R], len(cs))
	for i, c := range cs {
		field := c.field
		out[i] = column[R]{c.name, func(r *R) any { return field(embedded(r)) }}
	}
	return out
}
