// Package migrate applies each domain's embedded SQL migrations with goose, one version table
// per domain schema, so domains migrate independently and can later live in separate databases.
package migrate

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/shopgraph/shopgraph/subgraphs"
)

// Up brings every domain's schema to its newest migration.
func Up(ctx context.Context, databaseURL string, domains ...subgraphs.Domain) error {
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return fmt.Errorf("parse database url: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	for _, d := range domains {
		if err := upDomain(ctx, db, d); err != nil {
			return fmt.Errorf("migrate %s: %w", d.Name, err)
		}
	}
	return nil
}

func upDomain(ctx context.Context, db *sql.DB, d subgraphs.Domain) error {
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{d.Schema}.Sanitize()); err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, d.Migrations,
		goose.WithTableName(d.Schema+".schema_migrations"),
		goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return err
	}
	for _, r := range results {
		slog.Info("migrated", "domain", d.Name, "version", r.Source.Version, "file", r.Source.Path, "took", r.Duration)
	}
	return nil
}
