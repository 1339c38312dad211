// Package postgres keeps partner API keys in the Postgres schema "partner".
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/gateway/partner"
	"github.com/shopgraph/shopgraph/gateway/quota"
	"github.com/shopgraph/shopgraph/subgraphs"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Domain is what the binary needs to migrate the partner schema.
var Domain = subgraphs.Domain{
	Name:       "partner",
	Schema:     "partner",
	Migrations: subgraphs.EmbeddedMigrations(migrations, "migrations"),
}

// Store keeps API keys in Postgres. It implements partner.Store.
type Store struct {
	pool *pgxpool.Pool
}

var _ partner.Store = (*Store)(nil)

// NewStore returns a Store on the pool.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

type keyRow struct {
	ID            string     `db:"id"`
	Name          string     `db:"name"`
	QuotaLimit    int        `db:"quota_limit"`
	QuotaPeriodMS int64      `db:"quota_period_ms"`
	MaxCost       int        `db:"max_cost"`
	Scopes        []string   `db:"scopes"`
	CreatedAt     time.Time  `db:"created_at"`
	RevokedAt     *time.Time `db:"revoked_at"`
}

func (r keyRow) key() partner.Key {
	return partner.Key{ID: r.ID, Name: r.Name, MaxCost: r.MaxCost, Scopes: r.Scopes, CreatedAt: r.CreatedAt, RevokedAt: r.RevokedAt,
		Quota: quota.Rate{Limit: r.QuotaLimit, Period: time.Duration(r.QuotaPeriodMS) * time.Millisecond}}
}

const keyColumns = `id, name, quota_limit, quota_period_ms, max_cost, scopes, created_at, revoked_at`

// Create implements partner.Store.
func (s *Store) Create(ctx context.Context, k partner.NewKey, hash []byte) (*partner.Key, error) {
	scopes := k.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	rows, _ := s.pool.Query(ctx, `
		INSERT INTO partner.api_key (id, name, secret_hash, quota_limit, quota_period_ms, max_cost, scopes)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		RETURNING `+keyColumns,
		ulid.Make().String(), k.Name, hash, k.Quota.Limit, k.Quota.Period.Milliseconds(), k.MaxCost, scopes)
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[keyRow])
	if err != nil {
		return nil, fmt.Errorf("create API key: %w", err)
	}
	key := r.key()
	return &key, nil
}

// ByHash implements partner.Store.
func (s *Store) ByHash(ctx context.Context, hash []byte) (*partner.Key, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+keyColumns+` FROM partner.api_key WHERE secret_hash = $1 AND revoked_at IS NULL`, hash)
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[keyRow])
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("API key by hash: %w", err)
	}
	key := r.key()
	return &key, nil
}

// List implements partner.Store.
func (s *Store) List(ctx context.Context) ([]partner.Key, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+keyColumns+` FROM partner.api_key ORDER BY id`)
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByName[keyRow])
	if err != nil {
		return nil, fmt.Errorf("list API keys: %w", err)
	}
	keys := make([]partner.Key, len(rs))
	for i, r := range rs {
		keys[i] = r.key()
	}
	return keys, nil
}

// Revoke implements partner.Store.
func (s *Store) Revoke(ctx context.Context, id string) (bool, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE partner.api_key SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, id)
	if err != nil {
		return false, fmt.Errorf("revoke API key %s: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}
