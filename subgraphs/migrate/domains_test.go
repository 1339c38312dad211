package migrate_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/shopgraph/shopgraph/subgraphs"
	cartpg "github.com/shopgraph/shopgraph/subgraphs/cart/postgres"
	inventorypg "github.com/shopgraph/shopgraph/subgraphs/inventory/postgres"
	orderspg "github.com/shopgraph/shopgraph/subgraphs/orders/postgres"
	paymentspg "github.com/shopgraph/shopgraph/subgraphs/payments/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
)

// moneyPath are the domains whose per-column rules are domains (the *_rules_as_domains
// migrations).
var moneyPath = []subgraphs.Domain{paymentspg.Domain, orderspg.Domain, inventorypg.Domain, cartpg.Domain}

// Undoing the rules-as-domains migrations gives back exactly the schema from before them
// (column types, the one merged CHECK per table, indexes, no domains), and they apply again.
func TestRulesAsDomainsMigrateDownAndUpAgain(t *testing.T) {
	ctx := context.Background()
	migrated := open(t, pgtest.NewDatabase(t, moneyPath...))
	for _, d := range moneyPath {
		p := provider(t, migrated, d)
		if _, err := p.DownTo(ctx, rulesVersion(t, p)-1); err != nil {
			t.Fatalf("%s down: %v", d.Name, err)
		}
	}
	before := open(t, pgtest.NewDatabase(t))
	for _, d := range moneyPath {
		if _, err := before.ExecContext(ctx, "CREATE SCHEMA "+pgx.Identifier{d.Schema}.Sanitize()); err != nil {
			t.Fatal(err)
		}
		p := provider(t, before, d)
		if _, err := p.UpTo(ctx, rulesVersion(t, p)-1); err != nil {
			t.Fatalf("%s up to the version before: %v", d.Name, err)
		}
	}
	sameSchema(t, "after down", snapshot(t, migrated), "before", snapshot(t, before))

	for _, d := range moneyPath {
		if _, err := provider(t, migrated, d).Up(ctx); err != nil {
			t.Fatalf("%s up again: %v", d.Name, err)
		}
	}
	sameSchema(t, "up again", snapshot(t, migrated), "migrated",
		snapshot(t, open(t, pgtest.NewDatabase(t, moneyPath...))))
}

func open(t *testing.T, url string) *sql.DB {
	t.Helper()
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	db := stdlib.OpenDB(*cfg)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func provider(t *testing.T, db *sql.DB, d subgraphs.Domain) *goose.Provider {
	t.Helper()
	p, err := goose.NewProvider(goose.DialectPostgres, db, d.Migrations,
		goose.WithTableName(d.Schema+".schema_migrations"), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func rulesVersion(t *testing.T, p *goose.Provider) int64 {
	t.Helper()
	for _, s := range p.ListSources() {
		if strings.HasSuffix(s.Path, "_rules_as_domains.sql") {
			return s.Version
		}
	}
	t.Fatal("no rules_as_domains migration")
	return 0
}

// snapshot describes the money path's schemas: every column with its type, collation and
// generation, every constraint and index with its definition, and every type of the schemas.
func snapshot(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), `
		WITH s AS (SELECT oid FROM pg_namespace WHERE nspname IN ('payments', 'orders', 'inventory', 'cart'))
		SELECT 'column ' || a.attrelid::regclass || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
		       || coalesce(' collate ' || nullif(co.collname, 'default'), '')
		       || ' at ' || row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum)
		       || coalesce(' generated ' || pg_get_expr(d.adbin, d.adrelid), '')
		FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
		LEFT JOIN pg_collation co ON co.oid = a.attcollation
		LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
		WHERE c.relnamespace IN (SELECT oid FROM s) AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
		  AND c.relname <> 'schema_migrations'
		UNION ALL
		SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
		FROM pg_constraint WHERE connamespace IN (SELECT oid FROM s) AND conrelid <> 0
		  AND conrelid::regclass::text NOT LIKE '%schema_migrations'
		UNION ALL
		SELECT 'index ' || indexdef FROM pg_indexes
		WHERE schemaname IN ('payments', 'orders', 'inventory', 'cart') AND tablename <> 'schema_migrations'
		UNION ALL
		SELECT 'type ' || t.oid::regtype FROM pg_type t
		WHERE t.typnamespace IN (SELECT oid FROM s) AND t.typtype = 'd'
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		out = append(out, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("empty schema snapshot")
	}
	return out
}

func sameSchema(t *testing.T, gotName string, got []string, wantName string, want []string) {
	t.Helper()
	in := func(lines []string) map[string]bool {
		m := map[string]bool{}
		for _, l := range lines {
			m[l] = true
		}
		return m
	}
	g, w := in(got), in(want)
	for _, l := range got {
		if !w[l] {
			t.Errorf("%s has, %s has not: %s", gotName, wantName, l)
		}
	}
	for _, l := range want {
		if !g[l] {
			t.Errorf("%s has, %s has not: %s", wantName, gotName, l)
		}
	}
}
