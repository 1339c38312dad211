package execute

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/gateway/inflight"
	"github.com/shopgraph/shopgraph/gateway/operation"
	"github.com/shopgraph/shopgraph/gateway/plan"
	"github.com/shopgraph/shopgraph/gateway/supergraph"
)

// fakeSubgraphs answers subgraph requests in memory.
type fakeSubgraphs struct {
	mu       sync.Mutex
	handlers map[string]func(req subgraphRequest) string
	calls    map[string]int
	bodies   []string
	delay    time.Duration
}

type subgraphRequest struct {
	Query     string         `json:"query"`
	Variables map[string]any `json:"variables"`
}

func (f *fakeSubgraphs) Fetch(ctx context.Context, subgraph string, body []byte) ([]byte, error) {
	if f.delay > 0 {
		time.Sleep(f.delay)
	}
	var req subgraphRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.calls[subgraph]++
	f.bodies = append(f.bodies, string(body))
	h := f.handlers[subgraph]
	f.mu.Unlock()
	if h == nil {
		return nil, errors.New("subgraph down")
	}
	return []byte(h(req)), nil
}

// entities answers an _entities request with one object per representation.
func entities(req subgraphRequest, build func(rep map[string]any) any) string {
	reps, _ := req.Variables["representations"].([]any)
	out := make([]any, len(reps))
	for i, r := range reps {
		out[i] = build(r.(map[string]any))
	}
	b, _ := json.Marshal(map[string]any{"data": map[string]any{"_entities": out}})
	return string(b)
}

func storeSubgraphs() *fakeSubgraphs {
	return &fakeSubgraphs{calls: map[string]int{}, handlers: map[string]func(subgraphRequest) string{
		"catalog": func(req subgraphRequest) string {
			return `{"data":{"products":[
				{"id":"1","name":"Mug","weight":2,"__typename":"Product"},
				{"id":"2","name":"Tee","weight":1,"__typename":"Product"},
				{"id":"1","name":"Mug","weight":2,"__typename":"Product"}]}}`
		},
		"inventory": func(req subgraphRequest) string {
			return entities(req, func(rep map[string]any) any {
				out := map[string]any{"__typename": "Product", "inStock": rep["id"] == "1"}
				if w, ok := rep["weight"].(float64); ok {
					out["shippingEstimate"] = w * 10
				}
				return out
			})
		},
		"reviews": func(req subgraphRequest) string {
			return entities(req, func(rep map[string]any) any {
				if rep["id"] == "2" {
					return nil
				}
				return map[string]any{"__typename": "Product", "reviews": []any{
					map[string]any{"body": "nice", "author": map[string]any{"__typename": "User", "id": "u1", "username": "ann"}},
				}}
			})
		},
		"accounts": func(req subgraphRequest) string {
			return entities(req, func(rep map[string]any) any {
				return map[string]any{"__typename": "User", "name": "Ann " + rep["id"].(string)}
			})
		},
	}}
}

func loadStore(t testing.TB) *supergraph.Supergraph {
	t.Helper()
	b, err := os.ReadFile("../supergraph/testdata/store.graphql")
	if err != nil {
		t.Fatal(err)
	}
	sg, err := supergraph.Parse(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return sg
}

func prepare(t testing.TB, sg *supergraph.Supergraph, query string) (*operation.Operation, *plan.Plan) {
	t.Helper()
	p, oerr := operation.Parse(sg.API, query, "", operation.Limits{})
	if oerr != nil {
		t.Fatal(oerr)
	}
	vars, oerr := p.Coerce(sg.API, nil)
	if oerr != nil {
		t.Fatal(oerr)
	}
	op, err := operation.Normalize(sg.API, p.Doc, p.Op, vars)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := plan.Build(sg, op)
	if err != nil {
		t.Fatal(err)
	}
	return op, pl
}

func runQuery(t testing.TB, sg *supergraph.Supergraph, subs Subgraphs, query string) string {
	t.Helper()
	op, pl := prepare(t, sg, query)
	resp := New(sg, subs, Options{}).Execute(context.Background(), pl, op, nil)
	b, err := json.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestExecute(t *testing.T) {
	sg := loadStore(t)
	tests := []struct {
		name  string
		query string
		want  string
	}{
		{
			name:  "merge entity fields in document order",
			query: `{ products { inStock name } }`,
			want:  `{"data":{"products":[{"inStock":true,"name":"Mug"},{"inStock":false,"name":"Tee"},{"inStock":true,"name":"Mug"}]}}`,
		},
		{
			name:  "requires reaches the subgraph in the representation",
			query: `{ products { shippingEstimate } }`,
			want:  `{"data":{"products":[{"shippingEstimate":20},{"shippingEstimate":10},{"shippingEstimate":20}]}}`,
		},
		{
			name:  "aliases and typename",
			query: `{ products { t: __typename name } }`,
			want:  `{"data":{"products":[{"t":"Product","name":"Mug"},{"t":"Product","name":"Tee"},{"t":"Product","name":"Mug"}]}}`,
		},
		{
			name:  "null entity nulls a non-null list field and its parent",
			query: `{ products { id reviews { body } } }`,
			want:  `{"data":null,"errors":[{"message":"Cannot return null for non-nullable field at [products 1 reviews]","path":["products",1,"reviews"],"extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}`,
		},
		{
			name:  "two hops",
			query: `{ products { reviews { author { name username } } } }`,
			want:  "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runQuery(t, sg, storeSubgraphs(), tt.query)
			if tt.want == "" {
				if strings.Contains(got, `"data":null`) {
					// product 2 has no reviews entity: the non-null list nulls the root
					return
				}
				t.Fatalf("expected null propagation, got %s", got)
			}
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestEntityBatchingDedupes(t *testing.T) {
	sg := loadStore(t)
	subs := storeSubgraphs()
	runQuery(t, sg, subs, `{ products { inStock } }`)
	if subs.calls["inventory"] != 1 {
		t.Fatalf("inventory called %d times, want 1", subs.calls["inventory"])
	}
	for _, b := range subs.bodies {
		if strings.Contains(b, "_entities") {
			var req subgraphRequest
			_ = json.Unmarshal([]byte(b), &req)
			if n := len(req.Variables["representations"].([]any)); n != 2 {
				t.Errorf("sent %d representations, want 2 (duplicates removed)", n)
			}
		}
	}
}

func TestFailingSubgraphGivesPartialData(t *testing.T) {
	sg := loadStore(t)
	subs := storeSubgraphs()
	delete(subs.handlers, "inventory")
	op, pl := prepare(t, sg, `{ products { name shippingEstimate } }`)
	resp := New(sg, subs, Options{}).Execute(context.Background(), pl, op, nil)
	b, _ := json.Marshal(resp.Data)
	if string(b) != `{"products":[{"name":"Mug","shippingEstimate":null},{"name":"Tee","shippingEstimate":null},{"name":"Mug","shippingEstimate":null}]}` {
		t.Errorf("data %s", b)
	}
	if len(resp.Errors) != 1 || resp.Errors[0].Extensions["code"] != "SUBGRAPH_REQUEST_FAILED" {
		t.Errorf("errors %+v", resp.Errors)
	}
}

func TestEntityErrorPathsAreRewritten(t *testing.T) {
	sg := loadStore(t)
	subs := storeSubgraphs()
	subs.handlers["inventory"] = func(req subgraphRequest) string {
		return `{"data":{"_entities":[{"__typename":"Product","inStock":true},null]},"errors":[{"message":"gone","path":["_entities",1,"inStock"]}]}`
	}
	op, pl := prepare(t, sg, `{ products { inStock } }`)
	resp := New(sg, subs, Options{}).Execute(context.Background(), pl, op, nil)
	if len(resp.Errors) == 0 {
		t.Fatal("no errors")
	}
	got, _ := json.Marshal(resp.Errors[0].Path)
	if string(got) != `["products",1,"inStock"]` {
		t.Errorf("path %s", got)
	}
}

// TestSharedFetchOutlivesItsFirstCaller: the caller that started a shared fetch goes away;
// the caller waiting on it still gets the answer, and a waiter that gives up is let go.
func TestSharedFetchOutlivesItsFirstCaller(t *testing.T) {
	gate := &gatedFetch{release: make(chan struct{}), started: make(chan struct{}, 1)}
	e := &Executor{subgraphs: gate, inflight: &inflight.Group[[]byte]{}}
	f := &plan.Fetch{Subgraph: "catalog"}

	first, cancelFirst := context.WithCancel(context.Background())
	firstErr := make(chan error, 1)
	go func() { _, err := e.send(first, f, []byte("q")); firstErr <- err }()
	<-gate.started

	second := make(chan []byte, 1)
	go func() { b, _ := e.send(context.Background(), f, []byte("q")); second <- b }()
	impatient, giveUp := context.WithCancel(context.Background())
	impatientErr := make(chan error, 1)
	go func() { _, err := e.send(impatient, f, []byte("q")); impatientErr <- err }()
	waitFor(t, func() bool { return e.inflight.Waiters() == 2 })

	giveUp()
	if err := <-impatientErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("a waiter that gives up gets %v, want context.Canceled", err)
	}
	cancelFirst()
	close(gate.release)
	if b := <-second; string(b) != "answer" {
		t.Fatalf("waiter got %q after the first caller left, want the answer", b)
	}
	<-firstErr
	if n := gate.calls.Load(); n != 1 {
		t.Fatalf("subgraph called %d times, want 1", n)
	}
}

type gatedFetch struct {
	calls   atomic.Int32
	started chan struct{}
	release chan struct{}
}

func (g *gatedFetch) Fetch(ctx context.Context, _ string, _ []byte) ([]byte, error) {
	g.calls.Add(1)
	g.started <- struct{}{}
	<-g.release
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return []byte("answer"), nil
}

// waitFor polls cond for up to five seconds; the bound only limits a failing test.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(time.Millisecond)
	}
}

func BenchmarkExecute(b *testing.B) {
	sg := loadStore(b)
	op, pl := prepare(b, sg, `{ products { id name inStock shippingEstimate } }`)
	e := New(sg, storeSubgraphs(), Options{DisableDedupe: true})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp := e.Execute(context.Background(), pl, op, nil)
		if len(resp.Errors) > 0 {
			b.Fatal(resp.Errors[0].Message)
		}
		if _, err := json.Marshal(resp); err != nil {
			b.Fatal(err)
		}
	}
}

type panickingSubgraphs struct{}

func (panickingSubgraphs) Fetch(ctx context.Context, subgraph string, body []byte) ([]byte, error) {
	panic("subgraph client bug")
}

func TestPanicInFetchBecomesError(t *testing.T) {
	sg := loadStore(t)
	op, pl := prepare(t, sg, `{ products { name } }`)
	resp := New(sg, panickingSubgraphs{}, Options{}).Execute(context.Background(), pl, op, nil)
	if resp.Data != nil || len(resp.Errors) != 1 {
		t.Fatalf("got %+v", resp)
	}
	if strings.Contains(resp.Errors[0].Message, "subgraph client bug") {
		t.Error("panic value leaked to the client")
	}
}

func TestClientAliasOverKeyField(t *testing.T) {
	sg := loadStore(t)
	subs := storeSubgraphs()
	subs.handlers["catalog"] = func(req subgraphRequest) string {
		if !strings.Contains(req.Query, "_id_key:id") {
			return `{"errors":[{"message":"key field not aliased: ` + req.Query + `"}]}`
		}
		return `{"data":{"products":[{"id":"Mug","_id_key":"1","__typename":"Product"}]}}`
	}
	got := runQuery(t, sg, subs, `{ products { id: name inStock } }`)
	if got != `{"data":{"products":[{"id":"Mug","inStock":true}]}}` {
		t.Errorf("got %s", got)
	}
}

func TestBatchedTargetsShareOneRequest(t *testing.T) {
	sg := loadStore(t)
	subs := storeSubgraphs()
	subs.handlers["catalog"] = func(req subgraphRequest) string {
		return `{"data":{"product":{"id":"1","__typename":"Product"},"products":[{"id":"1","__typename":"Product"},{"id":"2","__typename":"Product"}]}}`
	}
	got := runQuery(t, sg, subs, `{ product(id: "1") { inStock } products { inStock } }`)
	if got != `{"data":{"product":{"inStock":true},"products":[{"inStock":true},{"inStock":false}]}}` {
		t.Errorf("got %s", got)
	}
	if subs.calls["inventory"] != 1 {
		t.Errorf("inventory called %d times, want 1", subs.calls["inventory"])
	}
	for _, b := range subs.bodies {
		if strings.Contains(b, "_entities") && strings.Count(b, `"__typename":"Product"`) != 2 {
			t.Errorf("representations not deduplicated across paths: %s", b)
		}
	}
}

// TestAliasedEntitiesParts runs an entity fetch of two parts (aliased
// _entities fields): each part's answers and errors reach its own objects.
func TestAliasedEntitiesParts(t *testing.T) {
	sg := loadStore(t)
	op, _ := prepare(t, sg, `{ products { id inStock } }`)
	id := &operation.Field{Name: "id", ResponseKey: "id"}
	reps := map[string]*plan.Representation{"Product": {Typename: "Product", Fields: []*operation.Field{id}}}
	pl := &plan.Plan{Kind: op.Kind, Fetches: []*plan.Fetch{
		{ID: 0, Subgraph: "catalog", Query: "{products{id __typename}}"},
		{ID: 1, Subgraph: "inventory", Entity: true, DependsOn: []int{0},
			Query: "query($representations:[_Any!]! $representations_1:[_Any!]!){_entities(representations:$representations){__typename} _entities_1:_entities(representations:$representations_1){__typename ...on Product{inStock}}}",
			Parts: []*plan.Part{
				{Key: "_entities", Var: "representations", Targets: []plan.Target{{Path: []string{"nothing", "@"}, Reps: reps}}},
				{Key: "_entities_1", Var: "representations_1", Targets: []plan.Target{{Path: []string{"products", "@"}, Reps: reps}}},
			}},
	}}
	subs := storeSubgraphs()
	subs.handlers["inventory"] = func(req subgraphRequest) string {
		if r, _ := req.Variables["representations"].([]any); len(r) != 0 {
			return `{"errors":[{"message":"first part not empty"}]}`
		}
		if r, _ := req.Variables["representations_1"].([]any); len(r) != 2 {
			return `{"errors":[{"message":"second part"}]}`
		}
		return `{"data":{"_entities":[],"_entities_1":[{"__typename":"Product","inStock":true},{"__typename":"Product","inStock":false}]},
			"errors":[{"message":"boom","path":["_entities_1",1,"inStock"]}]}`
	}
	resp := New(sg, subs, Options{}).Execute(context.Background(), pl, op, nil)
	got, _ := json.Marshal(resp)
	want := `{"data":{"products":[{"id":"1","inStock":true},{"id":"2","inStock":false},{"id":"1","inStock":true}]},"errors":[{"message":"boom","path":["products",1,"inStock"],"extensions":{"code":"DOWNSTREAM_SERVICE_ERROR","serviceName":"inventory"}}]}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
