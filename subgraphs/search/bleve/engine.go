// Package bleve is the embedded search engine, the store's default: a Bleve index on local
// disk under the data folder, nothing to install or run beside the binary.
//
// The folder holds one or more index directories and a CURRENT file naming the live one. A
// rebuild fills a new directory while the live one serves, then rewrites CURRENT (atomically,
// by rename) and swaps the open index under a lock, so searches never see a half-built index.
package bleve

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/search"
)

const currentFile = "CURRENT"

// lockWait is how long Open waits for an index that another process holds.
const lockWait = time.Second

// Engine is a Bleve index of products; it implements search.Engine.
type Engine struct {
	dir string

	mu   sync.RWMutex // guards live and name; searches hold it shared
	live bleve.Index
	name string // directory of live within dir
}

var _ search.Engine = (*Engine)(nil)

// Open opens the index in dir, creating dir and an empty index when there is none. Directories
// left by an interrupted rebuild are removed.
func Open(dir string) (*Engine, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("search index folder: %w", err)
	}
	e := &Engine{dir: dir}
	name, err := os.ReadFile(filepath.Join(dir, currentFile))
	switch {
	case err == nil:
		e.name = strings.TrimSpace(string(name))
		// Without a timeout a second process (a reindex beside a running serve) would wait for
		// the index's file lock forever.
		e.live, err = bleve.OpenUsing(filepath.Join(dir, e.name), map[string]any{"bolt_timeout": lockWait.String()})
		if err != nil {
			return nil, fmt.Errorf("open search index %s (is another process using %s?): %w", e.name, dir, err)
		}
		if v, err := e.live.GetInternal(internalMappingVersion); err != nil || string(v) != mappingVersion {
			// An index of other fields would answer wrongly: start empty, the indexer rebuilds it.
			_ = e.live.Close()
			if err := e.replaceEmpty(); err != nil {
				return nil, err
			}
		}
	case errors.Is(err, os.ErrNotExist):
		if err := e.replaceEmpty(); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("read search index pointer: %w", err)
	}
	e.removeStale()
	return e, nil
}

// replaceEmpty makes a new empty index the live one.
func (e *Engine) replaceEmpty() error {
	var err error
	if e.name, e.live, err = e.create(); err != nil {
		return err
	}
	if err := e.setCurrent(e.name); err != nil {
		_ = e.live.Close()
		return err
	}
	return nil
}

func (e *Engine) create() (string, bleve.Index, error) {
	m, err := indexMapping()
	if err != nil {
		return "", nil, fmt.Errorf("search index mapping: %w", err)
	}
	name := "index-" + ulid.Make().String()
	idx, err := bleve.New(filepath.Join(e.dir, name), m)
	if err != nil {
		return "", nil, fmt.Errorf("create search index: %w", err)
	}
	if err := idx.SetInternal(internalMappingVersion, []byte(mappingVersion)); err != nil {
		_ = idx.Close()
		return "", nil, fmt.Errorf("create search index: %w", err)
	}
	return name, idx, nil
}

// setCurrent points CURRENT at the index directory name, atomically.
func (e *Engine) setCurrent(name string) error {
	tmp := filepath.Join(e.dir, currentFile+".tmp")
	if err := os.WriteFile(tmp, []byte(name+"\n"), 0o644); err != nil {
		return fmt.Errorf("write search index pointer: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(e.dir, currentFile)); err != nil {
		return fmt.Errorf("swap search index pointer: %w", err)
	}
	return nil
}

func (e *Engine) removeStale() {
	entries, _ := os.ReadDir(e.dir)
	for _, d := range entries {
		if d.IsDir() && strings.HasPrefix(d.Name(), "index-") && d.Name() != e.name {
			_ = os.RemoveAll(filepath.Join(e.dir, d.Name()))
		}
	}
}

// Close closes the live index.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.live == nil {
		return nil
	}
	err := e.live.Close()
	e.live = nil
	return err
}

func (e *Engine) index() (bleve.Index, func(), error) {
	e.mu.RLock()
	if e.live == nil {
		e.mu.RUnlock()
		return nil, nil, errors.New("search index is closed")
	}
	return e.live, e.mu.RUnlock, nil
}

// Upsert adds or replaces documents in one batch.
func (e *Engine) Upsert(ctx context.Context, docs []search.Document) error {
	idx, release, err := e.index()
	if err != nil {
		return err
	}
	defer release()
	return upsert(ctx, idx, docs)
}

// Delete removes documents in one batch.
func (e *Engine) Delete(ctx context.Context, ids []string) error {
	idx, release, err := e.index()
	if err != nil {
		return err
	}
	defer release()
	return remove(ctx, idx, ids)
}

func upsert(ctx context.Context, idx bleve.Index, docs []search.Document) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b := idx.NewBatch()
	for _, d := range docs {
		if err := b.Index(d.ID, fields(d)); err != nil {
			return fmt.Errorf("index product %s: %w", d.ID, err)
		}
	}
	if err := idx.Batch(b); err != nil {
		return fmt.Errorf("index %d products: %w", len(docs), err)
	}
	return nil
}

func remove(ctx context.Context, idx bleve.Index, ids []string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b := idx.NewBatch()
	for _, id := range ids {
		b.Delete(id)
	}
	if err := idx.Batch(b); err != nil {
		return fmt.Errorf("delete %d products from index: %w", len(ids), err)
	}
	return nil
}

// Rebuild creates an empty index beside the live one.
func (e *Engine) Rebuild(ctx context.Context) (search.Build, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	name, idx, err := e.create()
	if err != nil {
		return nil, err
	}
	return &build{engine: e, name: name, idx: idx}, nil
}

type build struct {
	engine *Engine
	name   string
	idx    bleve.Index
}

func (b *build) Upsert(ctx context.Context, docs []search.Document) error {
	return upsert(ctx, b.idx, docs)
}

func (b *build) Delete(ctx context.Context, ids []string) error {
	return remove(ctx, b.idx, ids)
}

// Commit points CURRENT at the build, swaps it in, and drops the old index once searches
// running on it have finished (they hold the read lock).
func (b *build) Commit(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		_ = b.Abort()
		return err
	}
	if err := compact(ctx, b.idx); err != nil {
		_ = b.Abort()
		return err
	}
	e := b.engine
	if err := e.setCurrent(b.name); err != nil {
		_ = b.Abort()
		return err
	}
	e.mu.Lock()
	old, oldName := e.live, e.name
	e.live, e.name = b.idx, b.name
	e.mu.Unlock()
	if old != nil {
		if err := old.Close(); err != nil {
			return fmt.Errorf("close replaced search index: %w", err)
		}
	}
	if err := os.RemoveAll(filepath.Join(e.dir, oldName)); err != nil {
		return fmt.Errorf("remove replaced search index: %w", err)
	}
	return nil
}

// compact merges a freshly built index into one segment before it serves: a bulk load leaves
// many small segments, and every query visits each of them.
func compact(ctx context.Context, idx bleve.Index) error {
	adv, err := idx.Advanced()
	if err != nil {
		return fmt.Errorf("compact search index: %w", err)
	}
	s, ok := adv.(*scorch.Scorch)
	if !ok {
		return nil
	}
	if err := s.ForceMerge(ctx, &mergeplan.SingleSegmentMergePlanOptions); err != nil {
		return fmt.Errorf("compact search index: %w", err)
	}
	return nil
}

func (b *build) Abort() error {
	err := b.idx.Close()
	if rmErr := os.RemoveAll(filepath.Join(b.engine.dir, b.name)); err == nil {
		err = rmErr
	}
	return err
}
