package memory_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/shopgraph/shopgraph/subgraphs/search"
	"github.com/shopgraph/shopgraph/subgraphs/search/memory"
	"github.com/shopgraph/shopgraph/subgraphs/search/searchtest"
)

func open(t *testing.T) search.Engine {
	t.Helper()
	e, err := memory.Open("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

func TestConformance(t *testing.T) { searchtest.Run(t, open) }

// TestCloseSnapshotsAndOpenResumes: a clean restart keeps the index and needs no rebuild; the
// snapshot stays after loading, but a crash afterwards finds it no longer clean: it serves and
// asks for a rebuild.
func TestCloseSnapshotsAndOpenResumes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e, err := memory.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Upsert(ctx, searchtest.Documents()); err != nil {
		t.Fatal(err)
	}
	if err := e.Delete(ctx, []string{"p01"}); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := memory.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if again.Stale() {
		t.Fatal("a snapshot written by Close reports stale: it would be rebuilt for nothing")
	}
	r, err := again.Search(ctx, search.Query{Text: "headphones", First: 10})
	if err != nil {
		t.Fatal(err)
	}
	if r.TotalCount != 2 {
		t.Fatalf("after a restart %q matches %d products, want 2 (p02, p10)", "headphones", r.TotalCount)
	}
	// Not closed: as after a crash. The snapshot still serves, but is stale now.
	third, err := memory.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	if !third.Stale() {
		t.Fatal("after a crash the engine does not report stale: changes after the snapshot would be lost")
	}
	if r, err := third.Search(ctx, search.Query{Text: "headphones", First: 10}); err != nil || r.TotalCount != 2 {
		t.Fatalf("after a crash %q matches %d products, %v; want the snapshot's 2", "headphones", r.TotalCount, err)
	}
	_ = again.Close()
}

// TestConcurrentWritesSearchesAndRebuilds: searches see a whole index at every moment while
// documents are rewritten and the index is rebuilt and swapped beside them.
func TestConcurrentWritesSearchesAndRebuilds(t *testing.T) {
	ctx := context.Background()
	e := open(t)
	docs := searchtest.Documents()
	if err := e.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 3)
	stop := make(chan struct{})
	go func() { // rewrites every document, one at a time
		for i := 0; i < 200; i++ {
			d := docs[i%len(docs)]
			if err := e.Upsert(ctx, []search.Document{d}); err != nil {
				errs <- err
				return
			}
		}
		errs <- nil
	}()
	go func() { // rebuilds and swaps
		for i := 0; i < 20; i++ {
			b, err := e.Rebuild(ctx)
			if err == nil {
				err = b.Upsert(ctx, docs)
			}
			if err == nil {
				err = b.Commit(ctx)
			}
			if err != nil {
				errs <- err
				return
			}
		}
		errs <- nil
	}()
	go func() {
		defer close(stop)
		for i := 0; i < 300; i++ {
			r, err := e.Search(ctx, search.Query{Text: "headphones", First: 5})
			if err != nil {
				errs <- err
				return
			}
			if r.TotalCount != 3 || len(r.Facets.Brands) == 0 {
				errs <- fmt.Errorf("search %d saw %d headphones (want 3), facets %+v", i, r.TotalCount, r.Facets.Brands)
				return
			}
		}
		errs <- nil
	}()
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	<-stop
}
