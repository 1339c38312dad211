package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/shopgraph/shopgraph/gateway/server"
	"github.com/shopgraph/shopgraph/subgraphs/pgtest"
)

func TestServeRoutes(t *testing.T) {
	pool := pgtest.NewPool(t, nil, allDomains()...)
	a := testApp(t, pool, appOptions{})
	mux, err := newMux(a, server.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()

	get := func(path string) (int, string) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/health"); code != 200 || !strings.Contains(body, "ok") {
		t.Errorf("/health = %d %s", code, body)
	}
	// Not ready while the search index has not been built; ready once it has.
	if code, body := get("/ready"); code != 503 || !strings.Contains(body, "search") {
		t.Errorf("/ready before the index = %d %s, want 503 naming search", code, body)
	}
	ctx, cancel := context.WithCancel(context.Background())
	wait := a.run(ctx)
	defer func() { cancel(); wait() }()
	select {
	case <-a.searchReady:
	case <-time.After(30 * time.Second):
		t.Fatal("the search index never became ready")
	}
	if code, body := get("/ready"); code != 200 || !strings.Contains(body, "ready") {
		t.Errorf("/ready = %d %s", code, body)
	}
	if code, body := get("/graphiql"); code != 200 || !strings.Contains(body, "graphiql.min.js") {
		t.Errorf("/graphiql = %d %.200s", code, body)
	}
	if code, body := get("/metrics"); code != 200 || !strings.Contains(body, "go_goroutines") {
		t.Errorf("/metrics = %d %.200s", code, body)
	}
	for _, s := range allSubgraphs() {
		resp, err := http.Post(srv.URL+subgraphPath(s.domain.Name), "application/json",
			strings.NewReader(`{"query":"{ _service { sdl } }"}`))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), "@key") {
			t.Errorf("%s: %d %.200s", s.domain.Name, resp.StatusCode, b)
		}
	}
}

func TestReadyReportsRedisOutage(t *testing.T) {
	pool := pgtest.NewPool(t, nil, allDomains()...)
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}) // nothing listens there
	defer rdb.Close()
	rec := httptest.NewRecorder()
	readiness(pool, rdb, nil).ServeHTTP(rec, httptest.NewRequest("GET", "/ready", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "redis") {
		t.Fatalf("ready with redis down = %d %s", rec.Code, rec.Body.String())
	}
}
