package server

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
)

// TestEndToEnd runs the gateway over HTTP against HTTP subgraphs on loopback.
func TestEndToEnd(t *testing.T) {
	var mu sync.Mutex
	auth := map[string]string{}
	subgraph := func(name string, answer func(req map[string]any) string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			auth[name] = r.Header.Get("Authorization")
			mu.Unlock()
			var req map[string]any
			b, _ := io.ReadAll(r.Body)
			_ = json.Unmarshal(b, &req)
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, answer(req))
		}))
	}
	catalog := subgraph("catalog", func(req map[string]any) string {
		return `{"data":{"products":[{"id":"1","name":"Mug","weight":3,"__typename":"Product"},{"id":"2","name":"Tee","weight":1,"__typename":"Product"}]}}`
	})
	defer catalog.Close()
	inventory := subgraph("inventory", func(req map[string]any) string {
		vars, _ := req["variables"].(map[string]any)
		reps, _ := vars["representations"].([]any)
		out := []any{}
		for _, r := range reps {
			rep := r.(map[string]any)
			w, _ := rep["weight"].(float64)
			out = append(out, map[string]any{"__typename": "Product", "inStock": rep["id"] == "1", "shippingEstimate": w * 5})
		}
		b, _ := json.Marshal(map[string]any{"data": map[string]any{"_entities": out}})
		return string(b)
	})
	defer inventory.Close()

	sdl, err := os.ReadFile("../supergraph/testdata/store.graphql")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(sdl), "http://catalog.test/graphql", catalog.URL)
	s = strings.ReplaceAll(s, "http://inventory.test/graphql", inventory.URL)
	h, err := NewHandler(Config{SupergraphSDL: s})
	if err != nil {
		t.Fatal(err)
	}
	gw := httptest.NewServer(h)
	defer gw.Close()

	req, _ := http.NewRequest(http.MethodPost, gw.URL+"/graphql",
		strings.NewReader(`{"query":"{ products { name inStock shippingEstimate } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer shopper")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	want := `{"data":{"products":[{"name":"Mug","inStock":true,"shippingEstimate":15},{"name":"Tee","inStock":false,"shippingEstimate":5}]}}`
	if string(body) != want {
		t.Errorf("got  %s\nwant %s", body, want)
	}
	for _, name := range []string{"catalog", "inventory"} {
		if auth[name] != "Bearer shopper" {
			t.Errorf("%s got Authorization %q", name, auth[name])
		}
	}
}

func TestSubgraphHeadersHook(t *testing.T) {
	var got http.Header
	sub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		_, _ = io.WriteString(w, `{"data":{"products":[]}}`)
	}))
	defer sub.Close()
	sdl, err := os.ReadFile("../supergraph/testdata/store.graphql")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		SupergraphSDL: strings.ReplaceAll(string(sdl), "http://catalog.test/graphql", sub.URL),
		SubgraphHeaders: func(r *http.Request) (http.Header, error) {
			if r.Header.Get("Authorization") == "Bearer bad" {
				return nil, io.ErrUnexpectedEOF
			}
			h := http.Header{}
			h.Set("X-Customer", "c-1")
			return h, nil
		},
	}
	h, err := NewHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	gw := httptest.NewServer(h)
	defer gw.Close()
	send := func(auth string) int {
		req, _ := http.NewRequest(http.MethodPost, gw.URL+"/graphql", strings.NewReader(`{"query":"{ products { id } }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := send("Bearer good"); code != 200 || got.Get("X-Customer") != "c-1" {
		t.Errorf("status %d, X-Customer %q", code, got.Get("X-Customer"))
	}
	got = nil
	if code := send("Bearer bad"); code != http.StatusUnauthorized || got != nil {
		t.Errorf("refused request: status %d, subgraph called: %v", code, got != nil)
	}
}
