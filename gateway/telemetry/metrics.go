package telemetry

import (
	"github.com/prometheus/client_golang/prometheus"
)

const namespace = "shopgraph_gateway"

type metrics struct {
	requests        *prometheus.CounterVec   // endpoint, operation, client, outcome
	duration        *prometheus.HistogramVec // endpoint, operation
	fetchDuration   *prometheus.HistogramVec // subgraph
	fetchErrors     *prometheus.CounterVec   // subgraph, reason
	planCache       *prometheus.CounterVec   // cache, result
	dedupeShared    *prometheus.CounterVec   // level
	responseCache   *prometheus.CounterVec   // tier, result
	quotaRejections *prometheus.CounterVec   // reason

	// the hot-path counters, resolved once
	docHit, docMiss, planHit, planMiss prometheus.Counter
	sharedClient, sharedSubgraph       prometheus.Counter
}

func (m *metrics) cacheCounter(cache string, hit bool) prometheus.Counter {
	switch {
	case cache == CacheDocument && hit:
		return m.docHit
	case cache == CacheDocument:
		return m.docMiss
	case cache == CachePlan && hit:
		return m.planHit
	case cache == CachePlan:
		return m.planMiss
	}
	return nil
}

// latencyBuckets span a cached answer (under a millisecond) to a slow fan-out (seconds).
var latencyBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "requests_total",
			Help: "GraphQL requests by endpoint, operation name, client name and outcome (ok or the first error's code).",
		}, []string{"endpoint", "operation", "client", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "request_duration_seconds",
			Help:    "Time to answer a GraphQL request, by endpoint and operation name.",
			Buckets: latencyBuckets,
		}, []string{"endpoint", "operation"}),
		fetchDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "subgraph_fetch_duration_seconds",
			Help:    "Time of one subgraph request, by subgraph.",
			Buckets: latencyBuckets,
		}, []string{"subgraph"}),
		fetchErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "subgraph_fetch_errors_total",
			Help: "Subgraph requests that failed without a GraphQL response, by subgraph and reason (timeout, canceled, breaker_open, transport).",
		}, []string{"subgraph", "reason"}),
		planCache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "plan_cache_total",
			Help: "Lookups in the parsed-document and query-plan caches, by cache and result (hit, miss).",
		}, []string{"cache", "result"}),
		dedupeShared: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "dedupe_shared_total",
			Help: "Requests answered by joining an identical one in flight, by level (client query, subgraph fetch).",
		}, []string{"level"}),
		responseCache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "response_cache_total",
			Help: "Response cache lookups by tier (memory, redis) and result (hit, miss, stale).",
		}, []string{"tier", "result"}),
		quotaRejections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "quota_rejections_total",
			Help: "Requests refused by a partner quota or cost limit, by reason.",
		}, []string{"reason"}),
	}
	reg.MustRegister(m.requests, m.duration, m.fetchDuration, m.fetchErrors, m.planCache,
		m.dedupeShared, m.responseCache, m.quotaRejections)
	m.docHit = m.planCache.WithLabelValues(CacheDocument, ResultHit)
	m.docMiss = m.planCache.WithLabelValues(CacheDocument, ResultMiss)
	m.planHit = m.planCache.WithLabelValues(CachePlan, ResultHit)
	m.planMiss = m.planCache.WithLabelValues(CachePlan, ResultMiss)
	m.sharedClient = m.dedupeShared.WithLabelValues(LevelClient)
	m.sharedSubgraph = m.dedupeShared.WithLabelValues(LevelSubgraph)
	return m
}
