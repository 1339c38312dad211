package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/shopgraph/shopgraph/gateway/telemetry"
)

// BenchmarkTelemetry serves one small query through the handler without telemetry, with
// metrics, and with metrics and sampled spans (recorded, not exported), to price each.
func BenchmarkTelemetry(b *testing.B) {
	for _, tc := range []struct {
		name string
		opts func() telemetry.Options
	}{
		{"off", func() telemetry.Options { return telemetry.Options{Disabled: true} }},
		{"metrics", func() telemetry.Options { return telemetry.Options{Registry: prometheus.NewRegistry()} }},
		{"metrics+traces", func() telemetry.Options {
			return telemetry.Options{Registry: prometheus.NewRegistry(), TracerProvider: sdktrace.NewTracerProvider()}
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			h, err := NewHandler(Config{SupergraphSDL: storeSDL(b), Subgraphs: &catalogOnly{}, DisableDedupe: true, Telemetry: tc.opts()})
			if err != nil {
				b.Fatal(err)
			}
			body := `{"query":"query Shelf($n: Int) { products(first: $n) { id name } }","operationName":"Shelf","variables":{"n":2}}`
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Apollographql-Client-Name", "web")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatal(rec.Code, rec.Body.String())
				}
			}
		})
	}
}
