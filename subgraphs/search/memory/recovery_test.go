package memory

import (
	"bytes"
	"context"
	"encoding/gob"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs/search"
	"github.com/shopgraph/shopgraph/subgraphs/search/searchtest"
)

// catalog is a store's catalog in memory; walks wait on gate when it is set, so a test can
// hold a rebuild in the middle.
type catalog struct {
	mu       sync.Mutex
	products map[string]search.Document
	gate     chan struct{}
}

func newCatalog(docs []search.Document) *catalog {
	c := &catalog{products: map[string]search.Document{}}
	for _, d := range docs {
		c.products[d.ID] = d
	}
	return c
}

func (c *catalog) set(d search.Document) { c.mu.Lock(); c.products[d.ID] = d; c.mu.Unlock() }
func (c *catalog) del(id string)         { c.mu.Lock(); delete(c.products, id); c.mu.Unlock() }

func (c *catalog) ProductsAfter(ctx context.Context, next string, limit int) ([]search.Product, string, error) {
	if c.gate != nil {
		select {
		case <-c.gate:
		case <-ctx.Done():
			return nil, "", ctx.Err()
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var ids []string
	for id := range c.products {
		if id > next {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	ids = ids[:min(limit, len(ids))]
	out := make([]search.Product, len(ids))
	for i, id := range ids {
		out[i] = search.Product{Document: c.products[id], SKUs: []string{id}}
	}
	last := next
	if len(ids) > 0 {
		last = ids[len(ids)-1]
	}
	return out, last, nil
}

func (c *catalog) ProductsByID(_ context.Context, ids []string) ([]search.Product, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []search.Product
	for _, id := range ids {
		if d, ok := c.products[id]; ok {
			out = append(out, search.Product{Document: d, SKUs: []string{id}})
		}
	}
	return out, nil
}

func (c *catalog) ProductIDsBySKU(_ context.Context, skus []string) ([]string, error) {
	return skus, nil
}

func (c *catalog) Count(context.Context) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.products), nil
}

// stock sells a SKU when the document it was made from was in stock.
type stock struct{ c *catalog }

func (s stock) Sellable(_ context.Context, skus []string) (map[string]bool, error) {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	out := map[string]bool{}
	for _, k := range skus {
		out[k] = s.c.products[k].InStock
	}
	return out, nil
}

func ids(t *testing.T, e *Engine, text string) []string {
	t.Helper()
	r, err := e.Search(context.Background(), search.Query{Text: text, First: search.MaxFirst, WithoutFacets: true})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range r.Hits {
		out = append(out, h.ID)
	}
	slices.Sort(out)
	return out
}

func total(t *testing.T, e *Engine) int {
	t.Helper()
	r, err := e.Search(context.Background(), search.Query{First: 0, WithoutFacets: true})
	if err != nil {
		t.Fatal(err)
	}
	return r.TotalCount
}

// snapshotOnce runs the periodic writer until its first whole snapshot, then stops it.
func snapshotOnce(t *testing.T, e *Engine) snapshotStats {
	t.Helper()
	written := make(chan snapshotStats, 1)
	e.afterSnapshot = func(st snapshotStats, err error) {
		if err != nil {
			t.Errorf("periodic snapshot: %v", err)
		}
		select {
		case written <- st:
		default:
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { defer close(stopped); e.SnapshotEvery(ctx, time.Millisecond) }()
	st := <-written
	cancel()
	<-stopped
	return st
}

// TestCrashServesThePeriodicSnapshotThenRebuilds: after a crash the periodic snapshot answers
// at once, a change applied after it (and acknowledged) appears once the background rebuild
// commits, and a clean close after that needs no rebuild.
func TestCrashServesThePeriodicSnapshotThenRebuilds(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	docs := searchtest.Documents()
	cat := newCatalog(docs)
	first, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := search.NewIndexer(first, cat, stock{cat}).Reindex(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if st := snapshotOnce(t, first); st.Documents != len(docs) || st.Bytes == 0 {
		t.Fatalf("snapshot of %d documents, %d bytes; want %d", st.Documents, st.Bytes, len(docs))
	}
	// Applied after the snapshot, as the consumer would (and then acknowledge): p02 renamed,
	// p01 deleted.
	renamed := docs[1]
	renamed.Title = "Zebra Studio Monitors"
	cat.set(renamed)
	cat.del("p01")
	if err := search.NewIndexer(first, cat, stock{cat}).Refresh(ctx, []string{"p01", "p02"}); err != nil {
		t.Fatal(err)
	}
	// Crash: first is never closed.

	second, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if !second.Stale() {
		t.Fatal("a periodic snapshot loads as clean: the changes after it would never be indexed")
	}
	cat.gate = make(chan struct{})
	ix := search.NewIndexer(second, cat, stock{cat})
	rebuilt := make(chan error, 1)
	go func() {
		did, err := ix.IndexIfStale(ctx, nil)
		if err == nil && !did {
			err = errorString("IndexIfStale did not rebuild a stale index")
		}
		rebuilt <- err
	}()
	// The rebuild is held at its first read: the snapshot serves meanwhile.
	if n := total(t, second); n != len(docs) {
		t.Fatalf("during the rebuild the index holds %d products, want the snapshot's %d", n, len(docs))
	}
	if got := ids(t, second, "wireless"); !slices.Contains(got, "p01") {
		t.Fatalf("during the rebuild %q finds %v, want the snapshot's p01", "wireless", got)
	}
	close(cat.gate)
	if err := <-rebuilt; err != nil {
		t.Fatal(err)
	}
	if got := ids(t, second, "zebra"); !slices.Equal(got, []string{"p02"}) {
		t.Fatalf("after the rebuild %q finds %v, want [p02]", "zebra", got)
	}
	if n := total(t, second); n != len(docs)-1 {
		t.Fatalf("after the rebuild the index holds %d products, want %d (p01 deleted)", n, len(docs)-1)
	}
	if second.Stale() {
		t.Fatal("still stale after a committed rebuild")
	}
	if err := second.Close(); err != nil {
		t.Fatal(err)
	}

	third, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	if third.Stale() {
		t.Fatal("a clean close after the rebuild loads as stale")
	}
	if did, err := search.NewIndexer(third, cat, stock{cat}).IndexIfStale(ctx, nil); err != nil || did {
		t.Fatalf("IndexIfStale after a clean close rebuilt=%v err=%v, want no rebuild", did, err)
	}
	if got := ids(t, third, "zebra"); !slices.Equal(got, []string{"p02"}) {
		t.Fatalf("after a clean restart %q finds %v, want [p02]", "zebra", got)
	}
}

// TestCloseWhileStaleIsNotClean: closing before the due rebuild committed leaves the snapshot
// stale, so the next start rebuilds again.
func TestCloseWhileStaleIsNotClean(t *testing.T) {
	dir := t.TempDir()
	first, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Upsert(context.Background(), searchtest.Documents()); err != nil {
		t.Fatal(err)
	}
	if err := first.Snapshot(); err != nil {
		t.Fatal(err)
	}
	second, err := Open(dir) // first crashed
	if err != nil {
		t.Fatal(err)
	}
	if err := second.Close(); err != nil {
		t.Fatal(err)
	}
	third, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	if !third.Stale() {
		t.Fatal("a close before the due rebuild marked the snapshot clean")
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }

// TestTornSnapshotIsIgnoredAndRebuilt: a snapshot cut short (mid-batch, or at a batch boundary
// where gob sees a clean end) is logged and ignored, and the empty engine is rebuilt; a write a
// crash interrupted beside a whole snapshot leaves that snapshot in use.
func TestTornSnapshotIsIgnoredAndRebuilt(t *testing.T) {
	ctx := context.Background()
	docs := searchtest.Documents()
	dir := t.TempDir()
	e, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}
	if err := e.Snapshot(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, snapshotFile)
	whole, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := bytes.NewReader(whole) // a ByteReader: gob reads exactly the header's messages
	var h snapshotHeader
	if err := gob.NewDecoder(r).Decode(&h); err != nil || h.Documents != len(docs) {
		t.Fatalf("header %+v, %v; want %d documents", h, err, len(docs))
	}
	headerOnly := len(whole) - r.Len()

	// A crash mid-write leaves a partial file beside the whole one: the whole one serves.
	if err := os.WriteFile(path+".tmp", whole[:len(whole)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	kept, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if n := total(t, kept); n != len(docs) {
		t.Fatalf("beside an interrupted write the engine holds %d products, want %d", n, len(docs))
	}
	if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
		t.Fatalf("the interrupted write is still there: %v", err)
	}

	var logs bytes.Buffer
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	for _, tc := range []struct {
		name string
		size int
	}{{"mid-batch", len(whole) - 10}, {"after-header", headerOnly}, {"empty", 0}} {
		t.Run(tc.name, func(t *testing.T) {
			logs.Reset()
			if err := os.WriteFile(path, whole[:tc.size], 0o644); err != nil {
				t.Fatal(err)
			}
			torn, err := Open(dir)
			if err != nil {
				t.Fatalf("a torn snapshot fails Open: %v", err)
			}
			defer torn.Close()
			if n := total(t, torn); n != 0 {
				t.Fatalf("a torn snapshot loaded %d products, want none", n)
			}
			if !strings.Contains(logs.String(), "search snapshot ignored") {
				t.Fatalf("no log line for the torn snapshot; logged %q", logs.String())
			}
			cat := newCatalog(docs)
			did, err := search.NewIndexer(torn, cat, stock{cat}).IndexIfEmpty(ctx, nil)
			if err != nil || !did {
				t.Fatalf("IndexIfEmpty rebuilt=%v err=%v, want a rebuild", did, err)
			}
			if n := total(t, torn); n != len(docs) {
				t.Fatalf("after the rebuild the engine holds %d products, want %d", n, len(docs))
			}
		})
	}
}

// TestSnapshotWhileWriting: snapshots taken while products are added and deleted hold every
// product that stayed put, and never a torn document.
func TestSnapshotWhileWriting(t *testing.T) {
	ctx := context.Background()
	e, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	defer func(n int) { copyChunk = n }(copyChunk)
	copyChunk = 3 // many chunks, writes between them
	docs := searchtest.Documents()
	if err := e.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	churned := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				churned <- nil
				return
			default:
			}
			d := docs[i%len(docs)]
			d.ID = "x" + strconv.Itoa(i%200)
			err := e.Upsert(ctx, []search.Document{d})
			if err == nil && i%3 == 0 {
				err = e.Delete(ctx, []string{"x" + strconv.Itoa((i/3)%200)})
			}
			if err != nil {
				churned <- err
				return
			}
		}
	}()
	for range 20 {
		if err := e.Snapshot(); err != nil {
			t.Fatal(err)
		}
		ix, _, err := readSnapshot(filepath.Join(e.dir, snapshotFile))
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			slot, ok := ix.slots[d.ID]
			if !ok || ix.docs[slot].Title != d.Title {
				t.Fatalf("a snapshot taken while writing lost %s", d.ID)
			}
		}
	}
	close(stop)
	if err := <-churned; err != nil {
		t.Fatal(err)
	}
}
