package transport

import (
	"errors"
	"sync"
	"time"
)

// ErrBreakerOpen is returned without calling a subgraph that has failed
// repeatedly, until its cool-down ends.
var ErrBreakerOpen = errors.New("subgraph unavailable (circuit open)")

// breaker opens after `failures` consecutive transport failures and lets one
// trial request through after `cooldown`; a success closes it again.
type breaker struct {
	mu       sync.Mutex
	failures int
	limit    int
	cooldown time.Duration
	openedAt time.Time
	trial    bool
	now      func() time.Time
}

func newBreaker(limit int, cooldown time.Duration) *breaker {
	return &breaker{limit: limit, cooldown: cooldown, now: time.Now}
}

// allow reports whether a request may be sent now.
func (b *breaker) allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.failures < b.limit {
		return true
	}
	if b.trial || b.now().Sub(b.openedAt) < b.cooldown {
		return false
	}
	b.trial = true
	return true
}

// done records the outcome of a request that allow let through.
func (b *breaker) done(ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.trial = false
	if ok {
		b.failures = 0
		return
	}
	b.failures++
	if b.failures >= b.limit {
		b.openedAt = b.now()
	}
}
