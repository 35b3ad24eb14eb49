// Package ttlcache is the read-through cache of the pop hot path's
// configuration (a page's published definition, the pop parameters of a
// page): an entry lives for a short TTL, so an edit made through another
// instance shows within it, and Invalidate empties the cache at once for
// an edit made through this one. A read that began before an Invalidate
// does not store what it read, so it cannot put a stale value back.
package ttlcache

import (
	"sync"
	"sync/atomic"
	"time"
)

// Cache maps K to V for TTL.
type Cache[K comparable, V any] struct {
	ttl time.Duration
	m   sync.Map // K → entry[V]
	mu  sync.Mutex
	gen atomic.Uint64
}

type entry[V any] struct {
	v       V
	expires time.Time
}

// New returns a cache whose entries live for ttl.
func New[K comparable, V any](ttl time.Duration) *Cache[K, V] {
	return &Cache[K, V]{ttl: ttl}
}

// Get returns key's value, from the cache while it is fresh, else from
// load (whose errors are not cached).
func (c *Cache[K, V]) Get(key K, load func() (V, error)) (V, error) {
	if e, ok := c.m.Load(key); ok && time.Now().Before(e.(entry[V]).expires) {
		return e.(entry[V]).v, nil
	}
	gen := c.gen.Load()
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.gen.Load() == gen {
		c.m.Store(key, entry[V]{v: v, expires: time.Now().Add(c.ttl)})
	}
	c.mu.Unlock()
	return v, nil
}

// Invalidate forgets every entry, and whatever reads in progress would
// store.
func (c *Cache[K, V]) Invalidate() {
	c.mu.Lock()
	c.gen.Add(1)
	c.m.Clear()
	c.mu.Unlock()
}
