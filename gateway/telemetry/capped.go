package telemetry

import (
	"sync"
	"sync/atomic"
)

// capped keeps a bounded set of label values: the first max distinct values are used as
// they are, later ones become Overflow, so a client cannot grow the metrics without bound.
type capped struct {
	seen sync.Map // string -> struct{}; read without a lock on the hot path
	full atomic.Bool
	mu   sync.Mutex
	n    int
	max  int
}

func newCapped(max int) *capped { return &capped{max: max} }

// maxLabelLen bounds a label value's length; longer values count as Overflow.
const maxLabelLen = 128

func (c *capped) label(v string) string {
	if _, ok := c.seen.Load(v); ok {
		return v
	}
	if len(v) > maxLabelLen || c.full.Load() {
		return Overflow
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.seen.Load(v); ok {
		return v
	}
	if c.n >= c.max {
		c.full.Store(true)
		return Overflow
	}
	c.seen.Store(v, struct{}{})
	c.n++
	return v
}
