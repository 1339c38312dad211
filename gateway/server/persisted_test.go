package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopgraph/shopgraph/subgraphs/redistest"

	"github.com/shopgraph/shopgraph/gateway/persisted"
)

const (
	productsDoc = "query Products { products { id name } }"
	renameDoc   = "mutation Rename { rename(name: \"x\") { id } }"
)

// persistedGateway serves the store supergraph over the catalogOnly stub, with
// a manifest of productsDoc and renameDoc in a watched folder.
func persistedGateway(t testing.TB, opts persisted.Options) (http.Handler, *catalogOnly) {
	t.Helper()
	sdl, err := os.ReadFile("../supergraph/testdata/store.graphql")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var ops []persisted.ManifestOperation
	for name, body := range map[string]string{"Products": productsDoc, "Rename": renameDoc} {
		ops = append(ops, persisted.ManifestOperation{ID: persisted.Hash(body), Name: name, Body: body})
	}
	b, _ := json.Marshal(persisted.Manifest{Format: persisted.ManifestFormat, Version: 1, Operations: ops})
	if err := os.WriteFile(filepath.Join(dir, "app.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	opts.ManifestDirs = []string{dir}
	subs := &catalogOnly{}
	g, err := New(Config{SupergraphSDL: string(sdl), Subgraphs: subs, Persisted: opts})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Close() })
	return g.Routes(), subs
}

func apqExtensions(query string) string {
	return fmt.Sprintf(`{"persistedQuery":{"version":1,"sha256Hash":%q}}`, persisted.Hash(query))
}

// call sends a request through the handler and decodes the reply.
func call(t testing.TB, h http.Handler, method, target, body string, header map[string]string) result {
	t.Helper()
	var req *http.Request
	if method == http.MethodPost {
		req = httptest.NewRequest(method, target, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s %s: body %q is not JSON", method, target, rec.Body.String())
	}
	return result{rec.Code, rec.Header().Get("Content-Type"), out}
}

func apqGET(query string) string {
	return "/graphql?extensions=" + url.QueryEscape(apqExtensions(query))
}

func hasProducts(r result) bool {
	data, _ := r.body["data"].(map[string]any)
	products, _ := data["products"].([]any)
	return r.status == http.StatusOK && len(products) == 2
}

func TestAPQRoundTrip(t *testing.T) {
	h, subs := persistedGateway(t, persisted.Options{})
	q := "query Mine { products { id } }"

	miss := call(t, h, http.MethodGet, apqGET(q), "", nil)
	errs, _ := miss.body["errors"].([]any)
	if miss.status != http.StatusOK || firstCode(miss.body) != persisted.CodeNotFound || len(errs) != 1 ||
		errs[0].(map[string]any)["message"] != "PersistedQueryNotFound" {
		t.Fatalf("unknown hash over GET: %d %v", miss.status, miss.body)
	}
	if _, ok := miss.body["data"]; ok {
		t.Errorf("a request that never ran has a data entry: %v", miss.body)
	}
	if subs.calls.Load() != 0 {
		t.Fatal("an unknown hash reached a subgraph")
	}
	bad := call(t, h, http.MethodPost, "/graphql", fmt.Sprintf(`{"query":%q,"extensions":%s}`, q+" ", apqExtensions(q)), nil)
	if bad.status != http.StatusBadRequest || firstCode(bad.body) != persisted.CodeHashMismatch {
		t.Fatalf("text that does not match its hash: %d %v", bad.status, bad.body)
	}
	if r := call(t, h, http.MethodPost, "/graphql", fmt.Sprintf(`{"query":%q,"extensions":%s}`, q, apqExtensions(q)), nil); !hasProducts(r) {
		t.Fatalf("registration over POST: %d %v", r.status, r.body)
	}
	if r := call(t, h, http.MethodGet, apqGET(q), "", nil); !hasProducts(r) {
		t.Fatalf("hash over GET: %d %v", r.status, r.body)
	}
	if r := call(t, h, http.MethodPost, "/graphql", `{"extensions":`+apqExtensions(q)+`}`, nil); !hasProducts(r) {
		t.Fatalf("hash over POST: %d %v", r.status, r.body)
	}

	// Registration over GET, as Apollo Client does with useGETForHashedQueries.
	q2 := "query Names { products { name } }"
	reg := "/graphql?query=" + url.QueryEscape(q2) + "&extensions=" + url.QueryEscape(apqExtensions(q2))
	if r := call(t, h, http.MethodGet, reg, "", nil); !hasProducts(r) {
		t.Fatalf("registration over GET: %d %v", r.status, r.body)
	}
	if r := call(t, h, http.MethodGet, apqGET(q2), "", map[string]string{"Accept": "application/graphql-response+json"}); !hasProducts(r) {
		t.Fatalf("hash over GET after GET registration: %d %v", r.status, r.body)
	}
	if r := call(t, h, http.MethodGet, "/graphql?extensions=%7B", "", nil); r.status != http.StatusBadRequest || firstCode(r.body) != "BAD_REQUEST" {
		t.Fatalf("extensions that are not JSON: %d %v", r.status, r.body)
	}
	v2 := `{"persistedQuery":{"version":2,"sha256Hash":"` + persisted.Hash(q) + `"}}`
	if r := call(t, h, http.MethodGet, "/graphql?extensions="+url.QueryEscape(v2), "", nil); firstCode(r.body) != persisted.CodeNotSupported {
		t.Fatalf("version 2: %d %v", r.status, r.body)
	}
}

func TestPersistedModesPerClient(t *testing.T) {
	h, subs := persistedGateway(t, persisted.Options{Clients: map[string]persisted.Mode{"ios": persisted.PersistedOnly}})
	ios := map[string]string{"apollographql-client-name": "ios"}
	iosNeutral := map[string]string{"graphql-client-name": "ios", "Accept": "application/graphql-response+json"}
	adhoc := `{"query":"{ products { id } }"}`

	if r := call(t, h, http.MethodPost, "/graphql", adhoc, nil); !hasProducts(r) {
		t.Fatalf("unnamed client sending text: %d %v", r.status, r.body)
	}
	before := subs.calls.Load()
	if r := call(t, h, http.MethodPost, "/graphql", adhoc, ios); r.status != http.StatusOK || firstCode(r.body) != persisted.CodeOnly {
		t.Fatalf("persisted-only client sending text (application/json): %d %v", r.status, r.body)
	}
	if r := call(t, h, http.MethodPost, "/graphql", adhoc, iosNeutral); r.status != http.StatusForbidden || firstCode(r.body) != persisted.CodeOnly {
		t.Fatalf("persisted-only client sending text (graphql-response+json): %d %v", r.status, r.body)
	}
	if subs.calls.Load() != before {
		t.Fatal("a refused operation reached a subgraph")
	}
	id := "sha256:" + persisted.Hash(productsDoc)
	if r := call(t, h, http.MethodGet, "/graphql?documentId="+url.QueryEscape(id), "", iosNeutral); !hasProducts(r) {
		t.Fatalf("documentId over GET: %d %v", r.status, r.body)
	}
	if r := call(t, h, http.MethodPost, "/graphql", `{"documentId":"`+id+`"}`, ios); !hasProducts(r) {
		t.Fatalf("documentId over POST: %d %v", r.status, r.body)
	}
	if r := call(t, h, http.MethodGet, apqGET(productsDoc), "", ios); !hasProducts(r) {
		t.Fatalf("trusted document by APQ hash: %d %v", r.status, r.body)
	}
	if r := call(t, h, http.MethodGet, "/graphql?documentId=sha256:"+persisted.Hash("{ me { id } }"), "", ios); firstCode(r.body) != persisted.CodeNotFound {
		t.Fatalf("unknown documentId: %d %v", r.status, r.body)
	}
}

func TestPersistedMutationOverGETRefused(t *testing.T) {
	h, subs := persistedGateway(t, persisted.Options{})
	id := "sha256:" + persisted.Hash(renameDoc)
	r := call(t, h, http.MethodGet, "/graphql?documentId="+url.QueryEscape(id), "", nil)
	if r.status != http.StatusMethodNotAllowed || firstCode(r.body) != "METHOD_NOT_ALLOWED" {
		t.Fatalf("trusted mutation over GET: %d %v", r.status, r.body)
	}
	m := `mutation Other { rename(name: "y") { id } }`
	if r := call(t, h, http.MethodPost, "/graphql", fmt.Sprintf(`{"query":%q,"extensions":%s}`, m, apqExtensions(m)), nil); r.status != http.StatusOK || r.body["data"] == nil {
		t.Fatalf("APQ mutation registration over POST: %d %v", r.status, r.body)
	}
	if r := call(t, h, http.MethodGet, apqGET(m), "", nil); r.status != http.StatusMethodNotAllowed {
		t.Fatalf("APQ mutation over GET: %d %v", r.status, r.body)
	}
	calls := subs.calls.Load()
	if r := call(t, h, http.MethodPost, "/graphql", `{"documentId":"`+id+`"}`, nil); r.status != http.StatusOK || r.body["data"] == nil {
		t.Fatalf("trusted mutation over POST: %d %v", r.status, r.body)
	}
	if subs.calls.Load() != calls+1 {
		t.Fatal("the trusted mutation over POST did not run")
	}
}

func TestAPQSharedByGateways(t *testing.T) {
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb, "gateway-apq")
	opts := persisted.Options{Redis: rdb, KeyPrefix: prefix}
	a, _ := persistedGateway(t, opts)
	b, _ := persistedGateway(t, opts)
	q := "query Shared { products { id name } }"
	if r := call(t, b, http.MethodGet, apqGET(q), "", nil); firstCode(r.body) != persisted.CodeNotFound {
		t.Fatalf("before registration: %v", r.body)
	}
	if r := call(t, a, http.MethodPost, "/graphql", fmt.Sprintf(`{"query":%q,"extensions":%s}`, q, apqExtensions(q)), nil); !hasProducts(r) {
		t.Fatalf("registration on a: %d %v", r.status, r.body)
	}
	if r := call(t, b, http.MethodGet, apqGET(q), "", nil); !hasProducts(r) {
		t.Fatalf("hash on b: %d %v", r.status, r.body)
	}
}

// BenchmarkPersistedGET compares a GET by APQ hash with the same query sent
// as text, through the handler with a stub subgraph.
func BenchmarkPersistedGET(b *testing.B) {
	h, _ := persistedGateway(b, persisted.Options{})
	q := "query Products($n: Int) { products(first: $n) { id name } }"
	vars := "&variables=" + url.QueryEscape(`{"n":2}`)
	if r := call(b, h, http.MethodPost, "/graphql", fmt.Sprintf(`{"query":%q,"variables":{"n":2},"extensions":%s}`, q, apqExtensions(q)), nil); !hasProducts(r) {
		b.Fatalf("registration: %v", r.body)
	}
	for _, bc := range []struct{ name, target string }{
		{"hash", apqGET(q) + vars},
		{"text", "/graphql?query=" + url.QueryEscape(q) + vars},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, bc.target, nil))
				if rec.Code != http.StatusOK {
					b.Fatal(rec.Code, rec.Body.String())
				}
			}
		})
	}
}
