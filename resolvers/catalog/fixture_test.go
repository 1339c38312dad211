package catalogresolvers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"sync"
	"testing"

	"github.com/shopgraph/shopgraph/resolvers/graphqltest"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	catalogresolvers "github.com/shopgraph/shopgraph/resolvers/catalog"
	"github.com/shopgraph/shopgraph/subgraphs/catalog/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
)

// queryLog is a pgx tracer that records the statements a pool sends.
type queryLog struct {
	mu  sync.Mutex
	sql []string
}

func (l *queryLog) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	l.mu.Lock()
	l.sql = append(l.sql, d.SQL)
	l.mu.Unlock()
	return ctx
}

func (l *queryLog) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (l *queryLog) reset() {
	l.mu.Lock()
	l.sql = nil
	l.mu.Unlock()
}

var mainTable = regexp.MustCompile(`FROM catalog\.(\w+)`)

// byTable counts the statements that read each catalog table as their main table.
func (l *queryLog) byTable() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	counts := map[string]int{}
	for _, s := range l.sql {
		if m := mainTable.FindStringSubmatch(s); m != nil {
			counts[m[1]]++
		}
	}
	return counts
}

func (l *queryLog) total() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.sql)
}

// catalogFixture is a catalog subgraph on its own seeded database.
type catalogFixture struct {
	handler http.Handler
	pool    *pgxpool.Pool
	queries *queryLog
	skus    []string
}

func newCatalog(t testing.TB, products int) *catalogFixture {
	t.Helper()
	log := &queryLog{}
	pool := pgtest.NewPool(t, func(c *pgxpool.Config) { c.ConnConfig.Tracer = log }, postgres.Domain)
	skus, err := postgres.Seed(context.Background(), pool, products, nil)
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	log.reset()
	return &catalogFixture{handler: catalogresolvers.NewHandler(postgres.NewStore(pool)), pool: pool, queries: log, skus: skus}
}

// column reads one text column of a query, in order.
func (f *catalogFixture) column(t testing.TB, sql string, args ...any) []string {
	t.Helper()
	rows, err := f.pool.Query(context.Background(), sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	vals, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return vals
}

type response = graphqltest.Response

func do(t testing.TB, h http.Handler, query string, variables map[string]any) response {
	t.Helper()
	return graphqltest.Post(t, h, query, variables)
}

// data runs a query that must succeed and decodes its data into out.
func data(t testing.TB, h http.Handler, query string, variables map[string]any, out any) {
	t.Helper()
	resp := do(t, h, query, variables)
	if len(resp.Errors) > 0 {
		t.Fatalf("errors: %+v", resp.Errors)
	}
	if err := json.Unmarshal(resp.Data, out); err != nil {
		t.Fatalf("decode %s: %v", resp.Data, err)
	}
}
