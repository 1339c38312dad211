package sources_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	catalogpg "github.com/shopgraph/shopgraph/subgraphs/catalog/postgres"
	inventorypg "github.com/shopgraph/shopgraph/subgraphs/inventory/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
	"github.com/shopgraph/shopgraph/subgraphs/search"
	"github.com/shopgraph/shopgraph/subgraphs/search/bleve"
	"github.com/shopgraph/shopgraph/subgraphs/search/memory"
	"github.com/shopgraph/shopgraph/subgraphs/search/sources"
)

// benchProducts is the size of the benchmark's store: SEARCH_BENCH_PRODUCTS, 10,000 by default.
func benchProducts(b *testing.B) int {
	n := 10_000
	if v := os.Getenv("SEARCH_BENCH_PRODUCTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			b.Fatalf("SEARCH_BENCH_PRODUCTS=%q", v)
		}
	}
	return n
}

type benchQuery struct {
	name    string
	query   search.Query
	suggest string
}

// benchMix is a fixed mix of storefront queries over the seeded catalog's words.
func benchMix(root string) []benchQuery {
	rating, priceMax := 3.0, int64(10_000)
	return []benchQuery{
		{name: "words", query: search.Query{Text: "wireless headphones", First: 20}},
		{name: "words-next-page-without-facets", query: search.Query{Text: "wireless headphones", First: 20, WithoutFacets: true}},
		{name: "typos", query: search.Query{Text: "wireles hedphones", First: 20}},
		{name: "browse-category", query: search.Query{Filter: search.Filter{CategoryIDs: []string{root}}, Sort: search.SortNewest, First: 20}},
		{name: "words-filters-price", query: search.Query{Text: "keyboard", Filter: search.Filter{PriceMax: &priceMax, MinRating: &rating, InStockOnly: true}, Sort: search.SortPriceAsc, First: 20}},
		{name: "browse-all-rating", query: search.Query{Sort: search.SortRating, First: 100}},
		{name: "suggest", suggest: "head"},
	}
}

func percentiles(ds []time.Duration) (p50, p99 time.Duration) {
	slices.Sort(ds)
	return ds[len(ds)/2], ds[min(len(ds)-1, len(ds)*99/100)]
}

// BenchmarkSearch seeds a store, and for each engine reindexes it (timed, logged), then runs
// each query of the mix and the mix round-robin, reporting p50 and p99 beside ns/op.
func BenchmarkSearch(b *testing.B) {
	ctx := context.Background()
	pool, n := benchStore(b)
	var root string
	if err := pool.QueryRow(ctx, `SELECT id FROM catalog.category WHERE parent_id IS NULL ORDER BY position LIMIT 1`).Scan(&root); err != nil {
		b.Fatal(err)
	}
	mix := benchMix(root)
	for _, name := range benchEngines(b) {
		b.Run(name, func(b *testing.B) {
			engine := openBenchEngine(b, name)
			defer engine.Close()
			ix := search.NewIndexer(engine, sources.NewCatalog(catalogpg.NewStore(pool)), sources.NewStock(inventorypg.NewStore(pool)))
			start := time.Now()
			if _, err := ix.Reindex(ctx, nil); err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: reindexed %d products in %s", name, n, time.Since(start).Round(time.Millisecond))
			runMix(b, engine, mix)
		})
	}
}

// benchStore is the store to index: SEARCH_BENCH_DATABASE_URL when set (a store seeded
// beforehand with `shopgraph seed`, left as it is: seeding a million products takes minutes),
// else a fresh database seeded with SEARCH_BENCH_PRODUCTS products.
func benchStore(b *testing.B) (*pgxpool.Pool, int) {
	ctx := context.Background()
	if url := os.Getenv("SEARCH_BENCH_DATABASE_URL"); url != "" {
		pool, err := pgxpool.New(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(pool.Close)
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM catalog.product`).Scan(&n); err != nil {
			b.Fatal(err)
		}
		b.Logf("store at SEARCH_BENCH_DATABASE_URL holds %d products", n)
		return pool, n
	}
	n := benchProducts(b)
	pool := pgtest.NewPool(b, nil, catalogpg.Domain, inventorypg.Domain)
	start := time.Now()
	skus, err := catalogpg.Seed(ctx, pool, n, nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := inventorypg.Seed(ctx, pool, skus, nil); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d products in %s", n, time.Since(start).Round(time.Millisecond))
	return pool, n
}

// benchEngines are the engines to measure: SEARCH_BENCH_ENGINES, a comma-separated list of
// memory and bleve, both by default.
func benchEngines(b *testing.B) []string {
	v := os.Getenv("SEARCH_BENCH_ENGINES")
	if v == "" {
		return []string{"memory", "bleve"}
	}
	names := strings.Split(v, ",")
	for _, name := range names {
		if name != "memory" && name != "bleve" {
			b.Fatalf("SEARCH_BENCH_ENGINES=%q: memory or bleve", v)
		}
	}
	return names
}

func openBenchEngine(b *testing.B, name string) search.Engine {
	var (
		e   search.Engine
		err error
	)
	if name == "memory" {
		e, err = memory.Open("")
	} else {
		e, err = bleve.Open(b.TempDir())
	}
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// runMix runs each query of the mix, the mix round-robin, and the mix behind the facet cache.
func runMix(b *testing.B, engine search.Engine, mix []benchQuery) {
	ctx := context.Background()
	target := engine
	do := func(q benchQuery) {
		var err error
		if q.suggest != "" {
			_, err = target.Suggest(ctx, q.suggest, search.MaxSuggestions)
		} else {
			_, err = target.Search(ctx, q.query)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	run := func(b *testing.B, next func(i int) benchQuery) {
		durations := make([]time.Duration, 0, b.N)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			t := time.Now()
			do(next(i))
			durations = append(durations, time.Since(t))
		}
		b.StopTimer()
		p50, p99 := percentiles(durations)
		b.ReportMetric(float64(p50.Microseconds()), "p50-µs")
		b.ReportMetric(float64(p99.Microseconds()), "p99-µs")
	}
	for _, q := range mix {
		b.Run(q.name, func(b *testing.B) { run(b, func(int) benchQuery { return q }) })
	}
	b.Run("mix", func(b *testing.B) { run(b, func(i int) benchQuery { return mix[i%len(mix)] }) })
	// The same mix behind the facet cache the subgraph serves through: repeated listings
	// (every query here repeats) count their facets once a second.
	target = search.NewFacetCache(engine, time.Second, 10_000)
	b.Run("mix-facet-cache", func(b *testing.B) { run(b, func(i int) benchQuery { return mix[i%len(mix)] }) })
}
