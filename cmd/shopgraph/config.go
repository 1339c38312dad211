package main

import (
	"context"
	"flag"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/shopgraph/shopgraph/cmd/shopgraph/settings"
	"github.com/shopgraph/shopgraph/gateway/server"
	"github.com/shopgraph/shopgraph/gateway/telemetry"
)

// Local defaults match scripts/deps.sh, so `shopgraph serve` works after `make deps`.
var (
	defaultDatabaseURL = settings.Defaults().DatabaseURL
	defaultRedisURL    = settings.Defaults().RedisURL
	defaultListenAddr  = settings.Defaults().Listen
)

// config is what the commands share. Its values come from, lowest first: the defaults, the
// YAML file of --config (env SHOPGRAPH_CONFIG), the environment, then flags given on the
// command line (see cmd/shopgraph/settings and shopgraph.example.yaml).
type config struct {
	configPath  string
	file        settings.File // the loaded file, for the sections no flag covers
	databaseURL string
	redisURL    string
	listenAddr  string
	gateway     server.Config
	// natsStoreDir keeps the embedded event bus's streams (unused with NATS_URL).
	natsStoreDir string
	// searchDir keeps the embedded search index (bleve) or its snapshot (memory).
	searchDir string
	// searchEngine is memory or bleve.
	searchEngine string
	cache        cacheFlags
}

func (c *config) register(fs *flag.FlagSet, listen bool) {
	d := settings.Defaults()
	fs.StringVar(&c.configPath, "config", os.Getenv("SHOPGRAPH_CONFIG"), "YAML configuration file (env SHOPGRAPH_CONFIG; see shopgraph.example.yaml)")
	fs.StringVar(&c.databaseURL, "database-url", d.DatabaseURL, "Postgres URL (env DATABASE_URL)")
	fs.StringVar(&c.redisURL, "redis-url", d.RedisURL, "Redis URL (env REDIS_URL)")
	if listen {
		fs.StringVar(&c.listenAddr, "listen", d.Listen, "HTTP listen address (env LISTEN_ADDR)")
		registerGateway(fs, &c.gateway)
		registerSearch(fs, c)
		c.cache.register(fs)
		fs.StringVar(&c.natsStoreDir, "nats-store", d.Data.NATSStore, "where the embedded event bus keeps its streams (env NATS_STORE_DIR)")
	}
}

// registerSearch adds the search index's flags, shared by serve and reindex.
func registerSearch(fs *flag.FlagSet, c *config) {
	d := settings.Defaults().Data
	fs.StringVar(&c.searchDir, "search-index", d.SearchIndex, "where the search index (bleve) or its snapshot (memory) lives (env SEARCH_INDEX_DIR)")
	fs.StringVar(&c.searchEngine, "search-engine", d.SearchEngine, "memory (in process, fastest; rebuilt from the catalog after a crash) or bleve (on disk) (env SEARCH_ENGINE)")
}

// registerGateway adds the gateway's tuning flags, shared by serve and gateway.
func registerGateway(fs *flag.FlagSet, g *server.Config) {
	d := settings.Defaults().Gateway
	fs.BoolVar(&g.DisableDedupe, "no-dedupe", !d.Dedupe, "send every subgraph fetch, even when an identical one is in flight")
	fs.DurationVar(&g.SubgraphTimeout, "subgraph-timeout", time.Duration(d.SubgraphTimeout), "deadline of one subgraph request")
	fs.DurationVar(&g.RequestTimeout, "request-timeout", time.Duration(d.RequestTimeout), "deadline of one whole client request")
	fs.IntVar(&g.Limits.MaxDepth, "max-depth", d.MaxDepth, "deepest selection an operation may have")
	fs.IntVar(&g.Limits.MaxAliases, "max-aliases", d.MaxAliases, "most aliases an operation may use")
	fs.IntVar(&g.PlanCacheSize, "plan-cache", d.PlanCache, "query plans kept in memory")
	registerPersisted(fs, &g.Persisted)
	fs.BoolVar(&g.GraphiQL.Disabled, "no-graphiql", false, "serve no GraphiQL IDE at /graphiql")
	fs.BoolVar(&g.Telemetry.Disabled, "no-telemetry", false, "serve no /metrics and make no spans")
}

// parse reads the command line, then fills every flag not given on it from the configuration
// (file and environment), so a flag given explicitly always wins.
func (c *config) parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	f, err := settings.Load(c.configPath)
	if err != nil {
		return err
	}
	c.file = f
	explicit := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { explicit[fl.Name] = true })
	for name, value := range flagValues(f) {
		if fs.Lookup(name) == nil || explicit[name] {
			continue
		}
		if err := fs.Set(name, value); err != nil {
			return err
		}
	}
	return nil
}

// flagValues is the configuration as the flags that can override it.
func flagValues(f settings.File) map[string]string {
	g := f.Gateway
	return map[string]string{
		"database-url":     f.DatabaseURL,
		"redis-url":        f.RedisURL,
		"listen":           f.Listen,
		"search-index":     f.Data.SearchIndex,
		"search-engine":    f.Data.SearchEngine,
		"nats-store":       f.Data.NATSStore,
		"supergraph":       g.Supergraph,
		"no-dedupe":        strconv.FormatBool(!g.Dedupe),
		"subgraph-timeout": time.Duration(g.SubgraphTimeout).String(),
		"request-timeout":  time.Duration(g.RequestTimeout).String(),
		"max-depth":        strconv.Itoa(g.MaxDepth),
		"max-aliases":      strconv.Itoa(g.MaxAliases),
		"plan-cache":       strconv.Itoa(g.PlanCache),
	}
}

// startTracing makes the gateway export spans over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is
// set; the returned function flushes them at exit.
func startTracing(ctx context.Context, g *server.Config) (stop func(), err error) {
	tp, shutdown, err := telemetry.TracerProviderFromEnv(ctx)
	if err != nil {
		return nil, err
	}
	if tp != nil {
		g.Telemetry.TracerProvider = tp
		slog.Info("exporting traces over OTLP")
	}
	return func() {
		flush, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := shutdown(flush); err != nil {
			slog.Warn("trace export did not flush", "err", err)
		}
	}, nil
}

func envOr(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}
