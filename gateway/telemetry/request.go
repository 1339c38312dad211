package telemetry

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// ClientNameHeader names the client in metrics (the header Apollo clients send);
// ClientNameHeaderAlt is read when it is absent.
const (
	ClientNameHeader    = "Apollographql-Client-Name"
	ClientNameHeaderAlt = "Graphql-Client-Name"
)

// Outcome of a request whose response has no errors.
const OutcomeOK = "ok"

// observation is the writer a wrapped handler gets: it keeps the status and what the handler
// notes about the request. Pooled, so observing a request allocates nothing of its own.
type observation struct {
	http.ResponseWriter
	status    int
	noted     bool
	operation string
	code      string
}

var observations = sync.Pool{New: func() any { return new(observation) }}

func (o *observation) WriteHeader(status int) {
	if o.status == 0 {
		o.status = status
	}
	o.ResponseWriter.WriteHeader(status)
}

func (o *observation) Write(b []byte) (int, error) {
	if o.status == 0 {
		o.status = http.StatusOK
	}
	return o.ResponseWriter.Write(b)
}

// Note records what a handler wrapped by Wrap learnt of its request: the operation name and
// the code of the response's first error ("" when it has none). On any other writer it does
// nothing.
func Note(w http.ResponseWriter, operation, code string) {
	if o, ok := w.(*observation); ok {
		o.noted, o.operation, o.code = true, operation, code
	}
}

// Wrap observes every request to next: a request span (continuing the client's W3C trace
// context) when tracing, and the request counter and latency histogram labelled with
// endpoint, the operation name, the client name and the outcome.
func (t *Telemetry) Wrap(endpoint string, next http.Handler) http.Handler {
	if t == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		o := observations.Get().(*observation)
		*o = observation{ResponseWriter: w}
		var span trace.Span
		if t.tracer != nil {
			ctx := t.prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
			ctx, span = t.tracer.Start(ctx, "graphql.request", trace.WithSpanKind(trace.SpanKindServer),
				trace.WithAttributes(attribute.String("http.request.method", r.Method), attribute.String("url.path", r.URL.Path)))
			r = r.WithContext(ctx)
		}
		defer func() {
			// a panic in next still counts; the handler's own recovery writes the response
			t.finish(endpoint, r, o, span, time.Since(start))
			*o = observation{} // hold on to nothing of this request while pooled
			observations.Put(o)
		}()
		next.ServeHTTP(o, r)
	})
}

func (t *Telemetry) finish(endpoint string, r *http.Request, o *observation, span trace.Span, took time.Duration) {
	outcome := OutcomeOK
	switch {
	case o.noted && o.code != "":
		outcome = t.outcomes.label(o.code)
	case !o.noted && o.status >= 300:
		outcome = statusOutcome(o.status)
	}
	op := o.operation
	if op == "" {
		op = "anonymous"
	}
	op = t.ops.label(op)
	client := r.Header.Get(ClientNameHeader)
	if client == "" {
		client = r.Header.Get(ClientNameHeaderAlt)
	}
	if client == "" {
		client = "unknown"
	}
	client = t.clients.label(client)
	t.metrics.requests.WithLabelValues(endpoint, op, client, outcome).Inc()
	t.metrics.duration.WithLabelValues(endpoint, op).Observe(took.Seconds())
	if span != nil {
		span.SetAttributes(
			attribute.String("graphql.operation.name", o.operation),
			attribute.Int("http.response.status_code", o.status),
			attribute.String("graphql.outcome", outcome))
		if outcome != OutcomeOK {
			span.SetStatus(codes.Error, outcome)
		}
		span.End()
	}
}

// statusOutcome names the outcome of a request refused before it reached execution.
func statusOutcome(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "BAD_REQUEST"
	case http.StatusUnauthorized:
		return "UNAUTHENTICATED"
	case http.StatusForbidden:
		return "FORBIDDEN"
	case http.StatusMethodNotAllowed:
		return "METHOD_NOT_ALLOWED"
	case http.StatusTooManyRequests:
		return "RATE_LIMITED"
	case http.StatusInternalServerError:
		return "INTERNAL_SERVER_ERROR"
	}
	return "HTTP_" + strconv.Itoa(status)
}

// Unwrap lets http.ResponseController reach the server's writer.
func (o *observation) Unwrap() http.ResponseWriter { return o.ResponseWriter }
