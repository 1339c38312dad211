// Package memory is a search engine held in the process's memory: an inverted index of the
// text fields and one compact row per product, scanned directly for filters, sorts and
// facets. A broad query (a whole category, or browsing everything) costs a pass over arrays,
// not a read of every match's doc values from disk.
//
// The index lives in memory only. Close writes it to a snapshot file in the engine's folder
// and Open loads and deletes that file, so a clean restart resumes where it stopped; after a
// crash there is no snapshot, the engine opens empty and the indexer rebuilds it from the
// catalog (search.Indexer.IndexIfEmpty), since events applied after the last snapshot would
// otherwise be missing.
package memory

import (
	"bufio"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/shopgraph/shopgraph/subgraphs/search"
)

const snapshotFile = "products.gob"

// Engine is an in-memory product index; it implements search.Engine.
type Engine struct {
	dir string // where Close writes the snapshot; empty: nowhere

	mu     sync.RWMutex // guards ix; searches hold it shared
	ix     *index
	closed bool
}

var _ search.Engine = (*Engine)(nil)

// Open returns an engine holding the snapshot left in dir by the last Close, or an empty one.
// dir may be empty: no snapshot is read or written.
func Open(dir string) (*Engine, error) {
	e := &Engine{dir: dir, ix: newIndex()}
	if dir == "" {
		return e, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("search index folder: %w", err)
	}
	path := filepath.Join(dir, snapshotFile)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return e, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open search snapshot: %w", err)
	}
	defer f.Close()
	dec := gob.NewDecoder(bufio.NewReaderSize(f, 1<<20))
	for {
		var batch []search.Document
		if err := dec.Decode(&batch); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, fmt.Errorf("read search snapshot %s: %w", path, err)
		}
		for _, d := range batch {
			e.ix.upsert(d)
		}
	}
	// From now on the snapshot is stale: a crash must not bring it back.
	if err := os.Remove(path); err != nil {
		return nil, fmt.Errorf("remove read search snapshot: %w", err)
	}
	return e, nil
}

// Close writes the snapshot (when the engine has a folder) and releases the index.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	ix := e.ix
	e.ix = newIndex()
	if e.dir == "" {
		return nil
	}
	return writeSnapshot(filepath.Join(e.dir, snapshotFile), ix)
}

// snapshotBatch is how many documents one gob value of the snapshot holds.
const snapshotBatch = 10_000

func writeSnapshot(path string, ix *index) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("write search snapshot: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	enc := gob.NewEncoder(w)
	batch := make([]search.Document, 0, snapshotBatch)
	for slot := range ix.rows {
		if !ix.rows[slot].live {
			continue
		}
		batch = append(batch, ix.docs[slot])
		if len(batch) == snapshotBatch {
			if err = enc.Encode(batch); err != nil {
				break
			}
			batch = batch[:0]
		}
	}
	if err == nil && len(batch) > 0 {
		err = enc.Encode(batch)
	}
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write search snapshot: %w", err)
	}
	return nil
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
	return b.engine.write(ctx, func(*index) { b.engine.ix = ix })
}

func (b *build) Abort() error {
	b.mu.Lock()
	b.ix = newIndex()
	b.mu.Unlock()
	return nil
}
