package catalogresolvers

import (
	"context"

	"github.com/shopgraph/shopgraph/loaders"
)

// loadEach resolves one value per object through a loader. gqlgen calls a batch resolver
// with one object when it cannot group siblings (a product under a connection edge, say):
// that object's key then waits in the loader's batch window for its siblings' keys. Given
// the whole group, it loads at once; see loadKeys.
func loadEach[O, V any](ctx context.Context, loader *loaders.Loader[string, V], objs []*O, key func(*O) string) ([]V, error) {
	if len(objs) == 1 && objs[0] != nil {
		k := key(objs[0])
		if k == "" {
			return make([]V, 1), nil
		}
		v, err := loader.Load(ctx, k)()
		if err != nil {
			return nil, err
		}
		return []V{v}, nil
	}
	keys := make([]string, len(objs))
	for i, o := range objs {
		if o != nil { // a null entity among _entities results
			keys[i] = key(o)
		}
	}
	return loadKeys(ctx, loader, keys)
}

// loadKeys loads every key with one query at most and returns the values in key order. An
// empty key (a product without a brand) gets the zero value.
func loadKeys[V any](ctx context.Context, loader *loaders.Loader[string, V], keys []string) ([]V, error) {
	present := make([]string, 0, len(keys))
	at := make([]int, 0, len(keys))
	for i, k := range keys {
		if k != "" {
			present = append(present, k)
			at = append(at, i)
		}
	}
	out := make([]V, len(keys))
	if len(present) == 0 {
		return out, nil
	}
	values, err := loader.LoadAll(ctx, present)
	if err != nil {
		return nil, err
	}
	for j, i := range at {
		out[i] = values[j]
	}
	return out, nil
}
