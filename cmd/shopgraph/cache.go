package main

import (
	"context"
	"flag"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/redis/go-redis/v9"

	"github.com/shopgraph/shopgraph/gateway/cache"
	"github.com/shopgraph/shopgraph/gateway/cache/purge"
	"github.com/shopgraph/shopgraph/gateway/server"
	bus "github.com/shopgraph/shopgraph/subgraphs/outbox/jetstream"
	"github.com/shopgraph/shopgraph/subgraphs/search/consumer"
)

// cacheFlags configure the gateway's response cache.
type cacheFlags struct {
	on         bool
	local      bool
	localBytes int
	staleFor   time.Duration
	prefix     string
	onPurge    func(tags []string) // tests: told of every purge this process applies
}

func (c *cacheFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&c.on, "response-cache", true, "cache query responses and entities by their @cacheControl policies (in process, then Redis)")
	fs.BoolVar(&c.local, "response-cache-local", true, "keep entries in process in front of Redis (false: every lookup goes to Redis)")
	fs.IntVar(&c.localBytes, "response-cache-bytes", 64<<20, "bytes of responses and entities each process keeps in memory")
	fs.DurationVar(&c.staleFor, "response-cache-stale", 5*time.Minute, "how long past its maxAge a cached response is still served when subgraphs fail")
	fs.StringVar(&c.prefix, "response-cache-prefix", "shopgraph:cache:", "prefix of the cache's Redis keys and purge channel")
}

// attach turns the cache on for gw, with its entries in rdb, and returns the workers that keep
// it true: one that drops this process's entries when any replica purges, and, when js is
// set, the purger of ProductChanged and StockChanged events.
func (c *cacheFlags) attach(gw *server.Config, rdb redis.UniversalClient, js jetstream.JetStream) []func(context.Context) {
	if !c.on {
		return nil
	}
	store := cache.NewStore(cache.Options{Redis: rdb, Prefix: c.prefix, LocalBytes: uint64(c.localBytes),
		NoLocal: !c.local, StaleFor: c.staleFor, OnPurge: c.onPurge})
	gw.Cache = &cache.Config{Store: store}
	workers := []func(context.Context){func(ctx context.Context) { listenPurges(ctx, store) }}
	if js != nil {
		p := purge.New(js, store, purge.Config{Stream: bus.StreamName,
			ProductChanged: consumer.ProductChangedSubject, StockChanged: consumer.StockChangedSubject})
		workers = append(workers, func(ctx context.Context) {
			if err := p.Run(ctx); err != nil && ctx.Err() == nil {
				slog.Error("response cache purger stopped", "err", err)
			}
		})
	}
	return workers
}

// listenPurges follows the purge channel until ctx ends, subscribing again (backing off up to
// 30s) while Redis is down.
func listenPurges(ctx context.Context, store *cache.Store) {
	wait := time.Second
	for ctx.Err() == nil {
		stop, err := store.Listen(ctx)
		if err == nil {
			<-ctx.Done()
			stop()
			return
		}
		slog.Warn("response cache: purge channel unavailable, retrying", "err", err, "in", wait)
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		wait = min(2*wait, 30*time.Second)
	}
}

// open turns the cache on for a gateway process of its own (no event bus: it learns of
// purges from the replicas and purgers that share its Redis) and returns what stops it.
func (c *cacheFlags) open(ctx context.Context, cfg *config) (stop func(), err error) {
	if !c.on {
		return func() {}, nil
	}
	rdb, err := openRedis(cfg.redisURL)
	if err != nil {
		return func() {}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, w := range c.attach(&cfg.gateway, rdb, nil) {
		wg.Go(func() { w(ctx) })
	}
	return func() { cancel(); wg.Wait(); _ = rdb.Close() }, nil
}
