package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/shopgraph/shopgraph/gateway/identity"
	"github.com/shopgraph/shopgraph/gateway/server"
	identitypg "github.com/shopgraph/shopgraph/subgraphs/identity/postgres"
	"github.com/shopgraph/shopgraph/subgraphs/trust"
)

// staffRoleTTL is how long the gateway trusts a staff token's role before asking identity
// again: the longest a demoted staff member keeps staff rights.
const staffRoleTTL = 5 * time.Second

func runServe(ctx context.Context, args []string) error {
	var cfg config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg.register(fs, true)
	var edge edgeFlags
	edge.register(fs, true)
	cfg.gc.register(fs, "serve")
	if err := cfg.parse(fs, args); err != nil {
		return err
	}
	cfg.gc.apply(fs)

	pool, err := openPool(ctx, cfg.databaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	rdb, err := openRedis(cfg.redisURL)
	if err != nil {
		return err
	}
	defer rdb.Close()
	if err := edge.apply(&cfg.gateway, pool, rdb); err != nil {
		return err
	}

	stopTracing, err := startTracing(ctx, &cfg.gateway)
	if err != nil {
		return err
	}
	defer stopTracing()

	a, err := newApp(ctx, pool, rdb, appOptions{natsStoreDir: cfg.natsStoreDir, searchDir: cfg.searchDir, searchEngine: cfg.searchEngine,
		searchSnapshotEvery: cfg.searchSnapshotEvery, keyPurgeEvery: cfg.keyPurgeEvery, keyPurgeBatch: cfg.keyPurgeBatch,
		retention: cfg.retention})
	if err != nil {
		return err
	}
	defer a.close()
	a.workers = append(a.workers, cfg.cache.attach(&cfg.gateway, rdb, a.bus.JetStream())...)
	mux, err := newMux(a, cfg.gateway)
	if err != nil {
		return err
	}
	workerCtx, stopWorkers := context.WithCancel(ctx)
	waitWorkers := a.run(workerCtx)
	defer func() { stopWorkers(); waitWorkers() }()
	ln, err := net.Listen("tcp", cfg.listenAddr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.listenAddr, err)
	}
	base := "http://" + ln.Addr().String()
	for _, s := range allSubgraphs() {
		slog.Info("subgraph ready", "name", s.domain.Name, "url", base+subgraphPath(s.domain.Name))
	}
	slog.Info("serving", "graphql", base+"/graphql", "graphiql", base+"/graphiql", "metrics", base+"/metrics",
		"health", base+"/health", "ready", base+"/ready")
	if cfg.gateway.Partner != nil {
		slog.Info("partner endpoint", "graphql", base+"/partner/graphql", "keys", "shopgraph keys create --name NAME")
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	waitMetrics, err := serveMetrics(ctx, cfg.gateway.MetricsListen, a.metrics)
	if err != nil {
		_ = ln.Close()
		return err
	}
	err = serveHTTP(ctx, ln, mux)
	stop() // the metrics listener ends with the public one
	return errors.Join(err, waitMetrics())
}

// newMux routes the gateway at /graphql (and /), every subgraph under /subgraphs/<name>/graphql,
// GraphiQL at /graphiql, metrics at /metrics, plus /health and /ready. The gateway calls the subgraphs of this process in process, without HTTP.
func newMux(a *app, gw server.Config) (*http.ServeMux, error) {
	mux := http.NewServeMux()
	inProcess := map[string]http.Handler{}
	for _, s := range allSubgraphs() {
		h := s.handler(a)
		inProcess[s.domain.Name] = h
		mux.Handle(subgraphPath(s.domain.Name), h)
	}
	sdl, err := composeSupergraph("http://" + defaultListenAddr)
	if err != nil {
		return nil, err
	}
	gw.SupergraphSDL = sdl
	gw.InProcess = inProcess
	// The gateway turns a customer's bearer token into headers the subgraphs can verify, and
	// passes on a guest's cart token. A staff token's role is confirmed with identity at most
	// every staffRoleTTL, so a demotion takes effect within it.
	gw.SubgraphHeaders = identity.New(a.tokens, trust.NewSigner(a.secrets.Gateway)).
		WithRoles(identityRoles{identitypg.NewStore(a.pool)}, staffRoleTTL).SubgraphHeaders
	gw.ForwardHeaders = append(gw.ForwardHeaders, trust.HeaderCartToken, "Idempotency-Key")
	if gw.Persisted.Redis == nil {
		gw.Persisted.Redis = a.rdb
	}
	g, err := server.New(gw)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	mux.Handle("/graphql", g)
	if p := g.Partner(); p != nil {
		mux.Handle("/partner/graphql", p)
	}
	mux.Handle("/{$}", g) // a browser opening the store's address gets GraphiQL
	g.Mount(mux)          // /graphiql, /metrics
	if gw.MetricsListen != "" {
		a.metrics = g.MetricsHandler()
	}
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"status":"ok"}`)
	})
	mux.Handle("GET /ready", readiness(a.pool, a.rdb, a.searchReady))
	mux.Handle("POST "+reindexPath, reindexHandler(a.indexer))
	return mux, nil
}

func subgraphPath(name string) string { return "/subgraphs/" + name + "/graphql" }

// serveHTTP serves until ctx ends, then drains in-flight requests for up to ten seconds.
func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    1 << 20,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	slog.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func openPool(ctx context.Context, url string) (*pgxpool.Pool, error) {
	pcfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if pcfg.MaxConns < 20 {
		pcfg.MaxConns = 20
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("open database pool: %w", err)
	}
	return pool, nil
}

func openRedis(url string) (*redis.Client, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("parse redis url: %w", err)
	}
	return redis.NewClient(opts), nil
}

// readiness reports 503 until Postgres and Redis both answer and the search index can answer
// (searchReady closed: built, loaded from a snapshot, or its first build gave up; nil: not
// checked), so a load balancer only routes to a replica that can serve.
func readiness(pool *pgxpool.Pool, rdb *redis.Client, searchReady <-chan struct{}) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "application/json")
		if searchReady != nil {
			select {
			case <-searchReady:
			default:
				w.WriteHeader(http.StatusServiceUnavailable)
				fmt.Fprint(w, `{"status":"unavailable","dependency":"search index (building)"}`)
				return
			}
		}
		if err := pool.Ping(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"status":"unavailable","dependency":"postgres"}`)
			return
		}
		if err := rdb.Ping(ctx).Err(); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"status":"unavailable","dependency":"redis"}`)
			return
		}
		fmt.Fprint(w, `{"status":"ready"}`)
	})
}
