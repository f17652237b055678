// Package cache remembers loaded values for a short time: a bounded LRU
// (hashicorp/golang-lru) whose entries expire one by one, in front of a
// loader that runs once for a key however many callers miss it at the same
// time (x/sync/singleflight), so an expiry does not send a stampede of the
// same query to the database.
//
// Expiry is checked when an entry is read, not by a background sweep: the
// library's expirable LRU starts a goroutine per cache that never ends (its
// v2 has no way to stop it), ticking every ttl/100, and Plaza builds its
// caches per Store, which tests and one-off commands make many of. The
// size bound keeps expired entries that nobody reads from piling up.
package cache

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"
)

// Cache remembers up to size values by key, each for ttl after it was
// loaded; past size, the least recently used goes.
type Cache[V any] struct {
	ttl   time.Duration
	now   func() time.Time
	lru   *lru.Cache[string, entry[V]]
	group singleflight.Group

	// mu orders invalidations with the storing of loads: gen counts
	// invalidations, and a load begun before one is neither remembered
	// nor shared with the callers who came after it, since it may have
	// read what the invalidation was about.
	mu  sync.Mutex
	gen uint64
}

type entry[V any] struct {
	v     V
	until time.Time
}

// New makes a cache of at most size values (size must be positive), each
// kept for ttl.
func New[V any](size int, ttl time.Duration) *Cache[V] {
	l, err := lru.New[string, entry[V]](size)
	if err != nil {
		panic(fmt.Sprintf("cache.New(%d, %v): %v", size, ttl, err))
	}
	return &Cache[V]{ttl: ttl, now: time.Now, lru: l}
}

// Get returns the value remembered for key, or loads it. Callers that
// miss the same key at the same time wait for one load and share its
// result. A failed load is not remembered.
//
// The load runs without the cancellation of the caller that started it,
// so that one caller giving up does not fail the others waiting for the
// same load; each caller stops waiting when its own ctx ends.
func (c *Cache[V]) Get(ctx context.Context, key string, load func(context.Context) (V, error)) (V, error) {
	if e, ok := c.lru.Get(key); ok && c.now().Before(e.until) {
		return e.v, nil
	}
	c.mu.Lock()
	gen := c.gen
	c.mu.Unlock()
	ch := c.group.DoChan(strconv.FormatUint(gen, 10)+"/"+key, func() (any, error) {
		v, err := load(context.WithoutCancel(ctx))
		if err == nil {
			c.mu.Lock()
			if c.gen == gen {
				c.lru.Add(key, entry[V]{v: v, until: c.now().Add(c.ttl)})
			}
			c.mu.Unlock()
		}
		return v, err
	})
	select {
	case r := <-ch:
		// Checked: a nil interface V comes back as a nil any.
		v, _ := r.Val.(V)
		return v, r.Err
	case <-ctx.Done():
		var zero V
		return zero, ctx.Err()
	}
}

// Remove forgets key, so the next Get loads it again.
func (c *Cache[V]) Remove(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.lru.Remove(key)
}

// Purge forgets every key.
func (c *Cache[V]) Purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.lru.Purge()
}

// Len is how many values are remembered, expired ones included until
// they are read or pushed out.
func (c *Cache[V]) Len() int { return c.lru.Len() }
