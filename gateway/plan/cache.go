package plan

import (
	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"
)

// Cache keeps recent plans; concurrent requests for the same key plan once.
type Cache[V any] struct {
	lru   *lru.Cache[string, V]
	group singleflight.Group
}

// NewCache returns a cache holding at most size entries.
func NewCache[V any](size int) *Cache[V] {
	if size <= 0 {
		size = 1024
	}
	c, _ := lru.New[string, V](size)
	return &Cache[V]{lru: c}
}

// Get returns the cached value for key, building it once if absent.
func (c *Cache[V]) Get(key string, build func() (V, error)) (V, error) {
	if v, ok := c.lru.Get(key); ok {
		return v, nil
	}
	v, err, _ := c.group.Do(key, func() (any, error) {
		if v, ok := c.lru.Get(key); ok {
			return v, nil
		}
		v, err := build()
		if err != nil {
			return v, err
		}
		c.lru.Add(key, v)
		return v, nil
	})
	if err != nil {
		var zero V
		return zero, err
	}
	return v.(V), nil
}

// Build runs build without caching its result (for entries too large to keep).
func (c *Cache[V]) Build(build func() (V, error)) (V, error) { return build() }

// Len is the number of cached entries.
func (c *Cache[V]) Len() int { return c.lru.Len() }
