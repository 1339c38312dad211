package telemetry

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/shopgraph/shopgraph/gateway/transport"
)

// Fetcher sends one GraphQL request to a subgraph (execute.Subgraphs).
type Fetcher interface {
	Fetch(ctx context.Context, subgraph string, body []byte) ([]byte, error)
}

// Subgraphs wraps next so every subgraph request is timed, its failures counted and, when
// tracing, made a client span whose W3C traceparent the subgraph receives.
func (t *Telemetry) Subgraphs(next Fetcher) Fetcher {
	if t == nil {
		return next
	}
	return &subgraphs{t: t, next: next}
}

type subgraphs struct {
	t        *Telemetry
	next     Fetcher
	observed sync.Map // subgraph name -> prometheus.Observer
}

func (s *subgraphs) Fetch(ctx context.Context, subgraph string, body []byte) ([]byte, error) {
	start := time.Now()
	var span trace.Span
	if s.t.tracer != nil {
		ctx, span = s.t.tracer.Start(ctx, SpanFetch+" "+subgraph, trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(attribute.String("graphql.subgraph.name", subgraph)))
		if span.SpanContext().IsValid() {
			// the subgraph's parent is this fetch, not the client's span forwarded as is
			h := http.Header{}
			s.t.prop.Inject(ctx, propagation.HeaderCarrier(h))
			ctx = transport.WithExtraHeaders(ctx, h)
		}
	}
	out, err := s.next.Fetch(ctx, subgraph, body)
	s.latency(subgraph).Observe(time.Since(start).Seconds())
	if err != nil {
		s.t.metrics.fetchErrors.WithLabelValues(subgraph, fetchFailure(err)).Inc()
	}
	if span != nil {
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, fetchFailure(err))
		}
		span.End()
	}
	return out, err
}

func (s *subgraphs) latency(subgraph string) prometheus.Observer {
	if o, ok := s.observed.Load(subgraph); ok {
		return o.(prometheus.Observer)
	}
	o := s.t.metrics.fetchDuration.WithLabelValues(subgraph)
	s.observed.Store(subgraph, o)
	return o
}

func fetchFailure(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, transport.ErrBreakerOpen):
		return "breaker_open"
	}
	return "transport"
}
