package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
)

func TestBodiesDecodeOnceAndHandOutCopies(t *testing.T) {
	var c bodies
	body := []byte(`{"query":"query Q($in: Filter) { products { id } }","operationName":"Q","variables":{"in":{"tags":["a"],"min":1}},"extensions":{"x":1}}`)
	var first, second wireRequest
	if err := c.decode(body, &first); err != nil {
		t.Fatal(err)
	}
	if len(c.m) != 1 {
		t.Fatalf("%d bodies remembered, want 1", len(c.m))
	}
	// Coercion writes defaults into input objects: the next request must not see that.
	first.Variables["in"].(map[string]any)["max"] = 9
	first.Variables["in"].(map[string]any)["tags"].([]any)[0] = "changed"
	if err := c.decode(body, &second); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"in": map[string]any{"tags": []any{"a"}, "min": float64(1)}}
	if !reflect.DeepEqual(second.Variables, want) {
		t.Errorf("variables from memory = %v, want %v", second.Variables, want)
	}
	if second.Query != first.Query || second.OperationName != "Q" || second.Extensions["x"] != float64(1) {
		t.Errorf("request from memory = %+v", second)
	}
	if first.digest == nil || second.digest == nil || *first.digest != *second.digest {
		t.Errorf("digests %v and %v, want equal", first.digest, second.digest)
	}
}

func TestBodiesRefuseWhatJSONRefuses(t *testing.T) {
	var c bodies
	for _, body := range []string{`{"query":`, `{"query":5}`, `[]`} {
		var req wireRequest
		if err := c.decode([]byte(body), &req); err == nil {
			t.Errorf("%s decoded", body)
		}
	}
	if len(c.m) != 0 {
		t.Errorf("%d bodies remembered, want none", len(c.m))
	}
}

func TestBodiesAreBounded(t *testing.T) {
	var c bodies
	for i := range maxBodies + 50 {
		var req wireRequest
		if err := c.decode([]byte(`{"query":"{ products { id } }","variables":{"n":`+strconv.Itoa(i)+`}}`), &req); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.m) > maxBodies {
		t.Errorf("%d bodies remembered, want at most %d", len(c.m), maxBodies)
	}
	var req wireRequest
	big := `{"query":"{ products { id } }","operationName":"` + strings.Repeat("x", maxCachedBody) + `"}`
	if err := c.decode([]byte(big), &req); err != nil || req.digest == nil {
		t.Fatalf("large body: %v, digest %v", err, req.digest)
	}
	if _, ok := c.m[big]; ok {
		t.Error("a body over maxCachedBody was remembered")
	}
}

func TestRequestDigest(t *testing.T) {
	base, _ := requestDigest("Q", "query Q { a }", map[string]any{"a": 1.0, "b": "x"})
	same, _ := requestDigest("Q", "query Q { a }", map[string]any{"b": "x", "a": 1.0})
	if base != same {
		t.Error("the order of variables changed the digest")
	}
	for name, d := range map[string][3]any{
		"variables":      {"Q", "query Q { a }", map[string]any{"a": 2.0, "b": "x"}},
		"operation name": {"", "query Q { a }", map[string]any{"a": 1.0, "b": "x"}},
		"query":          {"Q", "query Q { b }", map[string]any{"a": 1.0, "b": "x"}},
		"part boundary":  {"Qquery Q { a }", "", map[string]any{"a": 1.0, "b": "x"}},
	} {
		other, ok := requestDigest(d[0].(string), d[1].(string), d[2].(map[string]any))
		if !ok || other == base {
			t.Errorf("a different %s gave the same digest", name)
		}
	}
}

// The digest a decoded body carries and the one worked out for a request without it (GET,
// resolved persisted queries) must agree, or the same query would not be shared across them.
func TestInboundKeyWithAndWithoutDigest(t *testing.T) {
	var c bodies
	var req wireRequest
	if err := c.decode([]byte(`{"query":"{ products { id } }","variables":{"n":2}}`), &req); err != nil {
		t.Fatal(err)
	}
	with, ok1 := inboundKey(context.Background(), mediaJSON, req)
	req.digest = nil
	without, ok2 := inboundKey(context.Background(), mediaJSON, req)
	if !ok1 || !ok2 || with != without {
		t.Errorf("keys differ: %q, %q", with, without)
	}
	other, _ := inboundKey(context.Background(), mediaGraphQLResponse, req)
	if other == with {
		t.Error("the response media type is not in the key")
	}
}

// Repeated bodies through the whole gateway from concurrent clients share the remembered
// decodings (run with -race); every response is whole and says how long it is.
func TestRepeatedBodiesThroughTheGateway(t *testing.T) {
	g, srv, subs := newGatedGateway(t, true)
	close(subs.release)
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			body := fmt.Sprintf(`{"query":"query($n: Int) { products(first: $n) { id name } }","variables":{"n":%d}}`, i%3)
			resp, err := http.Post(srv.URL+"/graphql", "application/json", strings.NewReader(body))
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"Mug"`) {
				t.Errorf("status %d: %s", resp.StatusCode, b)
			}
			if resp.ContentLength != int64(len(b)) || len(resp.TransferEncoding) > 0 {
				t.Errorf("Content-Length %d, transfer encoding %v, for a body of %d bytes", resp.ContentLength, resp.TransferEncoding, len(b))
			}
		})
	}
	wg.Wait()
	g.bodies.mu.RLock()
	defer g.bodies.mu.RUnlock()
	if n := len(g.bodies.m); n != 3 {
		t.Errorf("%d bodies remembered, want 3", n)
	}
	for body, d := range g.bodies.m {
		if k := d.kind.Load(); k == nil || *k != ast.Query {
			t.Errorf("%s: operation kind %v, want it remembered as a query", body, k)
		}
	}
}

func TestResponseMedia(t *testing.T) {
	for accept, want := range map[string]string{
		"":                                  mediaJSON,
		"application/json":                  mediaJSON,
		"application/graphql-response+json": mediaGraphQLResponse,
		"Application/GraphQL-Response+JSON;q=0.9":                                       mediaGraphQLResponse,
		"text/html, application/graphql-response+json; charset=utf-8, application/json": mediaGraphQLResponse,
		"application/json, application/graphql-response+json":                           mediaJSON,
		"*/*":       mediaJSON,
		"text/html": mediaJSON,
	} {
		if got := responseMedia(accept); got != want {
			t.Errorf("responseMedia(%q) = %s, want %s", accept, got, want)
		}
	}
}
