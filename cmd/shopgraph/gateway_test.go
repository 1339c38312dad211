package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/shopgraph/shopgraph/gateway/server"
)

// requestCounter counts the requests each in-process subgraph receives.
type requestCounter struct {
	mu    sync.Mutex
	count map[string]int
}

func (c *requestCounter) wrap(name string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.count[name]++
		c.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

// TestGatewayBatchesAPageOfProducts joins catalog and inventory fields for 100 products through
// /graphql and requires one request to each subgraph: every entity fetch is batched.
func TestGatewayBatchesAPageOfProducts(t *testing.T) {
	pool, _ := seedStore(t, 120)
	a := testApp(t, pool, appOptions{})
	counter := &requestCounter{count: map[string]int{}}
	inProcess := map[string]http.Handler{}
	for _, s := range allSubgraphs() {
		inProcess[s.domain.Name] = counter.wrap(s.domain.Name, s.handler(a))
	}
	sdl, err := composeSupergraph("http://" + defaultListenAddr)
	if err != nil {
		t.Fatal(err)
	}
	gw, err := server.New(server.Config{SupergraphSDL: sdl, InProcess: inProcess, DisableDedupe: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	defer srv.Close()

	query := `{ products(first: 100) { edges { node { id title inStock variants { sku inStock availability { total } } } } } }`
	resp, err := http.Post(srv.URL, "application/json", strings.NewReader(`{"query":`+jsonString(query)+`}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Data struct {
			Products struct {
				Edges []struct {
					Node struct {
						ID       string
						InStock  *bool
						Variants []struct {
							SKU          string
							InStock      *bool
							Availability *struct{ Total int }
						}
					}
				}
			}
		}
		Errors []json.RawMessage
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if len(body.Errors) > 0 {
		t.Fatalf("errors: %s", body.Errors)
	}
	edges := body.Data.Products.Edges
	if len(edges) != 100 {
		t.Fatalf("got %d products, want 100", len(edges))
	}
	for _, e := range edges {
		anyInStock := false
		for _, v := range e.Node.Variants {
			if v.InStock == nil || v.Availability == nil {
				t.Fatalf("variant %s lacks inventory fields", v.SKU)
			}
			if *v.InStock != (v.Availability.Total > 0) {
				t.Fatalf("variant %s: inStock %v with %d available", v.SKU, *v.InStock, v.Availability.Total)
			}
			anyInStock = anyInStock || *v.InStock
		}
		if e.Node.InStock == nil || *e.Node.InStock != anyInStock {
			t.Fatalf("product %s: inStock %v, variants say %v", e.Node.ID, e.Node.InStock, anyInStock)
		}
	}
	if counter.count["catalog"] != 1 || counter.count["inventory"] != 1 {
		t.Fatalf("subgraph requests = %v, want one to catalog and one to inventory", counter.count)
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
