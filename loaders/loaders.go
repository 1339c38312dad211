// Package loaders holds the per-request dataloaders of every subgraph, one file per domain.
// A subgraph's handler installs fresh loaders in each request's context, so a GraphQL
// selection that touches many entities of one type costs one batched query per type instead
// of one query per entity, and nothing is cached across requests.
package loaders

import (
	"context"
	"time"

	"github.com/graph-gophers/dataloader/v7"
)

const (
	// batchWait is how long a batch of single Loads stays open: long enough for the
	// resolvers of sibling objects, which gqlgen starts together, to join it. Batch
	// resolvers use LoadAll, which does not wait.
	batchWait = 2 * time.Millisecond
	// batchCap bounds the keys of one query.
	batchCap = 1000
)

// mapLoader is a loader whose batch is one fetch of all its keys, answered as a map; pick
// turns a key's entry (present or not) into the loader's value.
func mapLoader[V, R any](fetch func(context.Context, []string) (map[string]V, error), pick func(V, bool) R) *Loader[string, R] {
	batch := func(ctx context.Context, keys []string) []*dataloader.Result[R] {
		found, err := fetch(ctx, keys)
		results := make([]*dataloader.Result[R], len(keys))
		for i, k := range keys {
			if err != nil {
				results[i] = &dataloader.Result[R]{Error: err}
				continue
			}
			v, ok := found[k]
			results[i] = &dataloader.Result[R]{Data: pick(v, ok)}
		}
		return results
	}
	return newLoader(batch)
}

// pointerOrNil picks a found entry's address, or nil for a key with no entry.
func pointerOrNil[V any](v V, ok bool) *V {
	if !ok {
		return nil
	}
	return &v
}

// valueOrZero picks the entry as is (the zero value, such as an empty list, when absent).
func valueOrZero[V any](v V, _ bool) V { return v }
