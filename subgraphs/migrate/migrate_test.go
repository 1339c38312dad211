package migrate_test

import (
	"context"
	"embed"
	"io/fs"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/shopgraph/shopgraph/subgraphs"
	"github.com/shopgraph/shopgraph/subgraphs/migrate"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
)

//go:embed testdata/m/*.sql
var files embed.FS

func probeDomain(t *testing.T) subgraphs.Domain {
	sub, err := fs.Sub(files, "testdata/m")
	if err != nil {
		t.Fatal(err)
	}
	return subgraphs.Domain{Name: "probe", Schema: "probe", Migrations: sub}
}

func TestUpIsIdempotentAndVersionedPerSchema(t *testing.T) {
	d := probeDomain(t)
	url := pgtest.NewDatabase(t, d) // first run
	ctx := context.Background()
	if err := migrate.Up(ctx, url, d); err != nil { // second run must be a no-op
		t.Fatalf("second Up: %v", err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)

	var rows int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM probe.thing").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 1 {
		t.Fatalf("data migration ran %d times, want once", rows)
	}
	var version int64
	if err := conn.QueryRow(ctx, "SELECT max(version_id) FROM probe.schema_migrations").Scan(&version); err != nil {
		t.Fatalf("version table must live in the domain schema: %v", err)
	}
	if version != 2 {
		t.Fatalf("version = %d, want 2", version)
	}
}

func TestUpReportsBadURL(t *testing.T) {
	if err := migrate.Up(context.Background(), "postgres://%zz", probeDomain(t)); err == nil {
		t.Fatal("want an error for a malformed database url")
	}
}
