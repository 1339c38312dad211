package server

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/shopgraph/shopgraph/bench/subgraphs"
	"github.com/shopgraph/shopgraph/gateway/telemetry"
)

// burstSubgraphs serves the gateway benchmark's four subgraphs from memory. Each fetch first
// calls hold, so a benchmark can keep a shared execution open until its burst has joined.
type burstSubgraphs struct {
	hold    func()
	servers map[string]*subgraphs.Server
	mu      sync.Mutex
	answers map[string][]byte
}

func newBurstSubgraphs(t testing.TB) *burstSubgraphs {
	s := &burstSubgraphs{servers: map[string]*subgraphs.Server{}, answers: map[string][]byte{}}
	for _, name := range subgraphs.Names {
		srv, err := subgraphs.New(name)
		if err != nil {
			t.Fatal(err)
		}
		s.servers[name] = srv
	}
	return s
}

func (s *burstSubgraphs) Fetch(_ context.Context, subgraph string, body []byte) ([]byte, error) {
	if s.hold != nil {
		s.hold()
	}
	key := subgraph + "\x00" + string(body)
	s.mu.Lock()
	defer s.mu.Unlock()
	resp, ok := s.answers[key]
	if !ok {
		resp = s.servers[subgraph].Execute(body)
		s.answers[key] = resp
	}
	return resp, nil
}

// BenchmarkDedupBurst is the gateway benchmark's dedup mode in miniature: one op is a burst
// of 50 identical client requests (the benchmark query, through the whole handler with
// metrics on) that share one execution; the first subgraph fetch waits until the other 49
// have joined it. allocs/request is what one client request costs on average.
func BenchmarkDedupBurst(b *testing.B) {
	const clients = 50
	sdl, err := os.ReadFile("../../bench/supergraph.graphql")
	if err != nil {
		b.Fatal(err)
	}
	subs := newBurstSubgraphs(b)
	g, err := New(Config{SupergraphSDL: string(sdl), Subgraphs: subs, PlanCacheSize: 100,
		Telemetry: telemetry.Options{Registry: prometheus.NewRegistry()}})
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	h := g.Routes()
	body, _ := json.Marshal(map[string]string{"query": subgraphs.Query, "operationName": "TestQuery"})
	want := burstRequest(b, h, body)
	// The burst's first fetch waits for its other clients to join the shared execution.
	joined := make(chan struct{}, clients)
	counted := g.inbound.Shared
	g.inbound.Shared = func() {
		counted()
		joined <- struct{}{}
	}
	var armed atomic.Bool
	subs.hold = func() {
		if armed.CompareAndSwap(true, false) {
			for range clients - 1 {
				<-joined
			}
		}
	}

	b.ReportAllocs()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	mallocs := ms.Mallocs
	for b.Loop() {
		armed.Store(true)
		var wg sync.WaitGroup
		for range clients {
			wg.Go(func() {
				if n := burstRequest(b, h, body); n != want {
					b.Errorf("response of %d bytes, want %d", n, want)
				}
			})
		}
		wg.Wait()
	}
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.Mallocs-mallocs)/float64(b.N*clients), "allocs/request")
}

// burstRequest serves one client request and returns its response's length; it fails tb on
// anything but a 200 without errors.
func burstRequest(tb testing.TB, h http.Handler, body []byte) int {
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json, application/json")
	w := &lengthWriter{header: http.Header{}}
	h.ServeHTTP(w, req)
	if w.status != http.StatusOK || w.errors {
		tb.Errorf("status %d, errors %v", w.status, w.errors)
	}
	return w.n
}

// lengthWriter keeps a response's status and length, not its body, so the benchmark measures
// the gateway rather than a recorder's buffer.
type lengthWriter struct {
	header http.Header
	status int
	n      int
	errors bool
}

func (w *lengthWriter) Header() http.Header { return w.header }

func (w *lengthWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *lengthWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.n += len(b)
	w.errors = w.errors || bytes.Contains(b, []byte(`"errors"`))
	return len(b), nil
}
