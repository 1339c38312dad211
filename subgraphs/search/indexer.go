package search

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// Product is a catalog product as the indexer reads it: the document without availability,
// and the SKUs whose stock decides it.
type Product struct {
	Document // InStock is left false; the indexer sets it
	SKUs     []string
}

// Catalog is what the indexer reads of the catalog. The binary wires it in process to the
// catalog's store (subpackage sources); a split deployment would wire a network client.
type Catalog interface {
	// ProductsAfter returns up to limit products after the position next ("" for the start)
	// in an order that is stable while products are added, and the position of the last.
	ProductsAfter(ctx context.Context, next string, limit int) (products []Product, last string, err error)
	// ProductsByID returns the products that exist among ids, in any order.
	ProductsByID(ctx context.Context, ids []string) ([]Product, error)
	// ProductIDsBySKU returns the ids of the products the SKUs belong to, each once.
	ProductIDsBySKU(ctx context.Context, skus []string) ([]string, error)
	// Count is how many products a walk with ProductsAfter returns now (a rebuild's total).
	Count(ctx context.Context) (int, error)
}

// Stock is what the indexer reads of inventory.
type Stock interface {
	// Sellable returns the SKUs among skus with at least one unit that can be sold now.
	Sellable(ctx context.Context, skus []string) (map[string]bool, error)
}

// ReindexBatch is how many products a rebuild reads and indexes at a time.
const ReindexBatch = 1000

// Indexer keeps an engine's documents in step with the catalog and inventory. Every update
// reads the current state of the products it touches, so applying an event twice, late or out
// of order leaves the same document: updates are idempotent by construction.
type Indexer struct {
	engine  Engine
	catalog Catalog
	stock   Stock

	mu      sync.Mutex      // guards build and dirty
	build   Build           // the rebuild in progress, if any
	dirty   map[string]bool // products refreshed while build was being filled
	reindex sync.Mutex      // one rebuild at a time
}

// NewIndexer returns an indexer of engine over the catalog and stock.
func NewIndexer(engine Engine, catalog Catalog, stock Stock) *Indexer {
	return &Indexer{engine: engine, catalog: catalog, stock: stock}
}

// documents completes products with availability: one stock read for all their SKUs.
func (ix *Indexer) documents(ctx context.Context, products []Product) ([]Document, error) {
	var skus []string
	for _, p := range products {
		skus = append(skus, p.SKUs...)
	}
	sellable, err := ix.stock.Sellable(ctx, skus)
	if err != nil {
		return nil, fmt.Errorf("read stock of %d skus: %w", len(skus), err)
	}
	docs := make([]Document, len(products))
	for i, p := range products {
		d := p.Document
		d.InStock = slices.ContainsFunc(p.SKUs, func(s string) bool { return sellable[s] })
		docs[i] = d
	}
	return docs, nil
}

// Refresh re-reads the products and writes their documents; a product the catalog no longer
// has is removed from the index.
func (ix *Indexer) Refresh(ctx context.Context, productIDs []string) error {
	if len(productIDs) == 0 {
		return nil
	}
	products, err := ix.catalog.ProductsByID(ctx, productIDs)
	if err != nil {
		return fmt.Errorf("refresh %d products: %w", len(productIDs), err)
	}
	docs, err := ix.documents(ctx, products)
	if err != nil {
		return fmt.Errorf("refresh %d products: %w", len(productIDs), err)
	}
	found := make(map[string]bool, len(products))
	for _, p := range products {
		found[p.ID] = true
	}
	var gone []string
	for _, id := range productIDs {
		if !found[id] {
			gone = append(gone, id)
		}
	}

	ix.mu.Lock()
	build := ix.build
	if build != nil {
		// Written to both: the build may have read these products before this change, and
		// they are written again before the swap (see Reindex).
		for _, id := range productIDs {
			ix.dirty[id] = true
		}
	}
	ix.mu.Unlock()
	targets := []interface {
		Upsert(context.Context, []Document) error
		Delete(context.Context, []string) error
	}{ix.engine}
	if build != nil {
		targets = append(targets, build)
	}
	for _, t := range targets {
		if len(docs) > 0 {
			if err := t.Upsert(ctx, docs); err != nil {
				return fmt.Errorf("refresh %d products: %w", len(docs), err)
			}
		}
		if len(gone) > 0 {
			if err := t.Delete(ctx, gone); err != nil {
				return fmt.Errorf("remove %d products: %w", len(gone), err)
			}
		}
	}
	return nil
}

// RefreshSKUs refreshes the products of the SKUs, as after a change of stock.
func (ix *Indexer) RefreshSKUs(ctx context.Context, skus []string) error {
	ids, err := ix.catalog.ProductIDsBySKU(ctx, skus)
	if err != nil {
		return fmt.Errorf("products of %d skus: %w", len(skus), err)
	}
	return ix.Refresh(ctx, ids)
}

// ErrReindexRunning is returned when a rebuild is asked for while one is under way.
var ErrReindexRunning = errors.New("a search reindex is already running")

// Reindex rebuilds the whole index from the catalog beside the live one, which keeps serving,
// then swaps it in. Changes refreshed meanwhile go to both indexes and are read again before
// the swap, so none is lost to a product read before it changed. progress, when not nil, is
// called with the number of products indexed so far. It returns that number.
func (ix *Indexer) Reindex(ctx context.Context, progress func(done int)) (int, error) {
	if !ix.reindex.TryLock() {
		return 0, ErrReindexRunning
	}
	defer ix.reindex.Unlock()
	build, err := ix.engine.Rebuild(ctx)
	if err != nil {
		return 0, fmt.Errorf("reindex: %w", err)
	}
	ix.mu.Lock()
	ix.build, ix.dirty = build, map[string]bool{}
	ix.mu.Unlock()
	committed := false
	defer func() {
		ix.mu.Lock()
		ix.build, ix.dirty = nil, nil
		ix.mu.Unlock()
		if !committed {
			_ = build.Abort()
		}
	}()

	done := 0
	for next := ""; ; {
		products, last, err := ix.catalog.ProductsAfter(ctx, next, ReindexBatch)
		if err != nil {
			return done, fmt.Errorf("reindex after %d products: %w", done, err)
		}
		if len(products) == 0 {
			break
		}
		docs, err := ix.documents(ctx, products)
		if err != nil {
			return done, fmt.Errorf("reindex after %d products: %w", done, err)
		}
		if err := build.Upsert(ctx, docs); err != nil {
			return done, fmt.Errorf("reindex after %d products: %w", done, err)
		}
		done += len(docs)
		if progress != nil {
			progress(done)
		}
		next = last
	}

	// Products refreshed while the build was filled may have been read before their change;
	// read them again. Refreshes from now on still write to both until the swap.
	ix.mu.Lock()
	dirty := make([]string, 0, len(ix.dirty))
	for id := range ix.dirty {
		dirty = append(dirty, id)
	}
	ix.mu.Unlock()
	for chunk := range slices.Chunk(dirty, ReindexBatch) {
		if err := ix.Refresh(ctx, chunk); err != nil {
			return done, fmt.Errorf("reindex: %w", err)
		}
	}
	// The swap happens under mu so no refresh writes to the old index alone after it.
	ix.mu.Lock()
	err = build.Commit(ctx)
	committed = err == nil
	ix.mu.Unlock()
	if err != nil {
		return done, fmt.Errorf("reindex: swap: %w", err)
	}
	return done, nil
}

// IndexIfEmpty reindexes when the index holds no product, as on a first start or after the
// index folder was lost, and reports whether it did. serve calls it before taking traffic.
func (ix *Indexer) IndexIfEmpty(ctx context.Context, progress func(done int)) (bool, error) {
	n, err := ix.Indexed(ctx)
	if err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	if _, err := ix.Reindex(ctx, progress); err != nil {
		return false, err
	}
	return true, nil
}

// IndexIfStale reindexes when the engine reports its index stale (see Stale), and reports
// whether it did. The stale index keeps serving during the rebuild and refreshes reach both,
// so serve runs it beside the event consumer, after IndexIfEmpty.
func (ix *Indexer) IndexIfStale(ctx context.Context, progress func(done int)) (bool, error) {
	s, ok := ix.engine.(Stale)
	if !ok || !s.Stale() {
		return false, nil
	}
	if _, err := ix.Reindex(ctx, progress); err != nil {
		return false, err
	}
	return true, nil
}

// Indexed is how many products the live index holds: the expected size of a reindex.
func (ix *Indexer) Indexed(ctx context.Context) (int, error) {
	r, err := ix.engine.Search(ctx, Query{First: 0, WithoutFacets: true})
	if err != nil {
		return 0, fmt.Errorf("count indexed products: %w", err)
	}
	return r.TotalCount, nil
}

// Expected is how many products a reindex would index now: its progress total.
func (ix *Indexer) Expected(ctx context.Context) (int, error) {
	n, err := ix.catalog.Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count catalog products: %w", err)
	}
	return n, nil
}
