package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/shopgraph/shopgraph/gateway/transport"
)

func TestCappedKeepsTheFirstNames(t *testing.T) {
	c := newCapped(10)
	var wg sync.WaitGroup
	kept := make([]int, 8)
	for g := range kept {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				if c.label(fmt.Sprint("op", i)) != Overflow {
					kept[g]++
				}
			}
		}()
	}
	wg.Wait()
	for g, n := range kept {
		if n != 10 { // every goroutine sees the same ten names kept, whoever stored them
			t.Errorf("goroutine %d kept %d names, want 10", g, n)
		}
	}
	if got := c.label(strings.Repeat("x", maxLabelLen+1)); got != Overflow {
		t.Errorf("long name kept as %q", got)
	}
}

func TestNilTelemetryIsSafe(t *testing.T) {
	var tel *Telemetry
	tel.ResponseCache(TierRedis, ResultHit)
	tel.QuotaRejected("rate")
	tel.PlanCache(CachePlan, true)
	tel.DedupeShared(LevelClient)
	_, span := tel.Start(context.Background(), SpanParse)
	span.CacheHit(true)
	span.End("X")
	h := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	if got := tel.Wrap("graphql", h); fmt.Sprint(got) != fmt.Sprint(h) {
		t.Error("nil telemetry wrapped the handler")
	}
	if tel.Tracing() {
		t.Error("nil telemetry traces")
	}
	if New(Options{Disabled: true}) != nil {
		t.Error("disabled telemetry is not nil")
	}
}

type failing struct{ err error }

func (f failing) Fetch(context.Context, string, []byte) ([]byte, error) { return nil, f.err }

func TestHooksAndFetchFailures(t *testing.T) {
	reg := prometheus.NewRegistry()
	tel := New(Options{Registry: reg})
	tel.ResponseCache(TierMemory, ResultHit)
	tel.ResponseCache(TierRedis, ResultStale)
	tel.QuotaRejected("cost")
	for _, err := range []error{
		fmt.Errorf("subgraph a: %w", context.DeadlineExceeded),
		fmt.Errorf("subgraph a: %w", transport.ErrBreakerOpen),
		errors.New("connection refused"),
	} {
		if _, got := tel.Subgraphs(failing{err}).Fetch(context.Background(), "inventory", nil); got != err {
			t.Errorf("wrapper changed the error %v to %v", err, got)
		}
	}
	rec := httptest.NewRecorder()
	tel.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{
		`shopgraph_gateway_response_cache_total{result="hit",tier="memory"} 1`,
		`shopgraph_gateway_response_cache_total{result="stale",tier="redis"} 1`,
		`shopgraph_gateway_quota_rejections_total{reason="cost"} 1`,
		`shopgraph_gateway_subgraph_fetch_errors_total{reason="timeout",subgraph="inventory"} 1`,
		`shopgraph_gateway_subgraph_fetch_errors_total{reason="breaker_open",subgraph="inventory"} 1`,
		`shopgraph_gateway_subgraph_fetch_errors_total{reason="transport",subgraph="inventory"} 1`,
		`shopgraph_gateway_subgraph_fetch_duration_seconds_count{subgraph="inventory"} 3`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestOwnRegistryHasRuntimeMetrics(t *testing.T) {
	rec := httptest.NewRecorder()
	New(Options{}).Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if !strings.Contains(rec.Body.String(), "go_goroutines") || !strings.Contains(rec.Body.String(), "process_cpu_seconds_total") {
		t.Errorf("no runtime metrics in %.300s", rec.Body.String())
	}
}

func TestTracerProviderFromEnv(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	tp, shutdown, err := TracerProviderFromEnv(context.Background())
	if err != nil || tp != nil || shutdown(context.Background()) != nil {
		t.Fatalf("without an endpoint: %v %v", tp, err)
	}
	// a collector on loopback receives the spans when the provider flushes
	got := make(chan string, 10)
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Method + " " + r.URL.Path + " " + r.Header.Get("Content-Type")
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer collector.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	tp, shutdown, err = TracerProviderFromEnv(context.Background())
	if err != nil || tp == nil {
		t.Fatalf("with an endpoint: %v %v", tp, err)
	}
	tel := New(Options{Registry: prometheus.NewRegistry(), TracerProvider: tp})
	_, span := tel.Start(context.Background(), SpanExecute)
	span.End("")
	if err := shutdown(context.Background()); err != nil {
		t.Fatalf("flush: %v", err)
	}
	select {
	case req := <-got:
		if req != "POST /v1/traces application/x-protobuf" {
			t.Errorf("collector got %q", req)
		}
	default:
		t.Error("no span reached the collector")
	}
}

func TestReadCacheStats(t *testing.T) {
	tel := New(Options{Registry: prometheus.NewRegistry()})
	reads := 0
	tel.ReadCacheStats(func() CacheStats {
		reads++
		return CacheStats{
			Responses:  CacheCounts{LocalHits: 7, LocalMisses: 3, RedisHits: 2, RedisMisses: 1, Stale: 4},
			Entities:   CacheCounts{LocalHits: 11, RedisErrors: 5},
			Purges:     6,
			LocalBytes: 4096,
		}
	})
	rec := httptest.NewRecorder()
	tel.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{
		`shopgraph_gateway_cache_lookups_total{cache="response",result="hit",tier="memory"} 7`,
		`shopgraph_gateway_cache_lookups_total{cache="response",result="miss",tier="memory"} 3`,
		`shopgraph_gateway_cache_lookups_total{cache="response",result="hit",tier="redis"} 2`,
		`shopgraph_gateway_cache_lookups_total{cache="response",result="miss",tier="redis"} 1`,
		`shopgraph_gateway_cache_lookups_total{cache="entity",result="hit",tier="memory"} 11`,
		`shopgraph_gateway_cache_stale_total{cache="response"} 4`,
		`shopgraph_gateway_cache_redis_errors_total{cache="entity"} 5`,
		`shopgraph_gateway_cache_purges_total 6`,
		`shopgraph_gateway_cache_memory_bytes 4096`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if reads != 1 {
		t.Errorf("stats read %d times for one scrape", reads)
	}
}
