package main

import (
	"context"
	"flag"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopgraph/shopgraph/cmd/shopgraph/settings"
	"github.com/shopgraph/shopgraph/gateway/server"
	"github.com/shopgraph/shopgraph/gateway/telemetry"
)

// defaultListenAddr matches scripts/deps.sh, so `shopgraph serve` works after `make deps`.
var defaultListenAddr = settings.Defaults().Listen

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
	// searchSnapshotEvery is how often the memory engine snapshots while serving; 0: on shutdown only.
	searchSnapshotEvery time.Duration
	// keyPurgeEvery and keyPurgeBatch pace the purge of expired idempotency keys.
	keyPurgeEvery time.Duration
	keyPurgeBatch int
	retention     retention
	cache         cacheFlags
	gc            gcFlags
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
		fs.DurationVar(&c.searchSnapshotEvery, "search-snapshot-every", time.Duration(d.Data.SearchSnapshotEvery), "how often the memory search engine writes its snapshot while serving, so a crash restarts from it; 0: on shutdown only")
		fs.DurationVar(&c.keyPurgeEvery, "key-purge-every", time.Duration(d.Data.KeyPurgeEvery), "how often expired idempotency keys of ended checkouts are deleted")
		fs.IntVar(&c.keyPurgeBatch, "key-purge-batch", d.Data.KeyPurgeBatch, "idempotency keys one purge statement deletes")
		fs.DurationVar(&c.retention.cartMutationWindow, "cart-mutation-window", time.Duration(d.Data.CartMutationWindow), "how long a cart keeps a client mutation id: a repeat within it returns the cart as it is")
		fs.DurationVar(&c.retention.guestCartIdle, "guest-cart-idle", time.Duration(d.Data.GuestCartIdle), "how long a guest cart may go unchanged before it is deleted")
		fs.DurationVar(&c.retention.failedCheckouts, "failed-checkout-retention", time.Duration(d.Data.FailedCheckoutRetention), "how long a checkout that failed before creating an order, and a released hold, are kept")
		fs.StringVar(&c.natsStoreDir, "nats-store", d.Data.NATSStore, "where the embedded event bus keeps its streams (env NATS_STORE_DIR)")
	}
}

// registerSearch adds the search index's flags, shared by serve and reindex.
func registerSearch(fs *flag.FlagSet, c *config) {
	d := settings.Defaults().Data
	fs.StringVar(&c.searchDir, "search-index", d.SearchIndex, "where the search index (bleve) or its snapshot (memory) lives (env SEARCH_INDEX_DIR)")
	fs.StringVar(&c.searchEngine, "search-engine", d.SearchEngine, "memory (in process, fastest; after a crash serves its last snapshot while it is rebuilt from the catalog) or bleve (on disk) (env SEARCH_ENGINE)")
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
	fs.StringVar(&g.MetricsListen, "metrics-listen", "", "serve /metrics on this private address (such as 127.0.0.1:9090) instead of the public listener")
	fs.BoolVar(&g.GraphiQL.Disabled, "no-graphiql", false, "serve no GraphiQL IDE at /graphiql")
	fs.BoolVar(&g.Telemetry.Disabled, "no-telemetry", false, "serve no /metrics and make no spans")
}

// parse reads the command line, then sets every flag not given on it that the configuration
// (file or environment) sets, so a flag given explicitly always wins and a key left out keeps
// the command's own default.
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
	for _, b := range flagKeys {
		if !f.Given(b.key) || fs.Lookup(b.flag) == nil || explicit[b.flag] {
			continue
		}
		if err := fs.Set(b.flag, b.value(f)); err != nil {
			return f.Errorf(b.key, strings.TrimPrefix(err.Error(), "invalid value "))
		}
	}
	return nil
}

// flagKeys binds each configuration key to the flag it sets.
var flagKeys = []struct {
	key, flag string
	value     func(settings.File) string
}{
	{"database_url", "database-url", func(f settings.File) string { return f.DatabaseURL }},
	{"redis_url", "redis-url", func(f settings.File) string { return f.RedisURL }},
	{"listen", "listen", func(f settings.File) string { return f.Listen }},
	{"data.search_index", "search-index", func(f settings.File) string { return f.Data.SearchIndex }},
	{"data.search_engine", "search-engine", func(f settings.File) string { return f.Data.SearchEngine }},
	{"data.search_snapshot_every", "search-snapshot-every", func(f settings.File) string { return duration(f.Data.SearchSnapshotEvery) }},
	{"data.nats_store", "nats-store", func(f settings.File) string { return f.Data.NATSStore }},
	{"data.key_purge_every", "key-purge-every", func(f settings.File) string { return duration(f.Data.KeyPurgeEvery) }},
	{"data.key_purge_batch", "key-purge-batch", func(f settings.File) string { return strconv.Itoa(f.Data.KeyPurgeBatch) }},
	{"data.cart_mutation_window", "cart-mutation-window", func(f settings.File) string { return duration(f.Data.CartMutationWindow) }},
	{"data.guest_cart_idle", "guest-cart-idle", func(f settings.File) string { return duration(f.Data.GuestCartIdle) }},
	{"data.failed_checkout_retention", "failed-checkout-retention", func(f settings.File) string { return duration(f.Data.FailedCheckoutRetention) }},
	{"gateway.supergraph", "supergraph", func(f settings.File) string { return f.Gateway.Supergraph }},
	{"gateway.dedupe", "no-dedupe", func(f settings.File) string { return strconv.FormatBool(!f.Gateway.Dedupe) }},
	{"gateway.subgraph_timeout", "subgraph-timeout", func(f settings.File) string { return duration(f.Gateway.SubgraphTimeout) }},
	{"gateway.request_timeout", "request-timeout", func(f settings.File) string { return duration(f.Gateway.RequestTimeout) }},
	{"gateway.max_depth", "max-depth", func(f settings.File) string { return strconv.Itoa(f.Gateway.MaxDepth) }},
	{"gateway.max_aliases", "max-aliases", func(f settings.File) string { return strconv.Itoa(f.Gateway.MaxAliases) }},
	{"gateway.plan_cache", "plan-cache", func(f settings.File) string { return strconv.Itoa(f.Gateway.PlanCache) }},
	{"gateway.graphiql", "no-graphiql", func(f settings.File) string { return strconv.FormatBool(!f.Gateway.GraphiQL) }},
	{"gateway.metrics_listen", "metrics-listen", func(f settings.File) string { return f.Gateway.MetricsListen }},
	{"gateway.telemetry", "no-telemetry", func(f settings.File) string { return strconv.FormatBool(!f.Gateway.Telemetry) }},
	{"gateway.gc_percent", "gc-percent", func(f settings.File) string { return strconv.Itoa(f.Gateway.GCPercent) }},
	{"gateway.memory_limit_mib", "memory-limit-mib", func(f settings.File) string { return strconv.Itoa(f.Gateway.MemoryLimitMiB) }},
	{"persisted.apq", "no-apq", func(f settings.File) string { return strconv.FormatBool(!f.Persisted.APQ) }},
	{"persisted.apq_prefix", "apq-prefix", func(f settings.File) string { return f.Persisted.APQPrefix }},
	{"persisted.apq_ttl", "apq-ttl", func(f settings.File) string { return duration(f.Persisted.APQTTL) }},
	{"persisted.manifests", "manifests", func(f settings.File) string { return strings.Join(f.Persisted.Manifests, ",") }},
	{"persisted.client_modes", "client-modes", func(f settings.File) string { return pairs(f.Persisted.ClientModes) }},
	{"persisted.default_mode", "default-mode", func(f settings.File) string { return f.Persisted.DefaultMode }},
	{"cache.enabled", "response-cache", func(f settings.File) string { return strconv.FormatBool(f.Cache.Enabled) }},
	{"cache.local", "response-cache-local", func(f settings.File) string { return strconv.FormatBool(f.Cache.Local) }},
	{"cache.memory_bytes", "response-cache-bytes", func(f settings.File) string { return strconv.Itoa(f.Cache.MemoryBytes) }},
	{"cache.stale", "response-cache-stale", func(f settings.File) string { return duration(f.Cache.Stale) }},
	{"cache.prefix", "response-cache-prefix", func(f settings.File) string { return f.Cache.Prefix }},
	{"partner.enabled", "partner", func(f settings.File) string { return strconv.FormatBool(f.Partner.Enabled) }},
	{"partner.default_quota", "partner-quota", func(f settings.File) string { return f.Partner.DefaultQuota }},
	{"partner.default_max_cost", "partner-max-cost", func(f settings.File) string { return strconv.Itoa(f.Partner.DefaultMaxCost) }},
	{"partner.max_depth", "partner-max-depth", func(f settings.File) string { return strconv.Itoa(f.Partner.MaxDepth) }},
	{"partner.max_aliases", "partner-max-aliases", func(f settings.File) string { return strconv.Itoa(f.Partner.MaxAliases) }},
	{"partner.key_cache", "partner-key-cache", func(f settings.File) string { return duration(f.Partner.KeyCache) }},
	{"storefront.quota", "storefront-quota", func(f settings.File) string { return f.Storefront.Quota }},
	{"storefront.trusted_proxies", "trusted-proxies", func(f settings.File) string { return strings.Join(f.Storefront.TrustedProxies, ",") }},
	{"storefront.max_cost", "storefront-max-cost", func(f settings.File) string { return strconv.Itoa(f.Storefront.MaxCost) }},
}

func duration(d settings.Duration) string { return time.Duration(d).String() }

// retention is how long serve keeps what carts and checkouts leave behind; 0: the defaults.
type retention struct {
	cartMutationWindow time.Duration
	guestCartIdle      time.Duration
	failedCheckouts    time.Duration
}

// pairs writes a map as name=value,... in name order.
func pairs(m map[string]string) string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return strings.Join(out, ",")
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
