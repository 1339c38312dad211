package telemetry

// Hooks for the stages that count their own events. Each is a method on *Telemetry that does
// nothing on a nil receiver; a package that only needs one declares the small interface
// below, so it does not import Prometheus.

// Cache tiers and results for ResponseCache.
const (
	TierMemory = "memory"
	TierRedis  = "redis"

	ResultHit   = "hit"
	ResultMiss  = "miss"
	ResultStale = "stale"
)

// Dedupe levels for DedupeShared.
const (
	LevelClient   = "client"
	LevelSubgraph = "subgraph"
)

// CacheObserver is what the response cache reports to.
type CacheObserver interface {
	ResponseCache(tier, result string)
}

// QuotaObserver is what quotas and cost limits report to.
type QuotaObserver interface {
	QuotaRejected(reason string)
}

var (
	_ CacheObserver = (*Telemetry)(nil)
	_ QuotaObserver = (*Telemetry)(nil)
)

// ResponseCache counts one response cache lookup. tier and result should be the constants
// above (a small fixed set: they are label values).
func (t *Telemetry) ResponseCache(tier, result string) {
	if t == nil {
		return
	}
	t.metrics.responseCache.WithLabelValues(tier, result).Inc()
}

// QuotaRejected counts a request refused by a quota; reason is a fixed word such as
// "rate", "daily" or "cost", never a key or a caller's name.
func (t *Telemetry) QuotaRejected(reason string) {
	if t == nil {
		return
	}
	t.metrics.quotaRejections.WithLabelValues(reason).Inc()
}

// Caches for PlanCache.
const (
	CacheDocument = "document"
	CachePlan     = "plan"
)

// PlanCache counts a lookup in the parsed-document or the plan cache.
func (t *Telemetry) PlanCache(cache string, hit bool) {
	if t == nil {
		return
	}
	if c := t.metrics.cacheCounter(cache, hit); c != nil {
		c.Inc()
	}
}

// DedupeShared counts a request that joined an identical one in flight.
func (t *Telemetry) DedupeShared(level string) {
	if t == nil {
		return
	}
	switch level {
	case LevelClient:
		t.metrics.sharedClient.Inc()
	case LevelSubgraph:
		t.metrics.sharedSubgraph.Inc()
	}
}
