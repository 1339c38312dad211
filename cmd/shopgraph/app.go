package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/shopgraph/shopgraph/subgraphs/cart"
	cartpg "github.com/shopgraph/shopgraph/subgraphs/cart/postgres"
	catalogpg "github.com/shopgraph/shopgraph/subgraphs/catalog/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/inventory"
	inventorypg "github.com/shopgraph/shopgraph/subgraphs/inventory/postgres"
	inventoryredis "github.com/shopgraph/shopgraph/subgraphs/inventory/redis"
	"github.com/shopgraph/shopgraph/subgraphs/orders"
	"github.com/shopgraph/shopgraph/subgraphs/orders/clients"
	"github.com/shopgraph/shopgraph/subgraphs/orders/jobs"
	orderspg "github.com/shopgraph/shopgraph/subgraphs/orders/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/outbox"
	"github.com/shopgraph/shopgraph/subgraphs/outbox/jetstream"
	"github.com/shopgraph/shopgraph/subgraphs/payments"
	paymentspg "github.com/shopgraph/shopgraph/subgraphs/payments/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/payments/provider"
	"github.com/shopgraph/shopgraph/subgraphs/search"
	searchbleve "github.com/shopgraph/shopgraph/subgraphs/search/bleve"
	"github.com/shopgraph/shopgraph/subgraphs/search/consumer"
	searchmemory "github.com/shopgraph/shopgraph/subgraphs/search/memory"
	"github.com/shopgraph/shopgraph/subgraphs/search/sources"
	"github.com/shopgraph/shopgraph/subgraphs/trust"
)

// app holds what the domains of one process share: connections, the services that cross
// domains in process (reservations and payments for checkout), and the background workers.
type app struct {
	pool         *pgxpool.Pool // catalog, identity, search, partner keys
	money        *pgxpool.Pool // cart, inventory, payments, orders: generic plans (moneyPool)
	rdb          *redis.Client
	flash        *inventoryredis.Flash
	reservations *inventory.Reservations
	payments     *payments.Service
	orders       *orderspg.Store
	checkout     *orders.Service
	bus          *jetstream.Bus
	searchIndex  search.Engine
	indexer      *search.Indexer
	// searchCurrent is closed once serve has built the search index (first start), rebuilt it
	// (after a crash) or found it current, or failed to (logged); events keep it fresh after.
	searchCurrent chan struct{}
	// searchReady is closed once the search index can answer: loaded from a snapshot, or
	// built on a first start (or that build gave up, which is logged).
	searchReady chan struct{}
	tmpDirs     []string      // removed on close
	search      search.Engine // the index behind a short-lived facet cache
	secrets     trust.Secrets
	tokens      *trust.Tokens
	workers     []func(context.Context)
	metrics     http.Handler // the gateway's /metrics when served on a listener of its own
}

// appOptions are the process-level settings of the shared services.
type appOptions struct {
	natsStoreDir string // embedded NATS streams; empty: a temporary directory
	searchDir    string // the embedded search index; empty: a temporary directory
	searchEngine string // memory (the default when empty) or bleve
	// searchSnapshotEvery is how often the memory engine snapshots while serving; 0: on close only.
	searchSnapshotEvery time.Duration
	// keyPurgeEvery and keyPurgeBatch pace the purge of expired idempotency keys; 0: defaults.
	keyPurgeEvery time.Duration
	keyPurgeBatch int
	retention     retention
}

func newApp(ctx context.Context, pool *pgxpool.Pool, rdb *redis.Client, opts appOptions) (*app, error) {
	secrets, err := trust.SecretsFromEnv()
	if err != nil {
		return nil, err
	}
	money, err := moneyPool(ctx, pool)
	if err != nil {
		return nil, err
	}
	flash, err := inventoryredis.New(rdb)
	if err != nil {
		money.Close()
		return nil, fmt.Errorf("flash-sale path: %w", err)
	}
	holds := inventorypg.NewStore(money)
	reservations := inventory.NewReservations(holds, inventory.WithFlashSale(flash))
	pay := payments.NewService(paymentspg.NewStore(money), paymentProvider())

	q, err := jobs.New(money, jobs.Options{PurgeEvery: opts.keyPurgeEvery, PurgeBatch: opts.keyPurgeBatch,
		FailedRetention: opts.retention.failedCheckouts})
	if err != nil {
		_ = flash.Close()
		money.Close()
		return nil, fmt.Errorf("checkout jobs: %w", err)
	}
	store := orderspg.NewStore(money).WithSagaJobs(q)
	checkout := orders.NewService(store,
		clients.NewInventory(reservations, 0),
		clients.NewPayments(pay),
		clients.NewCarts(cartpg.NewStore(money)),
		clients.NewPrices(catalogpg.NewStore(money))) // checkout re-reads prices by SKU on the money path
	q.Serve(checkout)

	cfg := jetstream.ConfigFromEnv()
	cfg.StoreDir = opts.natsStoreDir
	bus, err := jetstream.Open(ctx, cfg)
	if err != nil {
		_ = flash.Close()
		money.Close()
		return nil, fmt.Errorf("event bus: %w", err)
	}

	searchDir := opts.searchDir
	var tmpDirs []string
	if searchDir == "" {
		if searchDir, err = os.MkdirTemp("", "shopgraph-search-"); err != nil {
			bus.Close()
			_ = flash.Close()
			money.Close()
			return nil, err
		}
		tmpDirs = append(tmpDirs, searchDir)
	}
	index, err := openSearchEngine(opts.searchEngine, searchDir)
	if err != nil {
		bus.Close()
		_ = flash.Close()
		money.Close()
		return nil, fmt.Errorf("search index: %w", err)
	}
	indexer := search.NewIndexer(index, sources.NewCatalog(catalogpg.NewStore(pool)), sources.NewStock(reservations))

	a := &app{pool: pool, money: money, rdb: rdb, flash: flash, reservations: reservations, payments: pay,
		orders: store, checkout: checkout, bus: bus,
		searchIndex: index, indexer: indexer, searchCurrent: make(chan struct{}), searchReady: make(chan struct{}), tmpDirs: tmpDirs, search: search.NewFacetCache(index, time.Second, 10_000),
		secrets: secrets, tokens: trust.NewTokens(secrets.Token)}
	a.workers = append(a.workers,
		(&inventory.Sweeper{Reservations: reservations}).Run,                                   // expired holds back to stock
		(&inventory.Flusher{Reservations: reservations}).Run,                                   // flash-sale changes to Postgres
		(&inventory.HoldRetention{Store: holds, Released: opts.retention.failedCheckouts}).Run, // holds of checkouts that did not go through
		(&cart.Retention{Store: cartpg.NewStore(money), MutationWindow: opts.retention.cartMutationWindow,
			GuestCartIdle: opts.retention.guestCartIdle}).Run, // old mutation ids, idle guest carts
		func(ctx context.Context) { // durable jobs: parked checkout sagas, key purges
			if err := q.Run(ctx); err != nil && ctx.Err() == nil {
				slog.Error("checkout jobs stopped", "err", err)
			}
		},
		orders.NewRecovery(checkout, 5*time.Second).Run,     // sagas of a process that stopped
		outbox.NewRelay(money, orderspg.Outbox, bus).Run,    // order events to the bus
		outbox.NewRelay(money, inventorypg.Outbox, bus).Run, // stock events to the bus
		outbox.NewRelay(pool, catalogpg.Outbox, bus).Run,    // product events to the bus
		func(ctx context.Context) { // a first start builds the search index, then events keep it fresh
			if built, err := indexer.IndexIfEmpty(ctx, nil); err != nil && ctx.Err() == nil {
				slog.Error("search index build failed", "err", err)
			} else if built {
				slog.Info("search index built")
			}
			close(a.searchReady)
			// A snapshot left by a crash serves at once and is rebuilt beside the consumer,
			// whose refreshes reach both indexes meanwhile.
			var stale sync.WaitGroup
			defer stale.Wait()
			stale.Go(func() {
				defer close(a.searchCurrent)
				if rebuilt := retryRebuild(ctx, func(ctx context.Context) (bool, error) { return indexer.IndexIfStale(ctx, nil) },
					time.Second, time.Minute); rebuilt {
					slog.Info("search index rebuilt after a crash")
				}
			})
			if err := consumer.New(bus.JetStream(), indexer).Run(ctx); err != nil && ctx.Err() == nil {
				slog.Error("search indexer stopped", "err", err)
			}
		},
	)
	if m, ok := index.(*searchmemory.Engine); ok {
		a.workers = append(a.workers, func(ctx context.Context) { m.SnapshotEvery(ctx, opts.searchSnapshotEvery) })
	}
	return a, nil
}

// openSearchEngine opens the search index of kind in dir: memory (the default) answers from
// process memory and snapshots to dir (periodically when serving, and on close); bleve keeps the index on disk in dir.
func openSearchEngine(kind, dir string) (search.Engine, error) {
	switch kind {
	case "", "memory":
		return searchmemory.Open(dir)
	case "bleve":
		return searchbleve.Open(dir)
	default:
		return nil, fmt.Errorf("unknown search engine %q: memory or bleve", kind)
	}
}

// paymentProvider is Stripe when STRIPE_SECRET_KEY is set (STRIPE_API_URL points it at
// stripe-mock or a proxy), else the built-in simulated provider.
func paymentProvider() payments.Provider {
	if key := os.Getenv("STRIPE_SECRET_KEY"); key != "" {
		return provider.NewStripe(provider.StripeConfig{SecretKey: key, URL: os.Getenv("STRIPE_API_URL")})
	}
	return provider.NewSimulated(0)
}

// run starts the background workers and returns a function that waits for them to stop
// once ctx ends.
func (a *app) run(ctx context.Context) (wait func()) {
	var wg sync.WaitGroup
	for _, w := range a.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w(ctx)
		}()
	}
	return wg.Wait
}

func (a *app) close() {
	defer a.money.Close()
	_ = a.searchIndex.Close()
	for _, dir := range a.tmpDirs {
		_ = os.RemoveAll(dir)
	}
	a.bus.Close()
	_ = a.flash.Close()
}

// moneyPool opens the pool of the money path (cart, inventory, payments, orders) beside pool,
// with its settings. Its statements read and write rows by key, and their best plan does not
// depend on the values bound, so they run on generic plans: Postgres plans each prepared
// statement once per connection instead of on every execution (a fifth of its CPU per
// checkout). Catalog listings stay on pool, whose range filters want plans for their values.
func moneyPool(ctx context.Context, pool *pgxpool.Pool) (*pgxpool.Pool, error) {
	cfg := pool.Config()
	cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
	money, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open money-path database pool: %w", err)
	}
	return money, nil
}
