package telemetry

import (
	"context"
	"fmt"
	"os"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// TracerProviderFromEnv exports spans over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT (or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set, configured by the standard OTEL_* variables
// (headers, sampler, OTEL_SERVICE_NAME, ...). Otherwise it returns a nil provider: no spans.
// shutdown flushes the spans still buffered.
func TracerProviderFromEnv(ctx context.Context) (tp trace.TracerProvider, shutdown func(context.Context) error, err error) {
	shutdown = func(context.Context) error { return nil }
	if os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" && os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == "" {
		return nil, shutdown, nil
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, shutdown, fmt.Errorf("otlp trace exporter: %w", err)
	}
	// later options win: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override the default name
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", "shopgraph")),
		resource.WithTelemetrySDK(),
		resource.WithFromEnv())
	if err != nil {
		return nil, shutdown, fmt.Errorf("trace resource: %w", err)
	}
	p := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return p, p.Shutdown, nil
}
