package loaders

import (
	"context"
	"errors"
	"sync"

	"github.com/graph-gophers/dataloader/v7"
)

// Loader is a dataloader that can also load a known set of keys at once. Load joins a batch
// that stays open batchWait for sibling resolvers; LoadAll, for a batch resolver that holds
// every key of a selection, fetches at once, so its query count does not depend on how
// goroutines are scheduled.
type Loader[K comparable, V any] struct {
	*dataloader.Loader[K, V]
	cache *dataloader.InMemoryCache[K, V]
	batch dataloader.BatchFunc[K, V]
	mu    sync.Mutex // makes LoadAll's look-up and claim of missing keys one step
}

func newLoader[K comparable, V any](batch dataloader.BatchFunc[K, V]) *Loader[K, V] {
	cache := dataloader.NewCache[K, V]()
	return &Loader[K, V]{
		Loader: dataloader.NewBatchedLoader(batch,
			dataloader.WithCache[K, V](cache),
			dataloader.WithWait[K, V](batchWait),
			dataloader.WithBatchCapacity[K, V](batchCap)),
		cache: cache,
		batch: batch,
	}
}

// LoadAll returns the values of keys, in order, fetching the ones not loaded or being loaded
// yet together and at once (one query per batchCap keys) instead of after the batch
// window. A batch resolver, which holds every key of a selection, so gets exactly one query
// however goroutines are scheduled; a concurrent LoadAll or Load of the same keys waits for
// that query instead of sending its own.
func (l *Loader[K, V]) LoadAll(ctx context.Context, keys []K) ([]V, error) {
	thunks := make([]dataloader.Thunk[V], len(keys))
	var missing []K
	fetched := &fetch[K, V]{done: make(chan struct{}), values: map[K]V{}, errs: map[K]error{}}
	l.mu.Lock()
	for i, k := range keys {
		if thunk, ok := l.cache.Get(ctx, k); ok {
			thunks[i] = thunk
			continue
		}
		missing = append(missing, k)
		thunks[i] = fetched.thunk(k)
		l.cache.Set(ctx, k, thunks[i])
	}
	l.mu.Unlock()
	if len(missing) > 0 {
		fetched.run(ctx, l.batch, missing)
	}
	out := make([]V, len(keys))
	for i, thunk := range thunks {
		v, err := thunk()
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// fetch is one LoadAll query whose results other callers may be waiting for.
type fetch[K comparable, V any] struct {
	done   chan struct{}
	values map[K]V
	errs   map[K]error
	broken bool // the batch function panicked: waiters get an error, not zero values
}

var errFetchBroken = errors.New("loader: fetch did not complete")

func (f *fetch[K, V]) thunk(k K) dataloader.Thunk[V] {
	return func() (V, error) {
		<-f.done
		if f.broken {
			var zero V
			return zero, errFetchBroken
		}
		return f.values[k], f.errs[k]
	}
}

func (f *fetch[K, V]) run(ctx context.Context, batch dataloader.BatchFunc[K, V], keys []K) {
	f.broken = true
	defer close(f.done)
	for start := 0; start < len(keys); start += batchCap {
		chunk := keys[start:min(start+batchCap, len(keys))]
		for i, res := range batch(ctx, chunk) {
			f.values[chunk[i]], f.errs[chunk[i]] = res.Data, res.Error
		}
	}
	f.broken = false
}
