// Package telemetry measures the gateway: Prometheus metrics (requests by operation, client,
// endpoint and outcome; latency; subgraph fetches; plan cache; in-flight dedupe; hooks for the
// response cache and quotas) and OpenTelemetry spans for each stage of a request, with the W3C
// trace context taken from clients and passed on to subgraphs.
//
// A nil *Telemetry is valid and records nothing, so callers never check.
package telemetry

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Options configure telemetry.
type Options struct {
	// Disabled turns metrics and traces off; the gateway then has no telemetry at all.
	Disabled bool
	// Registry receives the metrics. Nil: a registry of its own, with the Go runtime and
	// process collectors, served by Handler.
	Registry *prometheus.Registry
	// TracerProvider makes the spans. Nil: no spans, and a client's traceparent is passed
	// on to subgraphs as it came. TracerProviderFromEnv builds one from OTEL_* variables.
	TracerProvider trace.TracerProvider
	// MaxOperationNames and MaxClientNames bound the label values kept for operation names
	// and client names (apollographql-client-name); later names are counted as "other".
	// Defaults 200 and 50.
	MaxOperationNames int
	MaxClientNames    int
}

// Overflow is the label value of names past a cap.
const Overflow = "other"

// Telemetry holds the gateway's metrics and tracer.
type Telemetry struct {
	registry *prometheus.Registry
	metrics  *metrics
	tracer   trace.Tracer // nil when tracing is off
	prop     propagation.TraceContext
	ops      *capped
	clients  *capped
	outcomes *capped
}

// New returns the gateway's telemetry, or nil when opts.Disabled.
func New(opts Options) *Telemetry {
	if opts.Disabled {
		return nil
	}
	reg := opts.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	if opts.MaxOperationNames <= 0 {
		opts.MaxOperationNames = 200
	}
	if opts.MaxClientNames <= 0 {
		opts.MaxClientNames = 50
	}
	t := &Telemetry{
		registry: reg,
		metrics:  newMetrics(reg),
		ops:      newCapped(opts.MaxOperationNames),
		clients:  newCapped(opts.MaxClientNames),
		outcomes: newCapped(maxOutcomes),
	}
	if opts.TracerProvider != nil {
		t.tracer = opts.TracerProvider.Tracer("github.com/shopgraph/shopgraph/gateway")
	}
	return t
}

// maxOutcomes bounds the error codes used as outcome labels: the gateway's own codes are few,
// but subgraphs may send any.
const maxOutcomes = 64

// Handler serves the metrics in the Prometheus text format (for /metrics).
func (t *Telemetry) Handler() http.Handler {
	if t == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(t.registry, promhttp.HandlerOpts{Registry: t.registry})
}

// Tracing reports whether spans are made.
func (t *Telemetry) Tracing() bool { return t != nil && t.tracer != nil }
