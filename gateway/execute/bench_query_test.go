package execute

import (
	"context"
	"encoding/json"
	"os"
	"reflect"
	"sync"
	"testing"

	"github.com/shopgraph/shopgraph/bench/subgraphs"
	"github.com/shopgraph/shopgraph/gateway/supergraph"
)

// benchSubgraphs serves the gateway benchmark's four subgraphs in memory,
// each answer computed once per request body, as their servers cache it.
type benchSubgraphs struct {
	servers map[string]*subgraphs.Server
	mu      sync.Mutex
	cache   map[string][]byte
	calls   map[string]int
}

func newBenchSubgraphs(t testing.TB) *benchSubgraphs {
	s := &benchSubgraphs{servers: map[string]*subgraphs.Server{}, cache: map[string][]byte{}, calls: map[string]int{}}
	for _, name := range subgraphs.Names {
		srv, err := subgraphs.New(name)
		if err != nil {
			t.Fatal(err)
		}
		s.servers[name] = srv
	}
	return s
}

func (s *benchSubgraphs) Fetch(_ context.Context, subgraph string, body []byte) ([]byte, error) {
	key := subgraph + "\x00" + string(body)
	s.mu.Lock()
	s.calls[subgraph]++
	resp, ok := s.cache[key]
	s.mu.Unlock()
	if !ok {
		resp = s.servers[subgraph].Execute(body)
		s.mu.Lock()
		s.cache[key] = resp
		s.mu.Unlock()
	}
	return resp, nil
}

func loadBench(t testing.TB) *supergraph.Supergraph {
	t.Helper()
	b, err := os.ReadFile("../../bench/supergraph.graphql")
	if err != nil {
		t.Fatal(err)
	}
	sg, err := supergraph.Parse(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return sg
}

// TestBenchQuery runs the gateway benchmark's query: the expected response,
// with one request per subgraph and wave of the plan (the users and
// topProducts branches share their entity fetches).
func TestBenchQuery(t *testing.T) {
	sg := loadBench(t)
	op, pl := prepare(t, sg, subgraphs.Query)
	subs := newBenchSubgraphs(t)
	resp := New(sg, subs, Options{DisableDedupe: true}).Execute(context.Background(), pl, op, nil)
	var got any
	if err := json.Unmarshal(resp.AppendJSON(nil), &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, subgraphs.Expected()) {
		t.Errorf("response differs from the expected one:\n%s", resp.AppendJSON(nil))
	}
	total := 0
	for _, n := range subs.calls {
		total += n
	}
	if total > 6 {
		t.Errorf("%d subgraph requests (%v), want at most 6", total, subs.calls)
	}
}

func BenchmarkExecuteBenchQuery(b *testing.B) {
	sg := loadBench(b)
	op, pl := prepare(b, sg, subgraphs.Query)
	e := New(sg, newBenchSubgraphs(b), Options{DisableDedupe: true})
	var out []byte
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp := e.Execute(context.Background(), pl, op, nil)
		if len(resp.Errors) > 0 {
			b.Fatal(resp.Errors[0].Message)
		}
		out = resp.AppendJSON(out[:0])
	}
}
