package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/shopgraph/shopgraph/gateway/partner"
	partnerpg "github.com/shopgraph/shopgraph/gateway/partner/postgres"
	"github.com/shopgraph/shopgraph/gateway/quota"
	"github.com/shopgraph/shopgraph/gateway/server"
)

// edgeFlags set the policies of the two endpoints: /graphql (storefront) and /partner/graphql.
type edgeFlags struct {
	partner           bool
	partnerMaxCost    int
	partnerMaxDepth   int
	partnerMaxAliases int
	partnerQuota      string
	keyCacheTTL       time.Duration
	storefrontQuota   string
	storefrontMaxCost int
	trustedProxies    string
}

// register adds the flags. serve turns the partner endpoint and a generous storefront quota
// and cost ceiling on; gateway leaves them off unless asked, so it serves any supergraph as is.
func (e *edgeFlags) register(fs *flag.FlagSet, serve bool) {
	storefrontQuota, storefrontMaxCost := "", 0
	if serve {
		storefrontQuota, storefrontMaxCost = "100000/m", 100_000
	}
	fs.BoolVar(&e.partner, "partner", serve, "serve /partner/graphql for API keys (keys in Postgres, quotas in Redis)")
	fs.IntVar(&e.partnerMaxCost, "partner-max-cost", 5000, "cost ceiling of a partner key created without --max-cost")
	fs.StringVar(&e.partnerQuota, "partner-quota", "600/m", "quota of a partner key created without --quota")
	fs.IntVar(&e.partnerMaxDepth, "partner-max-depth", server.PartnerDefaultLimits.MaxDepth, "deepest selection a partner operation may have")
	fs.IntVar(&e.partnerMaxAliases, "partner-max-aliases", server.PartnerDefaultLimits.MaxAliases, "most aliases a partner operation may use")
	fs.DurationVar(&e.keyCacheTTL, "partner-key-cache", 5*time.Second, "how long a key lookup is remembered: a revoked key stops working within this")
	fs.StringVar(&e.storefrontQuota, "storefront-quota", storefrontQuota, `requests per client IP on /graphql, e.g. "6000/m"; empty: no quota (fails open when Redis is down)`)
	fs.StringVar(&e.trustedProxies, "trusted-proxies", "", "comma-separated CIDRs of proxies in front of the gateway, whose X-Forwarded-For names the client the storefront quota counts; empty: the connection's address")
	fs.IntVar(&e.storefrontMaxCost, "storefront-max-cost", storefrontMaxCost, "cost ceiling of a /graphql operation; 0: no ceiling")
}

// needs reports which connections the flags need.
func (e *edgeFlags) needs() (postgres, redis bool) {
	return e.partner, e.partner || e.storefrontQuota != ""
}

// apply sets the gateway's policies. The partner quota fails closed (503 QUOTA_UNAVAILABLE when
// Redis is down): partners pay for what they use. The storefront's fails open: shoppers keep
// shopping through a Redis outage.
func (e *edgeFlags) apply(gw *server.Config, pool *pgxpool.Pool, rdb redis.UniversalClient) error {
	gw.Storefront.MaxCost = e.storefrontMaxCost
	if e.storefrontQuota != "" {
		rate, err := quota.ParseRate(e.storefrontQuota)
		if err != nil {
			return fmt.Errorf("--storefront-quota: %w", err)
		}
		gw.Storefront.Quota = quota.New(rdb, quota.Options{Prefix: "shopgraph:quota:", FailOpen: true})
		gw.Storefront.QuotaRate = rate
		proxies, err := server.ParsePrefixes(e.trustedProxies)
		if err != nil {
			return fmt.Errorf("--trusted-proxies: %w", err)
		}
		gw.Storefront.Caller = server.ClientIPBehind(proxies)
	}
	if !e.partner {
		return nil
	}
	rate, err := quota.ParseRate(e.partnerQuota)
	if err != nil {
		return fmt.Errorf("--partner-quota: %w", err)
	}
	gw.Partner = &server.PartnerConfig{
		Keys: partner.NewKeys(partnerpg.NewStore(pool), partner.KeysOptions{TTL: e.keyCacheTTL}),
		Policy: server.Policy{
			MaxCost:   e.partnerMaxCost,
			Quota:     quota.New(rdb, quota.Options{Prefix: "shopgraph:quota:"}),
			QuotaRate: rate,
			Limits:    gw.Limits,
		},
	}
	gw.Partner.Limits.MaxDepth, gw.Partner.Limits.MaxAliases = e.partnerMaxDepth, e.partnerMaxAliases
	return nil
}

// openEdge opens what the flags need for `shopgraph gateway`, which has no connections of its
// own, and returns a function that closes them.
func (e *edgeFlags) openEdge(ctx context.Context, cfg *config) (close func(), err error) {
	needPG, needRedis := e.needs()
	var pool *pgxpool.Pool
	var rdb *redis.Client
	close = func() {
		if pool != nil {
			pool.Close()
		}
		if rdb != nil {
			_ = rdb.Close()
		}
	}
	if needPG {
		if pool, err = openPool(ctx, cfg.databaseURL); err != nil {
			return close, err
		}
	}
	if needRedis {
		if rdb, err = openRedis(cfg.redisURL); err != nil {
			return close, err
		}
	}
	return close, e.apply(&cfg.gateway, pool, rdb)
}
