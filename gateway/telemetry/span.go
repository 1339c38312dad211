package telemetry

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Stage span names: one per step of the request path.
const (
	SpanParse   = "graphql.parse" // parse and validate the document
	SpanPlan    = "graphql.plan"  // normalise and plan, or find the plan in the cache
	SpanExecute = "graphql.execute"
	SpanFetch   = "graphql.fetch" // one subgraph request; the name gets the subgraph's
)

// Span is a stage's span; the zero Span (tracing off) does nothing.
type Span struct{ s trace.Span }

// Start begins a stage span under the span in ctx.
func (t *Telemetry) Start(ctx context.Context, name string) (context.Context, Span) {
	if t == nil || t.tracer == nil {
		return ctx, Span{}
	}
	ctx, s := t.tracer.Start(ctx, name)
	return ctx, Span{s}
}

// CacheHit records whether the stage's result came from a cache.
func (s Span) CacheHit(hit bool) {
	if s.s != nil {
		s.s.SetAttributes(attribute.Bool("graphql.cache_hit", hit))
	}
}

// End ends the span; a non-empty code marks it failed with that error code.
func (s Span) End(code string) {
	if s.s == nil {
		return
	}
	if code != "" {
		s.s.SetStatus(codes.Error, code)
	}
	s.s.End()
}
