package loaders

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/graph-gophers/dataloader/v7"
)

// countingBatch answers each key with its length, or an error for "fail", counting calls.
func countingBatch(calls *atomic.Int32, sizes *[]int, mu *sync.Mutex) dataloader.BatchFunc[string, int] {
	return func(_ context.Context, keys []string) []*dataloader.Result[int] {
		calls.Add(1)
		mu.Lock()
		*sizes = append(*sizes, len(keys))
		mu.Unlock()
		out := make([]*dataloader.Result[int], len(keys))
		for i, k := range keys {
			if k == "fail" {
				out[i] = &dataloader.Result[int]{Error: errors.New("boom")}
				continue
			}
			out[i] = &dataloader.Result[int]{Data: len(k)}
		}
		return out
	}
}

func TestLoadAllFetchesMissingKeysOnceAndInOrder(t *testing.T) {
	var calls atomic.Int32
	var sizes []int
	var mu sync.Mutex
	l := newLoader(countingBatch(&calls, &sizes, &mu))
	ctx := context.Background()

	l.Prime(ctx, "primed", 42)
	got, err := l.LoadAll(ctx, []string{"a", "bb", "primed", "a", "ccc"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{1, 2, 42, 1, 3}; !slices.Equal(got, want) {
		t.Errorf("values = %v, want %v", got, want)
	}
	if calls.Load() != 1 || !slices.Equal(sizes, []int{3}) {
		t.Errorf("%d fetches of sizes %v, want one of the 3 distinct missing keys", calls.Load(), sizes)
	}
	// Everything is cached now, for LoadAll and for Load alike.
	if v, err := l.Load(ctx, "bb")(); err != nil || v != 2 {
		t.Errorf("Load after LoadAll = %v, %v", v, err)
	}
	if _, err := l.LoadAll(ctx, []string{"ccc", "a"}); err != nil || calls.Load() != 1 {
		t.Errorf("a second LoadAll fetched again (%d fetches, %v)", calls.Load(), err)
	}
}

func TestLoadAllSharesAFetchBetweenConcurrentCallers(t *testing.T) {
	var calls atomic.Int32
	var sizes []int
	var mu sync.Mutex
	l := newLoader(countingBatch(&calls, &sizes, &mu))
	keys := []string{"p1", "p2", "p3", "p4"}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if got, err := l.LoadAll(context.Background(), keys); err != nil || !slices.Equal(got, []int{2, 2, 2, 2}) {
				t.Errorf("LoadAll = %v, %v", got, err)
			}
		})
	}
	wg.Wait()
	if calls.Load() != 1 {
		t.Errorf("%d fetches for 8 concurrent callers of the same keys, want 1", calls.Load())
	}
}

func TestLoadAllReportsAFailedKey(t *testing.T) {
	var calls atomic.Int32
	var sizes []int
	var mu sync.Mutex
	l := newLoader(countingBatch(&calls, &sizes, &mu))
	if _, err := l.LoadAll(context.Background(), []string{"ok", "fail"}); err == nil {
		t.Error("no error for a key whose fetch failed")
	}
}

func TestLoadAllSplitsAtTheBatchCap(t *testing.T) {
	var calls atomic.Int32
	var sizes []int
	var mu sync.Mutex
	l := newLoader(countingBatch(&calls, &sizes, &mu))
	keys := make([]string, batchCap+5)
	for i := range keys {
		keys[i] = string(rune('a'+i%26)) + string(rune(i))
	}
	if _, err := l.LoadAll(context.Background(), keys); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sizes, []int{batchCap, 5}) {
		t.Errorf("fetch sizes = %v, want %d then 5", sizes, batchCap)
	}
}
