package persisted

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs/redistest"

	"github.com/redis/go-redis/v9"
)

// newDocuments builds Documents over a folder holding one manifest with
// productsQuery, and closes them when the test ends.
func newDocuments(t *testing.T, opts Options) *Documents {
	t.Helper()
	if opts.ManifestDirs == nil {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "app.json"), apolloManifest(t, op("Products", productsQuery)), 0o644); err != nil {
			t.Fatal(err)
		}
		opts.ManifestDirs = []string{dir}
	}
	d, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

func apq(hash string) map[string]any {
	return map[string]any{"persistedQuery": map[string]any{"version": float64(1), "sha256Hash": hash}}
}

func TestResolveModes(t *testing.T) {
	d := newDocuments(t, Options{Clients: map[string]Mode{"ios": PersistedOnly, "web": PersistedPreferred}})
	ios, web, tool := Client{Name: "ios"}, Client{Name: "web"}, Client{Name: "partner-tool"}
	adhoc := "{ products { id } }"
	trusted := Hash(productsQuery)
	steps := []struct {
		name      string
		req       Request
		wantQuery string
		wantCode  string
		trusted   bool
	}{
		{"allow-any text passes", Request{Query: adhoc, Client: tool}, adhoc, "", false},
		{"unknown hash", Request{Extensions: apq(Hash(adhoc)), Client: tool}, "", CodeNotFound, false},
		{"hash and wrong text", Request{Query: adhoc + " ", Extensions: apq(Hash(adhoc)), Client: tool}, "", CodeHashMismatch, false},
		{"register", Request{Query: adhoc, Extensions: apq(Hash(adhoc)), Client: tool}, adhoc, "", false},
		{"registered hash", Request{Extensions: apq(Hash(adhoc)), Client: tool}, adhoc, "", false},
		{"upper-case hash", Request{Extensions: apq(strings.ToUpper(Hash(adhoc))), Client: tool}, adhoc, "", false},
		{"version 2", Request{Extensions: map[string]any{"persistedQuery": map[string]any{"version": float64(2), "sha256Hash": Hash(adhoc)}}, Client: tool}, "", CodeNotSupported, false},
		{"hash not hex", Request{Extensions: apq("abc"), Client: tool}, "", CodeBadRequest, false},
		{"prefixed hash in extensions", Request{Extensions: apq("sha256:" + Hash(adhoc)), Client: tool}, "", CodeBadRequest, false},
		{"persistedQuery not an object", Request{Extensions: map[string]any{"persistedQuery": "x"}, Client: tool}, "", CodeBadRequest, false},
		{"trusted hash", Request{Extensions: apq(trusted), Client: tool}, productsQuery, "", true},
		{"persisted-only text", Request{Query: adhoc, Client: ios}, "", CodeOnly, false},
		{"persisted-only text of a trusted document", Request{Query: productsQuery, Client: ios}, productsQuery, "", true},
		{"persisted-only documentId", Request{DocumentID: "sha256:" + trusted, Client: ios}, productsQuery, "", true},
		{"persisted-only bare documentId", Request{DocumentID: trusted, Client: ios}, productsQuery, "", true},
		{"persisted-only trusted hash", Request{Extensions: apq(trusted), Client: ios}, productsQuery, "", true},
		{"persisted-only APQ-registered hash", Request{Extensions: apq(Hash(adhoc)), Client: ios}, "", CodeNotFound, false},
		{"persisted-only registration", Request{Query: renameMutation, Extensions: apq(Hash(renameMutation)), Client: ios}, "", CodeOnly, false},
		{"unknown documentId", Request{DocumentID: "sha256:" + Hash(adhoc), Client: tool}, "", CodeNotFound, false},
		{"bad documentId", Request{DocumentID: "Products", Client: tool}, "", CodeBadRequest, false},
		{"documentId and hash differ", Request{DocumentID: trusted, Extensions: apq(Hash(adhoc)), Client: tool}, "", CodeBadRequest, false},
		{"persisted-preferred text", Request{Query: adhoc, Client: web}, adhoc, "", false},
		{"persisted-preferred trusted text", Request{Query: productsQuery, Client: web}, productsQuery, "", true},
	}
	for _, s := range steps {
		got, err := d.Resolve(context.Background(), s.req)
		if s.wantCode != "" {
			if err == nil || err.Code != s.wantCode {
				t.Errorf("%s: got %+v, %v; want code %s", s.name, got, err, s.wantCode)
			}
			continue
		}
		if err != nil || got.Query != s.wantQuery || got.Trusted != s.trusted {
			t.Errorf("%s: got %+v, %v; want query %q trusted %v", s.name, got, err, s.wantQuery, s.trusted)
		}
	}
	if n := d.NonPersisted(); n != 1 {
		t.Errorf("NonPersisted = %d, want 1 (the persisted-preferred text)", n)
	}
}

func TestDefaultModeAndDisabledAPQ(t *testing.T) {
	d := newDocuments(t, Options{DefaultMode: PersistedOnly, Clients: map[string]Mode{"admin": AllowAny}, DisableAPQ: true})
	adhoc := "{ products { id } }"
	if _, err := d.Resolve(context.Background(), Request{Query: adhoc}); err == nil || err.Code != CodeOnly {
		t.Errorf("unnamed client sending text: %v, want %s", err, CodeOnly)
	}
	if _, err := d.Resolve(context.Background(), Request{Query: adhoc, Client: Client{Name: "admin"}}); err != nil {
		t.Errorf("allow-any client sending text: %v", err)
	}
	if _, err := d.Resolve(context.Background(), Request{Query: adhoc, Extensions: apq(Hash(adhoc)), Client: Client{Name: "admin"}}); err == nil || err.Code != CodeNotSupported {
		t.Errorf("APQ registration with APQ off: %v, want %s", err, CodeNotSupported)
	}
	if got, err := d.Resolve(context.Background(), Request{Extensions: apq(Hash(productsQuery)), Client: Client{Name: "admin"}}); err != nil || got.Query != productsQuery {
		t.Errorf("trusted hash with APQ off: %+v, %v", got, err)
	}
	if err := (&Error{Code: CodeOnly}).HTTPStatus(true); err != 403 {
		t.Errorf("persisted-only refusal status %d, want 403", err)
	}
}

func TestNewRefusesBadModes(t *testing.T) {
	if _, err := New(Options{Clients: map[string]Mode{"ios": "strict"}}); err == nil || !strings.Contains(err.Error(), `unknown mode "strict"`) {
		t.Errorf("err = %v", err)
	}
	modes, err := ParseClientModes("ios=persisted-only, web=allow-any")
	if err != nil || modes["ios"] != PersistedOnly || modes["web"] != AllowAny || FormatClientModes(modes) != "ios=persisted-only,web=allow-any" {
		t.Errorf("ParseClientModes = %v, %v", modes, err)
	}
	if _, err := ParseClientModes("ios"); err == nil {
		t.Error("a client without a mode parsed")
	}
}

func TestAPQSharedThroughRedis(t *testing.T) {
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb, "apq")
	opts := Options{Redis: rdb, KeyPrefix: prefix, TTL: time.Hour}
	a, b := newDocuments(t, opts), newDocuments(t, opts)
	ctx := context.Background()
	q := "query Mine { products { id name } }"
	h := Hash(q)
	if _, err := b.Resolve(ctx, Request{Extensions: apq(h)}); err == nil || err.Code != CodeNotFound {
		t.Fatalf("before registration: %v, want %s", err, CodeNotFound)
	}
	if _, err := a.Resolve(ctx, Request{Query: q, Extensions: apq(h)}); err != nil {
		t.Fatal(err)
	}
	got, err := b.Resolve(ctx, Request{Extensions: apq(h)})
	if err != nil || got.Query != q {
		t.Fatalf("other replica: %+v, %v", got, err)
	}
	if ttl := rdb.TTL(ctx, prefix+h).Val(); ttl <= 0 || ttl > time.Hour {
		t.Errorf("TTL %v, want (0, 1h]", ttl)
	}
	// Whatever sits under a key must be the document of its hash.
	other := "{ products { id } }"
	rdb.Set(ctx, prefix+Hash(other), "{ products { name } }", time.Minute)
	if _, err := b.Resolve(ctx, Request{Extensions: apq(Hash(other))}); err == nil || err.Code != CodeNotFound {
		t.Errorf("tampered entry: %v, want %s", err, CodeNotFound)
	}
}

// lockedBuffer is a log sink for concurrent writers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestAPQWithRedisDown(t *testing.T) {
	var logs lockedBuffer
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	t.Cleanup(func() { _ = down.Close() })
	d := newDocuments(t, Options{Redis: down, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	ctx := context.Background()
	for i := range 5 {
		q := fmt.Sprintf("query Q%d { products { id } }", i)
		got, err := d.Resolve(ctx, Request{Query: q, Extensions: apq(Hash(q))})
		if err != nil || got.Query != q {
			t.Fatalf("registration with Redis down: %+v, %v", got, err)
		}
		if got, err := d.Resolve(ctx, Request{Extensions: apq(Hash(q))}); err != nil || got.Query != q {
			t.Fatalf("lookup in process with Redis down: %+v, %v", got, err)
		}
	}
	if _, err := d.Resolve(ctx, Request{Extensions: apq(Hash("{ x }"))}); err == nil || err.Code != CodeNotFound {
		t.Errorf("unknown hash with Redis down: %v, want %s", err, CodeNotFound)
	}
	if n := strings.Count(logs.String(), "APQ Redis unavailable"); n != 1 {
		t.Errorf("Redis outage logged %d times, want once:\n%s", n, logs.String())
	}
}

func TestAPQBoundsDocumentSize(t *testing.T) {
	d := newDocuments(t, Options{MaxDocumentSize: 40})
	long := "query Long { products { id name weight } }"
	got, err := d.Resolve(context.Background(), Request{Query: long, Extensions: apq(Hash(long))})
	if err != nil || got.Query != long {
		t.Fatalf("an oversized query still runs: %+v, %v", got, err)
	}
	if _, err := d.Resolve(context.Background(), Request{Extensions: apq(Hash(long))}); err == nil || err.Code != CodeNotFound {
		t.Errorf("oversized query was stored: %v", err)
	}
}
