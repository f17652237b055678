package cache

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clock is a settable time for the cache's expiry.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newTest(size int, ttl time.Duration) (*Cache[int], *clock) {
	c := New[int](size, ttl)
	clk := &clock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	c.now = clk.now
	return c, clk
}

// counter is a loader that counts its calls and returns the count.
type counter struct{ n atomic.Int32 }

func (l *counter) load(context.Context) (int, error) { return int(l.n.Add(1)), nil }

func get(t *testing.T, c *Cache[int], key string, load func(context.Context) (int, error)) int {
	t.Helper()
	v, err := c.Get(context.Background(), key, load)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestConcurrentMissesLoadOnce(t *testing.T) {
	c, _ := newTest(10, time.Minute)
	const n = 50
	var loads atomic.Int32
	release := make(chan struct{})
	load := func(context.Context) (int, error) {
		loads.Add(1)
		<-release
		return 42, nil
	}
	var started, done sync.WaitGroup
	started.Add(n)
	results := make(chan int, n)
	for range n {
		done.Go(func() {
			started.Done()
			v, err := c.Get(context.Background(), "k", load)
			if err != nil {
				t.Error(err)
			}
			results <- v
		})
	}
	started.Wait()
	// Let every caller reach the load before it ends; one that comes
	// later finds the value remembered, so the count holds either way.
	time.Sleep(50 * time.Millisecond)
	close(release)
	done.Wait()
	close(results)
	for v := range results {
		if v != 42 {
			t.Fatalf("a caller got %d", v)
		}
	}
	if got := loads.Load(); got != 1 {
		t.Fatalf("%d concurrent misses ran %d loads, want 1", n, got)
	}
}

func TestRemembersUntilExpiry(t *testing.T) {
	c, clk := newTest(10, 5*time.Second)
	var l counter
	if v := get(t, c, "a", l.load); v != 1 {
		t.Fatalf("first get: %d", v)
	}
	clk.add(4 * time.Second)
	if v := get(t, c, "a", l.load); v != 1 {
		t.Fatalf("within the ttl: loaded again (%d)", v)
	}
	// Each entry has its own time: b, loaded now, outlives a.
	if v := get(t, c, "b", l.load); v != 2 {
		t.Fatalf("b: %d", v)
	}
	clk.add(time.Second)
	if v := get(t, c, "a", l.load); v != 3 {
		t.Fatalf("after the ttl: %d, want a new load", v)
	}
	if v := get(t, c, "b", l.load); v != 2 {
		t.Fatalf("b expired with a: %d", v)
	}
}

func TestFailedLoadIsNotRemembered(t *testing.T) {
	c, _ := newTest(10, time.Minute)
	boom := errors.New("boom")
	if _, err := c.Get(context.Background(), "a", func(context.Context) (int, error) { return 0, boom }); err != boom {
		t.Fatalf("failed load: %v", err)
	}
	var l counter
	if v := get(t, c, "a", l.load); v != 1 {
		t.Fatalf("a failed load was remembered: %d", v)
	}
}

func TestRemoveAndPurge(t *testing.T) {
	c, _ := newTest(10, time.Minute)
	var l counter
	get(t, c, "a", l.load) // 1
	get(t, c, "b", l.load) // 2
	c.Remove("a")
	if v := get(t, c, "a", l.load); v != 3 {
		t.Fatalf("after Remove: %d", v)
	}
	if v := get(t, c, "b", l.load); v != 2 {
		t.Fatalf("Remove(a) forgot b: %d", v)
	}
	c.Purge()
	if a, b := get(t, c, "a", l.load), get(t, c, "b", l.load); a != 4 || b != 5 {
		t.Fatalf("after Purge: a %d b %d", a, b)
	}
}

// A load begun before an invalidation may have read what the
// invalidation was about: it is not remembered, and callers after the
// invalidation do not wait for it.
func TestInvalidationDuringLoad(t *testing.T) {
	c, _ := newTest(10, time.Minute)
	entered, release := make(chan struct{}), make(chan struct{})
	old := make(chan int)
	go func() {
		v, _ := c.Get(context.Background(), "a", func(context.Context) (int, error) {
			close(entered)
			<-release
			return 1, nil
		})
		old <- v
	}()
	<-entered
	c.Purge()
	if v := get(t, c, "a", func(context.Context) (int, error) { return 2, nil }); v != 2 {
		t.Fatalf("a get after Purge shared the older load: %d", v)
	}
	close(release)
	if v := <-old; v != 1 {
		t.Fatalf("the older caller got %d", v)
	}
	if v := get(t, c, "a", func(context.Context) (int, error) { return 3, nil }); v != 2 {
		t.Fatalf("the load begun before Purge replaced the newer value: %d", v)
	}
}

func TestEvictsOneEntryAtATime(t *testing.T) {
	c, _ := newTest(2, time.Minute)
	var l counter
	get(t, c, "a", l.load) // 1
	get(t, c, "b", l.load) // 2
	get(t, c, "a", l.load) // a is now the most recently used
	get(t, c, "c", l.load) // 3, pushes out b only
	if c.Len() != 2 {
		t.Fatalf("%d entries", c.Len())
	}
	if v := get(t, c, "a", l.load); v != 1 {
		t.Fatalf("a was evicted: %d", v)
	}
	if v := get(t, c, "b", l.load); v != 4 {
		t.Fatalf("b was kept: %d", v)
	}
}

// A caller that gives up stops waiting; the load goes on for the others.
func TestCallerGivesUpAlone(t *testing.T) {
	c, _ := newTest(10, time.Minute)
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	load := func(ctx context.Context) (int, error) {
		once.Do(func() { close(entered) })
		<-release
		return 7, ctx.Err()
	}
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error)
	go func() {
		_, err := c.Get(ctx, "a", load)
		first <- err
	}()
	<-entered
	second := make(chan int)
	go func() {
		v, _ := c.Get(context.Background(), "a", load)
		second <- v
	}()
	cancel()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Fatalf("the caller that gave up: %v", err)
	}
	close(release)
	if v := <-second; v != 7 {
		t.Fatalf("the caller that waited got %d", v)
	}
}

func TestNilInterfaceValue(t *testing.T) {
	c := New[error](1, time.Minute)
	v, err := c.Get(context.Background(), "a", func(context.Context) (error, error) { return nil, nil })
	if v != nil || err != nil {
		t.Fatalf("got %v, %v", v, err)
	}
}
