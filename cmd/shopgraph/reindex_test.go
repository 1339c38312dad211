package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/gateway/server"
	"github.com/shopgraph/shopgraph/subgraphs/search"
)

const reindexProducts = 1500 // two batches of search.ReindexBatch

// TestReindexThroughTheServer: `shopgraph reindex` beside a running serve rebuilds the
// server's own index and follows its progress to the end.
func TestReindexThroughTheServer(t *testing.T) {
	ctx := context.Background()
	pool, _ := seedStore(t, reindexProducts)
	a := testApp(t, pool, appOptions{})
	mux, err := newMux(a, server.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(mux)
	// Far shorter than a rebuild, as serve's write timeout is for a big catalog: the stream
	// must outlive it.
	srv.Config.WriteTimeout = 50 * time.Millisecond
	srv.Start()
	defer srv.Close()

	for round := range 2 { // the second rebuilds beside a full index
		wantTotal := reindexProducts
		var seen []int
		n, err := reindexRemote(ctx, srv.URL, func(done, total int) {
			if total != wantTotal {
				t.Errorf("round %d: progress total %d, want %d", round, total, wantTotal)
			}
			seen = append(seen, done)
		})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if n != reindexProducts {
			t.Fatalf("round %d: reindexed %d products, want %d", round, n, reindexProducts)
		}
		if want := []int{search.ReindexBatch, reindexProducts}; !slices.Equal(seen, want) {
			t.Errorf("round %d: progress %v, want %v", round, seen, want)
		}
		if got, err := a.indexer.Indexed(ctx); err != nil || got != reindexProducts {
			t.Fatalf("round %d: the server's index holds %d products, %v", round, got, err)
		}
	}
}

// TestReindexBuildsDirectlyWithoutServer: with no server listening, the command rebuilds the
// index folder itself, which the next serve opens.
func TestReindexBuildsDirectlyWithoutServer(t *testing.T) {
	ctx := context.Background()
	pool, _ := seedStore(t, reindexProducts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	free := ln.Addr().String()
	_ = ln.Close() // nothing listens there now
	for _, kind := range []string{"memory", "bleve"} {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"--server", "http://" + free, "--database-url", pool.Config().ConnString(), "--search-index", dir, "--search-engine", kind}
			if err := runReindex(ctx, args); err != nil {
				t.Fatal(err)
			}
			engine, err := openSearchEngine(kind, dir)
			if err != nil {
				t.Fatal(err)
			}
			defer engine.Close()
			r, err := engine.Search(ctx, search.Query{First: 0, WithoutFacets: true})
			if err != nil || r.TotalCount != reindexProducts {
				t.Fatalf("the rebuilt folder holds %d products, %v; want %d", r.TotalCount, err, reindexProducts)
			}
		})
	}
}

func TestReindexAnswersThisMachineOnly(t *testing.T) {
	h := reindexHandler(nil) // refused before the indexer is touched
	cases := []struct {
		name   string
		remote string
		header string
	}{
		{"outside address", "203.0.113.7:5555", ""},
		{"loopback behind a proxy", "127.0.0.1:5555", "X-Forwarded-For"},
		{"loopback behind a proxy (Forwarded)", "[::1]:5555", "Forwarded"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, reindexPath, nil)
			r.RemoteAddr = c.remote
			if c.header != "" {
				r.Header.Set(c.header, "for=203.0.113.7")
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusForbidden {
				t.Fatalf("status %d, want 403", w.Code)
			}
		})
	}
	if _, err := reindexRemote(context.Background(), "http://203.0.113.7:4000", func(int, int) {}); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("reindex of a remote server: %v, want a loopback-only refusal", err)
	}
}
