package main

import (
	"context"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs/redistest"
	"github.com/shopgraph/shopgraph/subgraphs/search"
	searchmemory "github.com/shopgraph/shopgraph/subgraphs/search/memory"
)

// TestServeAfterACrashAnswersFromTheSnapshot: serve's periodic snapshot survives a crash; the
// next serve answers from it before any rebuild, and a change applied (and acknowledged) after
// the snapshot shows once the background rebuild is done.
func TestServeAfterACrashAnswersFromTheSnapshot(t *testing.T) {
	ctx := context.Background()
	pool, _ := seedStore(t, reindexProducts)
	rdb := redistest.Client(t)
	dir := t.TempDir()

	first, err := newApp(ctx, pool, rdb, appOptions{searchDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := first.indexer.Reindex(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := first.searchIndex.(*searchmemory.Engine).Snapshot(); err != nil {
		t.Fatal(err)
	}
	// A change after the snapshot, applied to the index as the consumer would before acking
	// it. Written without an outbox event: only the rebuild can bring it back after the crash.
	var id string
	if err := pool.QueryRow(ctx, `UPDATE catalog.product SET title = 'Zebrawood Recovery Lamp'
		WHERE id = (SELECT min(id) FROM catalog.product) RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if err := first.indexer.Refresh(ctx, []string{id}); err != nil {
		t.Fatal(err)
	}
	// Crash: the engine is never closed, so no clean snapshot is written.
	first.bus.Close()
	_ = first.flash.Close()

	second := testApp(t, pool, appOptions{searchDir: dir})
	if n, err := second.indexer.Indexed(ctx); err != nil || n != reindexProducts {
		t.Fatalf("on open after a crash the index holds %d products, %v; want the snapshot's %d", n, err, reindexProducts)
	}
	zebra := func() []string {
		r, err := second.searchIndex.Search(ctx, search.Query{Text: "zebrawood", First: 10, WithoutFacets: true})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, h := range r.Hits {
			ids = append(ids, h.ID)
		}
		return ids
	}
	if got := zebra(); len(got) != 0 {
		t.Fatalf("the snapshot already holds the change made after it: %v", got)
	}
	runCtx, cancel := context.WithCancel(ctx)
	wait := second.run(runCtx)
	defer wait()
	defer cancel()
	select {
	case <-second.searchCurrent:
	case <-time.After(2 * time.Minute):
		t.Fatal("the rebuild after a crash did not finish")
	}
	if got := zebra(); len(got) != 1 || got[0] != id {
		t.Fatalf("after the rebuild %q finds %v, want [%s]", "zebrawood", got, id)
	}
	if second.searchIndex.(*searchmemory.Engine).Stale() {
		t.Fatal("the index is still stale after the rebuild")
	}
}
