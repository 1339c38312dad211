package main

import (
	"flag"
	"os"
	"time"

	"github.com/shopgraph/shopgraph/gateway/server"
)

// Local defaults match scripts/deps.sh, so `shopgraph serve` works after `make deps`.
const (
	defaultDatabaseURL = "postgres://postgres@127.0.0.1:54329/shopgraph?sslmode=disable"
	defaultRedisURL    = "redis://127.0.0.1:63790/0"
	defaultListenAddr  = "127.0.0.1:4000"
)

// config is what the commands share; every field is a flag whose default comes from the
// environment, then from the local defaults.
type config struct {
	databaseURL string
	redisURL    string
	listenAddr  string
	gateway     server.Config
	// natsStoreDir keeps the embedded event bus's streams (unused with NATS_URL).
	natsStoreDir string
	// searchDir keeps the embedded search index.
	searchDir string
}

func (c *config) register(fs *flag.FlagSet, listen bool) {
	fs.StringVar(&c.databaseURL, "database-url", envOr("DATABASE_URL", defaultDatabaseURL), "Postgres URL (env DATABASE_URL)")
	fs.StringVar(&c.redisURL, "redis-url", envOr("REDIS_URL", defaultRedisURL), "Redis URL (env REDIS_URL)")
	if listen {
		fs.StringVar(&c.listenAddr, "listen", envOr("LISTEN_ADDR", defaultListenAddr), "HTTP listen address (env LISTEN_ADDR)")
		registerGateway(fs, &c.gateway)
		fs.StringVar(&c.searchDir, "search-index", envOr("SEARCH_INDEX_DIR", ".data/search"), "where the embedded search index lives (env SEARCH_INDEX_DIR)")
		fs.StringVar(&c.natsStoreDir, "nats-store", envOr("NATS_STORE_DIR", ".data/nats"), "where the embedded event bus keeps its streams (env NATS_STORE_DIR)")
	}
}

// registerGateway adds the gateway's tuning flags, shared by serve and gateway.
func registerGateway(fs *flag.FlagSet, g *server.Config) {
	fs.BoolVar(&g.DisableDedupe, "no-dedupe", false, "send every subgraph fetch, even when an identical one is in flight")
	fs.DurationVar(&g.SubgraphTimeout, "subgraph-timeout", 30*time.Second, "deadline of one subgraph request")
	fs.IntVar(&g.Limits.MaxDepth, "max-depth", 15, "deepest selection an operation may have")
	fs.IntVar(&g.Limits.MaxAliases, "max-aliases", 30, "most aliases an operation may use")
	fs.IntVar(&g.PlanCacheSize, "plan-cache", 1000, "query plans kept in memory")
}

func envOr(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}
