package searchresolvers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	searchresolvers "github.com/shopgraph/shopgraph/resolvers/search"
	"github.com/shopgraph/shopgraph/subgraphs/search"
	"github.com/shopgraph/shopgraph/subgraphs/search/bleve"
	"github.com/shopgraph/shopgraph/subgraphs/search/searchtest"
)

type response struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func post(t *testing.T, h http.Handler, query string, vars map[string]any) response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var r response
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		t.Fatalf("status %d, body %s: %v", rec.Code, rec.Body, err)
	}
	return r
}

func newHandler(t *testing.T) http.Handler {
	t.Helper()
	e, err := bleve.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	if err := e.Upsert(context.Background(), searchtest.Documents()); err != nil {
		t.Fatal(err)
	}
	return searchresolvers.NewHandler(e)
}

const searchQuery = `query($q: String, $f: SearchFilter, $s: SearchSort, $first: Int, $after: String) {
  search(query: $q, filter: $f, sort: $s, first: $first, after: $after) {
    totalCount
    edges { cursor node { id } highlights { field fragments } }
    pageInfo { hasNextPage endCursor }
    facets { categories { id count } brands { id count } prices { min max count } ratings { minRating count } inStock outOfStock }
  }
}`

type connection struct {
	Search struct {
		TotalCount int
		Edges      []struct {
			Cursor     string
			Node       struct{ ID string }
			Highlights []struct {
				Field     string
				Fragments []string
			}
		}
		PageInfo struct {
			HasNextPage bool
			EndCursor   *string
		}
		Facets struct {
			Categories []struct {
				ID    string
				Count int
			}
			Prices []struct {
				Min, Max *int
				Count    int
			}
			InStock, OutOfStock int
		}
	}
}

func TestSearchThroughTheGraph(t *testing.T) {
	h := newHandler(t)
	r := post(t, h, searchQuery, map[string]any{"q": "hedphones", "f": map[string]any{"inStockOnly": true, "priceMax": 20000}, "first": 2})
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %+v", r.Errors)
	}
	var c connection
	if err := json.Unmarshal(r.Data, &c); err != nil {
		t.Fatal(err)
	}
	s := c.Search
	if s.TotalCount != 3 || len(s.Edges) != 2 || !s.PageInfo.HasNextPage || s.PageInfo.EndCursor == nil {
		t.Fatalf("page: total %d, %d edges, next %v", s.TotalCount, len(s.Edges), s.PageInfo.HasNextPage)
	}
	if len(s.Edges[0].Highlights) == 0 || !strings.Contains(strings.Join(s.Edges[0].Highlights[0].Fragments, ""), "<mark>") {
		t.Fatalf("no highlight on %s: %+v", s.Edges[0].Node.ID, s.Edges[0].Highlights)
	}
	if len(s.Facets.Prices) != len(search.PriceBuckets) || s.Facets.Prices[0].Min != nil || s.Facets.InStock != 3 || s.Facets.OutOfStock != 0 {
		t.Fatalf("facets: %+v", s.Facets)
	}

	next := post(t, h, searchQuery, map[string]any{"q": "hedphones", "f": map[string]any{"inStockOnly": true, "priceMax": 20000}, "first": 2, "after": *s.PageInfo.EndCursor})
	var c2 connection
	_ = json.Unmarshal(next.Data, &c2)
	if len(next.Errors) > 0 || len(c2.Search.Edges) != 1 || c2.Search.PageInfo.HasNextPage {
		t.Fatalf("second page: %+v %+v", next.Errors, c2.Search)
	}
	seen := map[string]bool{s.Edges[0].Node.ID: true, s.Edges[1].Node.ID: true}
	if seen[c2.Search.Edges[0].Node.ID] {
		t.Fatalf("second page repeats %s", c2.Search.Edges[0].Node.ID)
	}
}

func TestSuggestThroughTheGraph(t *testing.T) {
	h := newHandler(t)
	r := post(t, h, `query($p: String!) { suggest(prefix: $p) }`, map[string]any{"p": "espr"})
	var got struct{ Suggest []string }
	_ = json.Unmarshal(r.Data, &got)
	if len(r.Errors) > 0 || len(got.Suggest) != 2 || got.Suggest[0] != "Espresso Machine" {
		t.Fatalf("suggest: %+v %+v", got, r.Errors)
	}
}

func TestBadInput(t *testing.T) {
	h := newHandler(t)
	cases := []struct {
		name  string
		query string
		vars  map[string]any
		code  string
	}{
		{"query over 256 characters", searchQuery, map[string]any{"q": strings.Repeat("x", 257)}, "BAD_USER_INPUT"},
		{"first over 100", searchQuery, map[string]any{"first": 101}, "BAD_USER_INPUT"},
		{"negative price", searchQuery, map[string]any{"f": map[string]any{"priceMin": -1}}, "BAD_USER_INPUT"},
		{"rating over 5", searchQuery, map[string]any{"f": map[string]any{"minRating": 6}}, "BAD_USER_INPUT"},
		{"foreign cursor", searchQuery, map[string]any{"after": "bm90IGEgY3Vyc29y"}, "BAD_USER_INPUT"},
		{"unknown sort", searchQuery, map[string]any{"s": "CHEAPEST"}, "GRAPHQL_VALIDATION_FAILED"},
		{"prefix over 256 characters", `query($p: String!) { suggest(prefix: $p) }`, map[string]any{"p": strings.Repeat("x", 257)}, "BAD_USER_INPUT"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := post(t, h, c.query, c.vars)
			if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != c.code {
				t.Fatalf("want one %s error, got %+v", c.code, r.Errors)
			}
			if strings.Contains(r.Errors[0].Message, "bleve") || strings.Contains(r.Errors[0].Message, "goroutine") {
				t.Fatalf("error leaks internals: %s", r.Errors[0].Message)
			}
		})
	}
}

func TestSpecialCharactersNeverError(t *testing.T) {
	h := newHandler(t)
	for _, q := range []string{`"`, `\`, `title:*`, `a AND (b OR`, `+-!(){}[]^"~*?:\/`, "<script>", "%00\x00", "🎧 headphones", `espresso~2^10`} {
		r := post(t, h, searchQuery, map[string]any{"q": q})
		if len(r.Errors) > 0 {
			t.Errorf("query %q: %+v", q, r.Errors)
		}
		r = post(t, h, `query($p: String!) { suggest(prefix: $p) }`, map[string]any{"p": q})
		if len(r.Errors) > 0 {
			t.Errorf("suggest %q: %+v", q, r.Errors)
		}
	}
}

// failing is an engine whose index is gone, as on a broken disk.
type failing struct{ search.Engine }

func (failing) Search(context.Context, search.Query) (search.Result, error) {
	return search.Result{}, errors.New("index segment unreadable: /var/lib/shopgraph/search")
}

func TestEngineFailureIsMasked(t *testing.T) {
	r := post(t, searchresolvers.NewHandler(failing{}), searchQuery, nil)
	if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "INTERNAL_SERVER_ERROR" || strings.Contains(r.Errors[0].Message, "/var/lib") {
		t.Fatalf("engine failure shown as %+v", r.Errors)
	}
}

// recording remembers the queries it was asked.
type recording struct {
	search.Engine
	queries []search.Query
}

func (r *recording) Search(ctx context.Context, q search.Query) (search.Result, error) {
	r.queries = append(r.queries, q)
	return r.Engine.Search(ctx, q)
}

func TestFacetsCountedOnlyWhenSelected(t *testing.T) {
	e, err := bleve.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	rec := &recording{Engine: e}
	h := searchresolvers.NewHandler(rec)
	post(t, h, `{ search(query: "kettle") { totalCount edges { node { id } } } }`, nil)
	post(t, h, `{ search(query: "kettle") { facets { inStock } } }`, nil)
	if len(rec.queries) != 2 || !rec.queries[0].WithoutFacets || rec.queries[1].WithoutFacets {
		t.Fatalf("WithoutFacets per query: %+v", rec.queries)
	}
}
