package consumer_test

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/oklog/ulid/v2"

	catalogpg "github.com/shopgraph/shopgraph/subgraphs/catalog/postgres"
	inventorypg "github.com/shopgraph/shopgraph/subgraphs/inventory/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/outbox"
	bus "github.com/shopgraph/shopgraph/subgraphs/outbox/jetstream"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
	"github.com/shopgraph/shopgraph/subgraphs/search"
	"github.com/shopgraph/shopgraph/subgraphs/search/bleve"
	"github.com/shopgraph/shopgraph/subgraphs/search/consumer"
	"github.com/shopgraph/shopgraph/subgraphs/search/sources"
)

// visibleWithin is the generous bound a change must show in search within; the target is 1s
// from commit, and the measured latencies are logged.
const visibleWithin = 5 * time.Second

func openBus(t *testing.T) *bus.Bus {
	t.Helper()
	b, err := bus.Open(context.Background(), bus.Config{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// run starts the consumer and returns a function that stops it and waits for it.
func run(t *testing.T, c *consumer.Consumer) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("consumer: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// publish does what the outbox relay does with a committed event.
func publish(t *testing.T, b *bus.Bus, subject, eventType, key string) {
	t.Helper()
	err := b.Publish(context.Background(), []outbox.Message{{ID: ulid.Make().String(), Subject: subject, Type: eventType, Key: key, Data: []byte(`{}`)}})
	if err != nil {
		t.Fatal(err)
	}
}

// waitFor polls until ok holds and returns how long it took.
func waitFor(t *testing.T, what string, ok func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !ok() {
		if time.Since(start) > visibleWithin {
			t.Fatalf("%s not visible within %s", what, visibleWithin)
		}
		time.Sleep(2 * time.Millisecond)
	}
	return time.Since(start)
}

type fixture struct {
	pool   *pgxpool.Pool
	engine *bleve.Engine
	index  *search.Indexer
	bus    *bus.Bus
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.NewPool(t, nil, catalogpg.Domain, inventorypg.Domain)
	skus, err := catalogpg.Seed(ctx, pool, 300, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := inventorypg.Seed(ctx, pool, skus, nil); err != nil {
		t.Fatal(err)
	}
	engine, err := bleve.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = engine.Close() })
	ix := search.NewIndexer(engine, sources.NewCatalog(catalogpg.NewStore(pool)), sources.NewStock(inventorypg.NewStore(pool)))
	if _, err := ix.Reindex(ctx, nil); err != nil {
		t.Fatal(err)
	}
	return fixture{pool: pool, engine: engine, index: ix, bus: openBus(t)}
}

func (f fixture) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	if _, err := f.pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatal(err)
	}
}

func (f fixture) total(t *testing.T, q search.Query) int {
	t.Helper()
	q.First = 1
	r, err := f.engine.Search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return r.TotalCount
}

func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

// TestFreshness changes products and stock in the tables, publishes the events the catalog and
// inventory publish for those changes, and measures how long until search shows them.
func TestFreshness(t *testing.T) {
	f := newFixture(t)
	run(t, consumer.New(f.bus.JetStream(), f.index))

	rows, _ := f.pool.Query(context.Background(), `
		SELECT p.id, array_agg(v.sku ORDER BY v.sku) FROM catalog.product p JOIN catalog.variant v ON v.product_id = p.id
		WHERE EXISTS (SELECT 1 FROM inventory.stock s WHERE s.sku = v.sku AND s.on_hand > 0)
		GROUP BY p.id ORDER BY p.id LIMIT 30`)
	type product struct {
		ID   string
		SKUs []string
	}
	products, err := pgx.CollectRows(rows, pgx.RowToStructByPos[product])
	if err != nil || len(products) < 30 {
		t.Fatalf("%d products in stock: %v", len(products), err)
	}
	var titles, stock []time.Duration
	for _, p := range products {
		// A random word: any two are many edits apart, so one never matches another's product.
		word := strings.ToLower(ulid.Make().String())
		f.exec(t, `UPDATE catalog.product SET title = $2 WHERE id = $1`, p.ID, "Lamp "+word)
		publish(t, f.bus, consumer.ProductChangedSubject, consumer.ProductChanged, p.ID)
		titles = append(titles, waitFor(t, "a new title", func() bool { return f.total(t, search.Query{Text: word}) == 1 }))

		inStock := search.Query{Text: word, Filter: search.Filter{InStockOnly: true}}
		if f.total(t, inStock) != 1 {
			t.Fatalf("%s is not in stock before the change", p.ID)
		}
		f.exec(t, `UPDATE inventory.stock SET on_hand = 0 WHERE sku = ANY($1)`, p.SKUs)
		for _, sku := range p.SKUs {
			publish(t, f.bus, consumer.StockChangedSubject, consumer.StockChanged, sku)
		}
		stock = append(stock, waitFor(t, "sold out", func() bool { return f.total(t, inStock) == 0 }))
	}
	t.Logf("ProductChanged to searchable: p50 %s, p99 %s (n=%d)", percentile(titles, 0.5), percentile(titles, 0.99), len(titles))
	t.Logf("StockChanged to out of inStockOnly: p50 %s, p99 %s (n=%d)", percentile(stock, 0.5), percentile(stock, 0.99), len(stock))
}

// TestDurableResume stops the consumer, publishes, and starts another: the durable consumer
// hands it what was published meanwhile, and events applied twice change nothing.
func TestDurableResume(t *testing.T) {
	f := newFixture(t)
	var id string
	if err := f.pool.QueryRow(context.Background(), `SELECT id FROM catalog.product ORDER BY id LIMIT 1`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	stop := run(t, consumer.New(f.bus.JetStream(), f.index))
	stop()
	f.exec(t, `UPDATE catalog.product SET title = 'Wombat Chair' WHERE id = $1`, id)
	publish(t, f.bus, consumer.ProductChangedSubject, consumer.ProductChanged, id)
	publish(t, f.bus, consumer.ProductChangedSubject, consumer.ProductChanged, id) // a repeat
	publish(t, f.bus, consumer.StockChangedSubject, consumer.StockChanged, "no-such-sku")
	run(t, consumer.New(f.bus.JetStream(), f.index))
	waitFor(t, "the change published while stopped", func() bool { return f.total(t, search.Query{Text: "wombat"}) == 1 })
	if n := f.total(t, search.Query{}); n != 300 {
		t.Fatalf("%d products after replaying events, want 300", n)
	}
}

// flaky fails its first refresh, as when the database is briefly down.
type flaky struct {
	mu      sync.Mutex
	failed  bool
	applied []string
}

func (r *flaky) Refresh(_ context.Context, ids []string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	if !r.failed {
		r.failed = true
		return errors.New("database unavailable")
	}
	r.applied = append(r.applied, ids...)
	return nil
}

func (r *flaky) RefreshSKUs(context.Context, []string) error { return nil }

func TestFailedBatchIsRetried(t *testing.T) {
	b := openBus(t)
	r := &flaky{}
	run(t, consumer.New(b.JetStream(), r))
	publish(t, b, consumer.ProductChangedSubject, consumer.ProductChanged, "p1")
	waitFor(t, "the retried event", func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return slices.Contains(r.applied, "p1")
	})
	if !r.failed {
		t.Fatal("the first attempt did not fail; the test proves nothing")
	}
}
