package cache

import (
	"sync"
	"time"

	"github.com/maypok86/otter/v2"
)

// local is the in-process tier: an otter cache bounded by bytes, with an index from tag to
// keys so a purge finds what it names.
type local struct {
	c        *otter.Cache[string, *Entry]
	staleFor time.Duration
	on       bool

	mu    sync.Mutex
	byTag map[string]map[string]struct{}
}

func newLocal(maxBytes uint64, staleFor time.Duration, on bool) *local {
	l := &local{staleFor: staleFor, on: on, byTag: map[string]map[string]struct{}{}}
	l.c = otter.Must(&otter.Options[string, *Entry]{
		MaximumWeight:    maxBytes,
		Weigher:          func(k string, e *Entry) uint32 { return e.size(k) },
		ExpiryCalculator: expiry{staleFor: staleFor},
		OnDeletion: func(ev otter.DeletionEvent[string, *Entry]) {
			if ev.Cause != otter.CauseReplacement {
				l.unindex(ev.Key, ev.Value.Tags)
			}
		},
	})
	return l
}

// expiry keeps an entry until its stale window ends.
type expiry struct{ staleFor time.Duration }

func (x expiry) ExpireAfterCreate(e otter.Entry[string, *Entry]) time.Duration {
	return max(time.Millisecond, time.Until(e.Value.Stored.Add(e.Value.MaxAge+x.staleFor)))
}

func (x expiry) ExpireAfterUpdate(e otter.Entry[string, *Entry], _ *Entry) time.Duration {
	return x.ExpireAfterCreate(e)
}

func (x expiry) ExpireAfterRead(e otter.Entry[string, *Entry]) time.Duration {
	return e.ExpiresAfter()
}

func (l *local) get(key string) (*Entry, bool) {
	if !l.on {
		return nil, false
	}
	return l.c.GetIfPresent(key)
}

func (l *local) set(key string, e *Entry) {
	if !l.on {
		return
	}
	l.mu.Lock()
	for _, t := range e.Tags {
		keys := l.byTag[t]
		if keys == nil {
			keys = map[string]struct{}{}
			l.byTag[t] = keys
		}
		keys[key] = struct{}{}
	}
	l.mu.Unlock()
	l.c.Set(key, e)
}

func (l *local) unindex(key string, tags []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, t := range tags {
		if keys := l.byTag[t]; keys != nil {
			delete(keys, key)
			if len(keys) == 0 {
				delete(l.byTag, t)
			}
		}
	}
}

// purge drops every entry with one of the tags.
func (l *local) purge(tags []string) {
	var keys []string
	l.mu.Lock()
	for _, t := range tags {
		for k := range l.byTag[t] {
			keys = append(keys, k)
		}
		delete(l.byTag, t)
	}
	l.mu.Unlock()
	for _, k := range keys {
		l.c.Invalidate(k)
	}
}
