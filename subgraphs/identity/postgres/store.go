// Package postgres stores the identity domain in the Postgres schema "identity".
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shopgraph/shopgraph/subgraphs"
	"github.com/shopgraph/shopgraph/subgraphs/identity"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Domain is what the binary needs to migrate the identity schema.
var Domain = subgraphs.Domain{
	Name:       "identity",
	Schema:     "identity",
	Migrations: subgraphs.EmbeddedMigrations(migrations, "migrations"),
}

// Store keeps customers in Postgres. It implements identity.Store.
type Store struct {
	pool *pgxpool.Pool
}

var _ identity.Store = (*Store)(nil)

// NewStore returns a Store on the pool.
func NewStore(pool *pgxpool.Pool) *Store {
	return &Store{pool: pool}
}

type customerRow struct {
	ID           string    `db:"id"`
	Email        string    `db:"email"`
	Name         string    `db:"name"`
	PasswordHash []byte    `db:"password_hash"`
	Role         string    `db:"role"`
	CreatedAt    time.Time `db:"created_at"`
}

func (r customerRow) customer() identity.Customer {
	return identity.Customer{ID: r.ID, Email: r.Email, Name: r.Name, PasswordHash: r.PasswordHash, Role: r.Role, CreatedAt: r.CreatedAt}
}

const customerColumns = `id, email, name, password_hash, role, created_at`

// CustomerByEmail implements identity.Store.
func (s *Store) CustomerByEmail(ctx context.Context, email string) (*identity.Customer, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+customerColumns+` FROM identity.customer WHERE email = $1`, email)
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[customerRow])
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("customer by email: %w", err)
	}
	c := r.customer()
	return &c, nil
}

// CustomersByID implements identity.Store.
func (s *Store) CustomersByID(ctx context.Context, ids []string) (map[string]identity.Customer, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+customerColumns+` FROM identity.customer WHERE id = ANY($1)`, ids)
	found, err := pgx.CollectRows(rows, pgx.RowToStructByName[customerRow])
	if err != nil {
		return nil, fmt.Errorf("customers by id: %w", err)
	}
	out := make(map[string]identity.Customer, len(found))
	for _, r := range found {
		out[r.ID] = r.customer()
	}
	return out, nil
}
