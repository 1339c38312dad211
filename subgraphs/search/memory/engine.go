// Package memory is a search engine held in the process's memory: an inverted index of the
// text fields and one compact row per product, scanned directly for filters, sorts and
// facets. A broad query (a whole category, or browsing everything) costs a pass over arrays,
// not a read of every match's doc values from disk.
//
// The index lives in memory and is written to a snapshot file in the engine's folder every
// SnapshotEvery interval and on Close. Open loads the snapshot and serves it at once. Only
// Close's snapshot is known to hold every change the event consumer acknowledged (it acks after
// applying); one written while serving misses what was applied after it, so after a crash the
// engine reports itself Stale and the indexer rebuilds it beside the live index
// (search.Indexer.IndexIfStale) while the snapshot answers.
package memory

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/shopgraph/shopgraph/subgraphs/search"
)

// Engine is an in-memory product index; it implements search.Engine.
type Engine struct {
	dir string // where snapshots are written; empty: nowhere

	file sync.Mutex // one snapshot write at a time, so Close's is the last

	mu     sync.RWMutex // guards ix, stale and closed; searches hold it shared
	ix     *index
	stale  bool // ix may miss acknowledged changes: loaded from a snapshot not written by Close
	closed bool

	afterSnapshot func(snapshotStats, error) // called by SnapshotEvery after each write (tests)
}

var (
	_ search.Engine = (*Engine)(nil)
	_ search.Stale  = (*Engine)(nil)
)

// Open returns an engine holding the snapshot in dir, or an empty one when there is none or
// it cannot be read (cut short, another format: logged, and the indexer rebuilds). dir may be
// empty: no snapshot is read or written.
func Open(dir string) (*Engine, error) {
	e := &Engine{dir: dir, ix: newIndex()}
	if dir == "" {
		return e, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("search index folder: %w", err)
	}
	path := filepath.Join(dir, snapshotFile)
	_ = os.Remove(path + ".tmp") // a write a crash cut short; the previous snapshot is whole
	marker := filepath.Join(dir, cleanMarker)
	_, err := os.Stat(marker)
	clean := err == nil
	ix, h, err := readSnapshot(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		slog.Warn("search snapshot ignored; the index is rebuilt from the catalog", "err", err)
	default:
		e.ix, e.stale = ix, !clean
		slog.Info("search snapshot loaded", "products", h.Documents, "written", h.Written, "clean", clean)
	}
	if clean {
		// From now on the index moves past the snapshot: a crash must not pass it for clean.
		if err := os.Remove(marker); err != nil {
			return nil, fmt.Errorf("search snapshot marker: %w", err)
		}
		if err := syncDir(dir); err != nil {
			return nil, fmt.Errorf("search snapshot marker: %w", err)
		}
	}
	return e, nil
}

// Stale reports whether the index may miss changes already acknowledged: it was loaded from a
// snapshot written while serving, and no rebuild has been committed since.
func (e *Engine) Stale() bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.stale
}

// Snapshot writes the index to the engine's folder now, replacing the previous snapshot only
// once the new one is whole. Writes go on meanwhile: the documents are copied first.
func (e *Engine) Snapshot() error {
	_, err := e.snapshot()
	return err
}

func (e *Engine) snapshot() (snapshotStats, error) {
	if e.dir == "" {
		return snapshotStats{}, nil
	}
	e.file.Lock()
	defer e.file.Unlock()
	docs, ok := e.copyDocs()
	if !ok {
		return snapshotStats{}, nil
	}
	live := 0
	for i := range docs {
		if docs[i].ID != "" {
			live++
		}
	}
	return writeSnapshot(filepath.Join(e.dir, snapshotFile), docs, live)
}

// copyChunk is how many documents copyDocs copies per hold of the read lock (a millisecond or
// two), so a write (and the searches queued behind it) never waits for the whole copy.
var copyChunk = 8192 // a variable so tests can copy in small chunks

// copyDocs copies the live index's documents (a shallow copy: the strings are shared, and the
// index replaces documents, never edits them) a chunk at a time, letting writes in between.
// The copy is therefore not of one instant: a product deleted and added again meanwhile may be
// missed or seen twice. That is fine for a snapshot taken while serving, which always loads as
// stale and is rebuilt; Close's snapshot, the clean one, is exact. ok is false once closed.
func (e *Engine) copyDocs() (docs []search.Document, ok bool) {
	e.mu.RLock()
	ix := e.ix
	docs = make([]search.Document, 0, len(ix.docs))
	e.mu.RUnlock()
	for {
		e.mu.RLock()
		if e.closed {
			e.mu.RUnlock()
			return nil, false
		}
		end := min(len(ix.docs), len(docs)+copyChunk)
		docs = append(docs, ix.docs[len(docs):end]...)
		done := end == len(ix.docs)
		e.mu.RUnlock()
		if done {
			return docs, true
		}
	}
}

// SnapshotEvery writes a snapshot every interval until ctx ends; a failed write is logged and
// the previous snapshot stays. It does nothing without a folder or a positive interval.
func (e *Engine) SnapshotEvery(ctx context.Context, every time.Duration) {
	if e.dir == "" || every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		st, err := e.snapshot()
		if err != nil {
			slog.Error("search snapshot", "err", err)
		} else {
			slog.Debug("search snapshot written", "products", st.Documents, "bytes", st.Bytes, "took", st.Took)
		}
		if e.afterSnapshot != nil {
			e.afterSnapshot(st, err)
		}
	}
}

// Close writes the snapshot (when the engine has a folder), marked clean unless a rebuild was
// still due, and releases the index.
func (e *Engine) Close() error {
	e.file.Lock()
	defer e.file.Unlock()
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	ix, stale := e.ix, e.stale
	e.ix = newIndex()
	e.mu.Unlock()
	if e.dir == "" {
		return nil
	}
	// Writes after this point fail, so their events are not acknowledged: the snapshot holds
	// every change the consumer acknowledged.
	if _, err := writeSnapshot(filepath.Join(e.dir, snapshotFile), ix.docs, ix.len()); err != nil {
		return err
	}
	if stale {
		return nil // the next start rebuilds again
	}
	return markClean(e.dir)
}

func (e *Engine) write(ctx context.Context, apply func(*index)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return errors.New("search index is closed")
	}
	apply(e.ix)
	return nil
}

// Upsert adds or replaces documents.
func (e *Engine) Upsert(ctx context.Context, docs []search.Document) error {
	return e.write(ctx, func(ix *index) {
		for _, d := range docs {
			ix.upsert(d)
		}
	})
}

// Delete removes documents; missing ids are not an error.
func (e *Engine) Delete(ctx context.Context, ids []string) error {
	return e.write(ctx, func(ix *index) {
		for _, id := range ids {
			ix.remove(id)
		}
	})
}

// Search runs the query: matches, total, facets and highlights in one pass.
func (e *Engine) Search(ctx context.Context, q search.Query) (search.Result, error) {
	q, err := q.Normalize()
	if err != nil {
		return search.Result{}, err
	}
	values, err := q.AfterValues()
	if err != nil {
		return search.Result{}, err
	}
	var after *key
	if values != nil {
		if after, err = parseAfter(values); err != nil {
			return search.Result{}, err
		}
	}
	if err := ctx.Err(); err != nil {
		return search.Result{}, err
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.closed {
		return search.Result{}, errors.New("search index is closed")
	}
	return e.ix.search(ctx, q, after)
}

// Suggest returns up to limit distinct titles matching what was typed, most reviewed first.
func (e *Engine) Suggest(ctx context.Context, prefix string, limit int) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.closed {
		return nil, errors.New("search index is closed")
	}
	return e.ix.suggest(prefix, limit), nil
}

// Rebuild starts an empty index beside the live one.
func (e *Engine) Rebuild(ctx context.Context) (search.Build, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return &build{engine: e, ix: newIndex()}, nil
}

type build struct {
	engine *Engine
	mu     sync.Mutex
	ix     *index
}

func (b *build) Upsert(ctx context.Context, docs []search.Document) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, d := range docs {
		b.ix.upsert(d)
	}
	return nil
}

func (b *build) Delete(ctx context.Context, ids []string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, id := range ids {
		b.ix.remove(id)
	}
	return nil
}

// Commit swaps the build in; searches running on the old index finish on it.
func (b *build) Commit(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b.mu.Lock()
	ix := b.ix
	b.ix = newIndex()
	b.mu.Unlock()
	return b.engine.write(ctx, func(*index) {
		// A whole rebuild from the catalog holds every change: the index is current again.
		b.engine.ix, b.engine.stale = ix, false
	})
}

func (b *build) Abort() error {
	b.mu.Lock()
	b.ix = newIndex()
	b.mu.Unlock()
	return nil
}
