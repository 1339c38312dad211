package inflight

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// waitFor polls cond for up to five seconds; the bound only limits a failing test.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestConcurrentCallersShareOneRun(t *testing.T) {
	var g Group[string]
	var runs atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, _ := g.Do(context.Background(), "k", func(context.Context) (string, error) {
				runs.Add(1)
				<-release
				return "ok", nil
			})
			if v != "ok" {
				t.Errorf("got %q", v)
			}
		}()
	}
	waitFor(t, func() bool { return g.Waiters() == 7 })
	close(release)
	wg.Wait()
	if n := runs.Load(); n != 1 {
		t.Errorf("fn ran %d times, want 1", n)
	}
}

func TestAPanicReleasesTheWaiters(t *testing.T) {
	var g Group[string]
	release := make(chan struct{})
	go func() {
		defer func() { _ = recover() }()
		_, _ = g.Do(context.Background(), "k", func(context.Context) (string, error) {
			<-release
			panic("boom")
		})
	}()
	waitFor(t, func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		return len(g.calls) == 1
	})
	errc := make(chan error, 1)
	go func() {
		_, err := g.Do(context.Background(), "k", func(context.Context) (string, error) { return "second run", nil })
		errc <- err
	}()
	waitFor(t, func() bool { return g.Waiters() == 1 })
	close(release)
	if err := <-errc; !errors.Is(err, ErrAbandoned) {
		t.Fatalf("waiter got %v, want ErrAbandoned", err)
	}
}
