package telemetry

import "github.com/prometheus/client_golang/prometheus"

// CacheCounts are one kind of cached value's lookups per tier, as the cache counts them.
type CacheCounts struct {
	LocalHits, LocalMisses, RedisHits, RedisMisses uint64
	Stale, RedisErrors                             uint64
}

// CacheStats is a snapshot of a two-tier cache's counters.
type CacheStats struct {
	Responses, Entities CacheCounts
	Purges              uint64
	LocalBytes          uint64
}

// ReadCacheStats exports a cache that keeps its own counters: read is called at each scrape,
// so the cache's hot path pays nothing for metrics.
func (t *Telemetry) ReadCacheStats(read func() CacheStats) {
	if t == nil || read == nil {
		return
	}
	t.registry.MustRegister(&cacheCollector{read: read})
}

var (
	cacheLookupsDesc = prometheus.NewDesc(namespace+"_cache_lookups_total",
		"Cache lookups by cached value (response, entity), tier (memory, redis) and result (hit, miss).",
		[]string{"cache", "tier", "result"}, nil)
	cacheStaleDesc = prometheus.NewDesc(namespace+"_cache_stale_total",
		"Values served past their max age because the subgraphs failed (stale-if-error).",
		[]string{"cache"}, nil)
	cacheRedisErrorsDesc = prometheus.NewDesc(namespace+"_cache_redis_errors_total",
		"Cache calls to Redis that failed; the request went on without Redis.",
		[]string{"cache"}, nil)
	cachePurgesDesc = prometheus.NewDesc(namespace+"_cache_purges_total",
		"Purge messages applied in this process (its own and other replicas').", nil, nil)
	cacheBytesDesc = prometheus.NewDesc(namespace+"_cache_memory_bytes",
		"Weight of the in-process cache tier.", nil, nil)
)

type cacheCollector struct{ read func() CacheStats }

func (c *cacheCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{cacheLookupsDesc, cacheStaleDesc, cacheRedisErrorsDesc, cachePurgesDesc, cacheBytesDesc} {
		ch <- d
	}
}

func (c *cacheCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.read()
	for _, kind := range []struct {
		name   string
		counts CacheCounts
	}{{"response", s.Responses}, {"entity", s.Entities}} {
		n := kind.counts
		for _, l := range []struct {
			tier, result string
			v            uint64
		}{
			{TierMemory, ResultHit, n.LocalHits}, {TierMemory, ResultMiss, n.LocalMisses},
			{TierRedis, ResultHit, n.RedisHits}, {TierRedis, ResultMiss, n.RedisMisses},
		} {
			ch <- prometheus.MustNewConstMetric(cacheLookupsDesc, prometheus.CounterValue, float64(l.v), kind.name, l.tier, l.result)
		}
		ch <- prometheus.MustNewConstMetric(cacheStaleDesc, prometheus.CounterValue, float64(n.Stale), kind.name)
		ch <- prometheus.MustNewConstMetric(cacheRedisErrorsDesc, prometheus.CounterValue, float64(n.RedisErrors), kind.name)
	}
	ch <- prometheus.MustNewConstMetric(cachePurgesDesc, prometheus.CounterValue, float64(s.Purges))
	ch <- prometheus.MustNewConstMetric(cacheBytesDesc, prometheus.GaugeValue, float64(s.LocalBytes))
}
