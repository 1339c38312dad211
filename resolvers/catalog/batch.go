package catalogresolvers

import (
	"context"

	"github.com/graph-gophers/dataloader/v7"
)

// loadEach resolves one value per object through a loader; see loadKeys.
func loadEach[O, V any](ctx context.Context, loader *dataloader.Loader[string, V], objs []*O, key func(*O) string) ([]V, error) {
	keys := make([]string, len(objs))
	for i, o := range objs {
		if o != nil { // a null entity among _entities results
			keys[i] = key(o)
		}
	}
	return loadKeys(ctx, loader, keys)
}

// loadKeys loads every key in a single batch and returns the values in key order. An empty
// key (a product without a brand) gets the zero value. A failed batch fails every key, as
// the query behind it failed.
//
// The keys are queued one after the other before any is awaited: dataloader's LoadMany
// queues each key from a goroutine of its own, and a slow scheduler can then spread them
// over two batch windows, that is two queries.
func loadKeys[V any](ctx context.Context, loader *dataloader.Loader[string, V], keys []string) ([]V, error) {
	thunks := make([]dataloader.Thunk[V], len(keys))
	for i, k := range keys {
		if k != "" {
			thunks[i] = loader.Load(ctx, k)
		}
	}
	out := make([]V, len(keys))
	for i, thunk := range thunks {
		if thunk == nil {
			continue
		}
		v, err := thunk()
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}
