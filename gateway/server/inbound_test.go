package server

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// gatedSubgraphs holds every fetch until released, counting them.
type gatedSubgraphs struct {
	calls   atomic.Int32
	release chan struct{}
}

func (g *gatedSubgraphs) Fetch(ctx context.Context, subgraph string, body []byte) ([]byte, error) {
	g.calls.Add(1)
	<-g.release
	if strings.Contains(string(body), "rename") {
		return []byte(`{"data":{"rename":{"id":"u1"}}}`), nil
	}
	return []byte(`{"data":{"products":[{"id":"1","name":"Mug"}]}}`), nil
}

func newGatedGateway(t *testing.T, dedupe bool) (*Gateway, *httptest.Server, *gatedSubgraphs) {
	t.Helper()
	sdl, err := os.ReadFile("../supergraph/testdata/store.graphql")
	if err != nil {
		t.Fatal(err)
	}
	subs := &gatedSubgraphs{release: make(chan struct{})}
	g, err := New(Config{SupergraphSDL: string(sdl), Subgraphs: subs, DisableDedupe: !dedupe})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	return g, srv, subs
}

// eventually polls cond for up to five seconds; the bound only limits a failing test.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func postAll(t *testing.T, url string, bodies, auths []string) []string {
	t.Helper()
	out := make([]string, len(bodies))
	var wg sync.WaitGroup
	for i := range bodies {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(bodies[i]))
			req.Header.Set("Content-Type", "application/json")
			if auths[i] != "" {
				req.Header.Set("Authorization", auths[i])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			out[i] = string(b)
		}(i)
	}
	wg.Wait()
	return out
}

func TestIdenticalQueriesShareOneExecution(t *testing.T) {
	g, srv, subs := newGatedGateway(t, true)
	const n = 10
	bodies := make([]string, n)
	auths := make([]string, n)
	for i := range bodies {
		bodies[i] = `{"query":"{ products { id name } }"}`
		auths[i] = "Bearer same-caller"
	}
	var responses []string
	done := make(chan struct{})
	go func() { responses = postAll(t, srv.URL+"/graphql", bodies, auths); close(done) }()
	eventually(t, "nine callers to join the first", func() bool { return g.inbound.Waiters() == n-1 })
	close(subs.release)
	<-done
	if got := subs.calls.Load(); got != 1 {
		t.Fatalf("subgraph fetches = %d, want 1 for %d identical queries", got, n)
	}
	for _, r := range responses {
		if r != responses[0] || !strings.Contains(r, `"Mug"`) {
			t.Fatalf("responses differ or lack data: %q vs %q", r, responses[0])
		}
	}
}

func TestQueriesOfDifferentCallersAreNotShared(t *testing.T) {
	_, srv, subs := newGatedGateway(t, true)
	body := `{"query":"{ products { id name } }"}`
	done := make(chan struct{})
	go func() {
		postAll(t, srv.URL+"/graphql", []string{body, body}, []string{"Bearer alice", "Bearer bob"})
		close(done)
	}()
	eventually(t, "both callers to reach the subgraph", func() bool { return subs.calls.Load() == 2 })
	close(subs.release)
	<-done
}

func TestMutationsAreNeverShared(t *testing.T) {
	_, srv, subs := newGatedGateway(t, true)
	body := `{"query":"mutation { rename(name: \"x\") { id } }"}`
	done := make(chan struct{})
	go func() { postAll(t, srv.URL+"/graphql", []string{body, body}, []string{"", ""}); close(done) }()
	eventually(t, "both mutations to reach the subgraph", func() bool { return subs.calls.Load() == 2 })
	close(subs.release)
	<-done
}

func TestDedupeOffRunsEveryQuery(t *testing.T) {
	g, srv, subs := newGatedGateway(t, false)
	if g.inbound != nil {
		t.Fatal("inbound dedupe must be off")
	}
	body := `{"query":"{ products { id name } }"}`
	done := make(chan struct{})
	go func() { postAll(t, srv.URL+"/graphql", []string{body, body, body}, []string{"", "", ""}); close(done) }()
	eventually(t, "every query to reach the subgraph", func() bool { return subs.calls.Load() == 3 })
	close(subs.release)
	<-done
}
