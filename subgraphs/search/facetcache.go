package search

import (
	"context"
	"sync"
	"time"
)

// FacetCache is an Engine that remembers facet counts per (words, filter) for a short time:
// a storefront asks the same facets for every page and every sort of a listing, and counting
// them reads every match. Hits, totals and pages always come from the engine; only facets may
// be up to ttl old, which keeps them within the freshness budget.
type FacetCache struct {
	Engine
	ttl time.Duration
	max int

	mu      sync.Mutex
	entries map[facetKey]facetEntry
}

type facetKey struct {
	query uint64 // fingerprint of words and filter, sort left out
}

type facetEntry struct {
	facets  Facets
	expires time.Time
}

// NewFacetCache wraps engine; ttl of a second matches the freshness target. At most max
// listings are remembered; when full, the cache starts afresh.
func NewFacetCache(engine Engine, ttl time.Duration, max int) *FacetCache {
	return &FacetCache{Engine: engine, ttl: ttl, max: max, entries: map[facetKey]facetEntry{}}
}

// Search implements Engine.
func (c *FacetCache) Search(ctx context.Context, q Query) (Result, error) {
	if q.WithoutFacets {
		return c.Engine.Search(ctx, q)
	}
	nq, err := q.Normalize()
	if err != nil {
		return Result{}, err
	}
	k := facetKey{query: Query{Text: nq.Text, Filter: nq.Filter}.fingerprint()}
	now := time.Now()
	c.mu.Lock()
	e, ok := c.entries[k]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		q.WithoutFacets = true
		r, err := c.Engine.Search(ctx, q)
		r.Facets = e.facets
		return r, err
	}
	r, err := c.Engine.Search(ctx, q)
	if err != nil {
		return r, err
	}
	c.mu.Lock()
	if len(c.entries) >= c.max {
		c.entries = map[facetKey]facetEntry{}
	}
	c.entries[k] = facetEntry{facets: r.Facets, expires: now.Add(c.ttl)}
	c.mu.Unlock()
	return r, nil
}
