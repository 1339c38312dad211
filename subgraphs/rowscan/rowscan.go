// Package rowscan reads Postgres rows into Go structs by position, without reflection: the
// money path reads rows on every step, and matching columns to fields by name costs a string
// and a walk of the struct per row. A Columns lists the columns a statement returns, in order,
// and the fields of a row type they are read into, in the same order; the names are checked
// against what Postgres returns, so a statement and its row type cannot drift apart.
package rowscan

import (
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Columns is what a statement returns for a row type T: Names in order, and Fields the
// destinations in a T for them, in the same order.
type Columns[T any] struct {
	Names  []string
	Fields func(*T) []any
}

// List is the column list for a SELECT or RETURNING clause.
func (c Columns[T]) List() string { return strings.Join(c.Names, ", ") }

// Collect reads every row and closes rows. The names are checked once per result.
func (c Columns[T]) Collect(rows pgx.Rows) ([]T, error) {
	defer rows.Close()
	var (
		out  []T
		row  T
		dest []any // into row: scanned anew for each row, every field overwritten
	)
	for rows.Next() {
		if dest == nil {
			if err := c.check(rows.FieldDescriptions()); err != nil {
				return nil, err
			}
			dest = c.Fields(&row)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// One reads exactly one row, like pgx.CollectExactlyOneRow.
func (c Columns[T]) One(rows pgx.Rows) (T, error) {
	var zero T
	all, err := c.Collect(rows)
	switch {
	case err != nil:
		return zero, err
	case len(all) == 0:
		return zero, pgx.ErrNoRows
	case len(all) > 1:
		return zero, pgx.ErrTooManyRows
	}
	return all[0], nil
}

// Row is a pgx.RowToFunc, for pgx.CollectRows and its kin.
func (c Columns[T]) Row(row pgx.CollectableRow) (T, error) {
	var r T
	if err := c.check(row.FieldDescriptions()); err != nil {
		return r, err
	}
	return r, row.Scan(c.Fields(&r)...)
}

func (c Columns[T]) check(got []pgconn.FieldDescription) error {
	if len(got) != len(c.Names) {
		return fmt.Errorf("statement returns %d columns, its row type reads %d (%s)", len(got), len(c.Names), c.List())
	}
	for i, f := range got {
		if f.Name != c.Names[i] {
			return fmt.Errorf("column %d is %q, its row type reads %q there", i+1, f.Name, c.Names[i])
		}
	}
	return nil
}

// Concat joins column names, or field lists, in order.
func Concat[E any](parts ...[]E) []E {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := make([]E, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
