// Package inflight shares one execution of a piece of work among the identical requests that
// ask for it at the same time: the gateway uses it for subgraph fetches and for client queries.
package inflight

import (
	"context"
	"errors"
	"sync"
)

// ErrAbandoned is what the waiters of a call get when the work panicked.
var ErrAbandoned = errors.New("shared work did not finish")

// Group runs work once per key among concurrent callers. The zero value is ready to use.
type Group[V any] struct {
	// Shared, when set, is called each time a caller joins a call already in flight.
	Shared func()

	mu    sync.Mutex
	calls map[string]*call[V]
}

type call[V any] struct {
	done    chan struct{}
	value   V
	err     error
	waiting int // callers sharing the call besides the first
}

// Do runs fn for the first caller of key and hands its result to every caller that arrives
// before it ends. fn runs on a context that keeps the first caller's deadline but not its
// cancellation, since the others still need the answer when the first one goes away; a caller
// whose own context ends stops waiting. A panic in fn goes on in the first caller and releases
// the others with ErrAbandoned.
func (g *Group[V]) Do(ctx context.Context, key string, fn func(context.Context) (V, error)) (V, error) {
	g.mu.Lock()
	if c, ok := g.calls[key]; ok {
		c.waiting++
		g.mu.Unlock()
		if g.Shared != nil {
			g.Shared()
		}
		select {
		case <-c.done:
			return c.value, c.err
		case <-ctx.Done():
			var zero V
			return zero, ctx.Err()
		}
	}
	if g.calls == nil {
		g.calls = map[string]*call[V]{}
	}
	c := &call[V]{done: make(chan struct{}), err: ErrAbandoned}
	g.calls[key] = c
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		delete(g.calls, key)
		g.mu.Unlock()
		close(c.done)
	}()

	shared := context.WithoutCancel(ctx)
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		shared, cancel = context.WithDeadline(shared, deadline)
		defer cancel()
	}
	c.value, c.err = fn(shared)
	return c.value, c.err
}

// Waiters counts the callers sharing calls now in flight, besides their first callers.
func (g *Group[V]) Waiters() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for _, c := range g.calls {
		n += c.waiting
	}
	return n
}
