// Package pgtest gives tests a fresh, migrated Postgres database of their own on the server
// that `make test` starts (DATABASE_URL), so test packages run in parallel without sharing rows.
package pgtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shopgraph/shopgraph/subgraphs"
	"github.com/shopgraph/shopgraph/subgraphs/migrate"
)

// URL returns the server URL tests run against, skipping the test when none is configured
// and failing it under CI, where a missing database is a broken setup rather than a choice.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("DATABASE_URL")
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("DATABASE_URL is not set: run the tests with `make test`")
		}
		t.Skip("DATABASE_URL is not set: run the tests with `make test`")
	}
	return u
}

// NewDatabase creates an empty database, migrates the given domains into it, and drops it when
// the test ends. It returns the new database's URL.
func NewDatabase(t testing.TB, domains ...subgraphs.Domain) string {
	t.Helper()
	base := URL(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to test server: %v", err)
	}
	defer admin.Close(ctx)
	name := fmt.Sprintf("shopgraph_test_%d_%08x", time.Now().UnixNano()%1e9, rand.Uint32())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})

	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse DATABASE_URL: %v", err)
	}
	u.Path = "/" + name
	dbURL := u.String()
	if err := migrate.Up(ctx, dbURL, domains...); err != nil {
		t.Fatalf("migrate test database: %v", err)
	}
	return dbURL
}

// NewPool is NewDatabase plus a pool on it, closed when the test ends. Pass a config hook to
// install a tracer (for counting queries) or tune the pool.
func NewPool(t testing.TB, configure func(*pgxpool.Config), domains ...subgraphs.Domain) *pgxpool.Pool {
	t.Helper()
	dbURL := NewDatabase(t, domains...)
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		t.Fatalf("parse test database url: %v", err)
	}
	if configure != nil {
		configure(cfg)
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatalf("open test pool: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}
