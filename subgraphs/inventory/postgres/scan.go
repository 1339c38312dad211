package postgres

import (
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// rowScan reads the rows of a statement into T by position, without reflection: the checkout
// reads these rows on every step, and matching columns to fields by name costs a string and a
// walk of the struct per row. cols are the columns the statement returns, in order, and fields
// the destinations in a T for them, in the same order. The names are checked against what
// Postgres returns once per result, so a statement and its row type cannot drift apart.
type rowScan[T any] struct {
	cols   []string
	fields func(*T) []any
}

// collect reads every row and closes rows.
func (s rowScan[T]) collect(rows pgx.Rows) ([]T, error) {
	defer rows.Close()
	var (
		out  []T
		row  T
		dest []any // into row: scanned anew for each row, every field overwritten
	)
	for rows.Next() {
		if dest == nil {
			if err := s.check(rows.FieldDescriptions()); err != nil {
				return nil, err
			}
			dest = s.fields(&row)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// one reads exactly one row, like pgx.CollectExactlyOneRow.
func (s rowScan[T]) one(rows pgx.Rows) (T, error) {
	var zero T
	all, err := s.collect(rows)
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

func (s rowScan[T]) check(got []pgconn.FieldDescription) error {
	if len(got) != len(s.cols) {
		return fmt.Errorf("statement returns %d columns, its row type reads %d", len(got), len(s.cols))
	}
	for i, c := range got {
		if c.Name != s.cols[i] {
			return fmt.Errorf("column %d is %q, its row type reads %q there", i+1, c.Name, s.cols[i])
		}
	}
	return nil
}

// concat joins column lists, or field lists, in order.
func concat[E any](parts ...[]E) []E {
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
