package persisted

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

type reload struct {
	src string
	err error
}

// reloads collects OnReload calls.
func reloads() (chan reload, func(string, error)) {
	ch := make(chan reload, 64)
	return ch, func(src string, err error) { ch <- reload{src, err} }
}

// waitReload waits for a reload of src that succeeded (wantErr "") or was
// refused with an error containing wantErr. The timeout only fails the test.
func waitReload(t *testing.T, ch chan reload, src, wantErr string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case r := <-ch:
			if r.src != src {
				continue
			}
			if wantErr == "" && r.err == nil {
				return
			}
			if wantErr != "" && r.err != nil && strings.Contains(r.err.Error(), wantErr) {
				return
			}
		case <-deadline:
			t.Fatalf("no reload of %s (want error %q)", src, wantErr)
		}
	}
}

// writeAtomic replaces path in one rename, as deploy tools should.
func writeAtomic(t *testing.T, path string, b []byte) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func trustedOnly(t *testing.T, d *Documents, body string) bool {
	t.Helper()
	got, err := d.Resolve(context.Background(), Request{DocumentID: "sha256:" + Hash(body), Client: Client{Name: "ios"}})
	if err != nil && err.Code != CodeNotFound {
		t.Fatalf("resolve: %v", err)
	}
	return err == nil && got.Query == body
}

func TestManifestFolderHotReload(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ios.json")
	writeAtomic(t, path, apolloManifest(t, op("Products", productsQuery)))
	ch, onReload := reloads()
	d := newDocuments(t, Options{ManifestDirs: []string{dir}, Clients: map[string]Mode{"ios": PersistedOnly}, OnReload: onReload})
	if !trustedOnly(t, d, productsQuery) {
		t.Fatal("manifest not loaded at start")
	}

	next := "query Product { product(id: \"1\") { name } }"
	writeAtomic(t, path, apolloManifest(t, op("Products", productsQuery), op("Product", next)))
	waitReload(t, ch, path, "")
	if !trustedOnly(t, d, next) {
		t.Fatal("new operation not trusted after reload")
	}

	bad := op("Product", next)
	bad.Body += " "
	writeAtomic(t, path, apolloManifest(t, bad))
	waitReload(t, ch, path, "is not the sha256 of its body")
	if !trustedOnly(t, d, next) || !trustedOnly(t, d, productsQuery) {
		t.Fatal("a refused reload dropped the previous good manifest")
	}

	other := filepath.Join(dir, "web.json")
	writeAtomic(t, other, []byte(`{"`+Hash(renameMutation)+`":"`+strings.ReplaceAll(renameMutation, `"`, `\"`)+`"}`))
	waitReload(t, ch, other, "")
	if !trustedOnly(t, d, renameMutation) || !trustedOnly(t, d, productsQuery) {
		t.Fatal("a second manifest does not add to the first")
	}

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	waitReload(t, ch, path, "")
	if trustedOnly(t, d, productsQuery) || !trustedOnly(t, d, renameMutation) {
		t.Fatal("removing a manifest did not drop exactly its documents")
	}
}

func TestBadManifestRefusesToStart(t *testing.T) {
	dir := t.TempDir()
	bad := op("Products", productsQuery)
	bad.ID = Hash("{ other }")
	writeAtomic(t, filepath.Join(dir, "app.json"), apolloManifest(t, bad))
	_, err := New(Options{ManifestDirs: []string{dir}})
	if err == nil || !strings.Contains(err.Error(), "app.json refused") || !strings.Contains(err.Error(), "is not the sha256 of its body") {
		t.Fatalf("err = %v", err)
	}
	if _, err := New(Options{ManifestDirs: []string{filepath.Join(dir, "missing")}}); err == nil {
		t.Fatal("a missing manifest folder was accepted")
	}
}

// manifestServer serves a manifest with an ETag and answers 304 to a client
// that has it.
type manifestServer struct {
	mu          sync.Mutex
	body        []byte
	conditional chan struct{} // a request carried If-None-Match for the current version
}

func (m *manifestServer) set(b []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.body = b
}

func (m *manifestServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	body := m.body
	m.mu.Unlock()
	etag := `"` + Hash(string(body)) + `"`
	if r.Header.Get("If-None-Match") == etag {
		select {
		case m.conditional <- struct{}{}:
		default:
		}
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	_, _ = w.Write(body)
}

func TestManifestURLPolling(t *testing.T) {
	ms := &manifestServer{body: apolloManifest(t, op("Products", productsQuery)), conditional: make(chan struct{}, 1)}
	srv := httptest.NewServer(ms)
	t.Cleanup(srv.Close)
	ch, onReload := reloads()
	d := newDocuments(t, Options{ManifestDirs: []string{}, ManifestURLs: []string{srv.URL}, PollInterval: 5 * time.Millisecond,
		Clients: map[string]Mode{"ios": PersistedOnly}, OnReload: onReload})
	if !trustedOnly(t, d, productsQuery) {
		t.Fatal("manifest not fetched at start")
	}
	select {
	case <-ms.conditional:
	case <-time.After(10 * time.Second):
		t.Fatal("polls are not conditional on the ETag")
	}

	next := "query Product { product(id: \"1\") { name } }"
	ms.set(apolloManifest(t, op("Product", next)))
	waitReload(t, ch, srv.URL, "")
	if !trustedOnly(t, d, next) || trustedOnly(t, d, productsQuery) {
		t.Fatal("the new manifest did not replace the old one")
	}

	ms.set([]byte(`{"format":"apollo-persisted-query-manifest","version":1,"operations":[{"id":"` + Hash("x") + `","name":"X","body":"{ y }"}]}`))
	waitReload(t, ch, srv.URL, "is not the sha256 of its body")
	if !trustedOnly(t, d, next) {
		t.Fatal("a refused manifest dropped the previous good one")
	}
}
