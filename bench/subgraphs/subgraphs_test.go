package subgraphs_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"testing"

	"github.com/shopgraph/shopgraph/bench/subgraphs"
	"github.com/shopgraph/shopgraph/gateway/server"
)

// TestGatewayAnswersExpected runs the benchmark query through ShopGraph's gateway over the
// four subgraphs in process: the committed supergraph, the subgraphs and Expected must agree,
// or every gateway in the benchmark would fail its first check.
func TestGatewayAnswersExpected(t *testing.T) {
	sdl, err := os.ReadFile("../supergraph.graphql")
	if err != nil {
		t.Fatal(err)
	}
	inProcess := map[string]http.Handler{}
	for _, name := range subgraphs.Names {
		s, err := subgraphs.New(name)
		if err != nil {
			t.Fatal(err)
		}
		inProcess[name] = s
	}
	h, err := server.NewHandler(server.Config{SupergraphSDL: string(sdl), InProcess: inProcess})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"query": subgraphs.Query})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var got any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, subgraphs.Expected()) {
		t.Fatalf("response differs from Expected():\n%.2000s", rec.Body)
	}
}

// TestSubgraphCache answers a repeated body from the cache with the same bytes.
func TestSubgraphCache(t *testing.T) {
	s, err := subgraphs.New("products")
	if err != nil {
		t.Fatal(err)
	}
	body := `{"query":"{ topProducts(first: 2) { upc name __typename } }"}`
	want := `{"data":{"topProducts":[{"upc":"1","name":"Table","__typename":"Product"},{"upc":"2","name":"Couch","__typename":"Product"}]}}`
	for i := range 2 {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewBufferString(body)))
		if rec.Body.String() != want {
			t.Fatalf("request %d: got %s, want %s", i, rec.Body, want)
		}
	}
	if s.Requests() != 2 {
		t.Fatalf("Requests() = %d, want 2", s.Requests())
	}
}
