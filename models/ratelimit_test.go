package models_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

// clock is a settable time source for a store.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// storedHits reads the counter row as it is in the database.
func storedHits(t *testing.T, s *models.Store, key string) int {
	t.Helper()
	var rl models.RateLimit
	if err := s.DB().WithContext(t.Context()).Where("key = ?", key).Limit(1).Find(&rl).Error; err != nil {
		t.Fatal(err)
	}
	return rl.Hits
}

func TestRateLimitWindow(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		ctx := t.Context()
		a := apptest.Start(t, dbURL)
		for _, start := range []time.Time{
			time.Date(2030, 3, 1, 9, 0, 0, 0, time.UTC),
			// Sub-second times must compare correctly in both databases.
			time.Date(2030, 3, 1, 9, 0, 0, 123456000, time.UTC),
		} {
			clk := &clock{now: start}
			s := models.NewStore(a.DB, clk.Now)
			key := "login:" + start.Format(time.RFC3339Nano)
			const limit = 3
			const window = 10 * time.Minute

			blocked := func(want bool, when string) {
				t.Helper()
				b, _, err := s.Blocked(ctx, key, limit)
				if err != nil {
					t.Fatal(err)
				}
				if b != want {
					t.Fatalf("%s (%s): Blocked = %v, want %v", when, clk.Now().Format(time.RFC3339Nano), b, want)
				}
			}
			hit := func(wantOK bool, wantEnd time.Time, when string) {
				t.Helper()
				ok, end, err := s.Hit(ctx, key, limit, window)
				if err != nil {
					t.Fatal(err)
				}
				if ok != wantOK || !end.Equal(wantEnd) {
					t.Fatalf("%s: Hit = %v, %s; want %v, %s", when, ok, end.Format(time.RFC3339Nano), wantOK, wantEnd.Format(time.RFC3339Nano))
				}
			}

			blocked(false, "no hits yet")
			end := start.Add(window)
			hit(true, end, "hit 1")
			clk.Add(time.Minute)
			hit(true, end, "hit 2, same window")
			blocked(false, "two of three used")
			hit(true, end, "hit 3 reaches the limit")
			blocked(true, "limit reached")
			hit(false, end, "hit 4 is over the limit")
			if n := storedHits(t, s, key); n != 4 {
				t.Fatalf("stored hits = %d, want 4", n)
			}

			// Other keys are counted apart.
			if ok, _, err := s.Hit(ctx, key+":other", limit, window); err != nil || !ok {
				t.Fatalf("another key: %v, %v", ok, err)
			}
			if b, _, _ := s.Blocked(ctx, key+":other", limit); b {
				t.Fatal("one hit on another key is blocked")
			}

			// Just before the window ends the key is still blocked; at its
			// end the window is over.
			clk.Add(end.Sub(clk.Now()) - time.Millisecond)
			blocked(true, "a millisecond before the window ends")
			clk.Add(time.Millisecond)
			blocked(false, "the window has ended")

			// The next hit starts a fresh window counted from now.
			clk.Add(time.Second)
			end = clk.Now().Add(window)
			hit(true, end, "first hit of a new window")
			if n := storedHits(t, s, key); n != 1 {
				t.Fatalf("stored hits in the new window = %d, want 1", n)
			}

			// ResetLimit forgets the key.
			hit(true, end, "hit 2 of the new window")
			hit(true, end, "hit 3 of the new window")
			blocked(true, "limit reached again")
			if err := s.ResetLimit(ctx, key); err != nil {
				t.Fatal(err)
			}
			blocked(false, "after ResetLimit")
			if n := storedHits(t, s, key); n != 0 {
				t.Fatalf("ResetLimit left %d hits", n)
			}
			end = clk.Now().Add(window)
			hit(true, end, "first hit after ResetLimit")
			if err := s.ResetLimit(ctx, "never-hit"); err != nil {
				t.Fatalf("ResetLimit of an unknown key: %v", err)
			}
		}
	})
}

// TestRateLimitConcurrentHits checks that the upsert is atomic: hits from
// many connections at once are all counted.
func TestRateLimitConcurrentHits(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		ctx := t.Context()
		a := apptest.Start(t, dbURL)
		clk := &clock{now: time.Date(2030, 3, 1, 9, 0, 0, 0, time.UTC)}
		s := models.NewStore(a.DB, clk.Now)
		const n = 20
		const key = "login:race@example.org"

		// An expired row first, so the racing hits also race to reset it.
		if _, _, err := s.Hit(ctx, key, n, time.Minute); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Hour)

		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make(chan error, n)
		overLimit := make(chan bool, n)
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				ok, _, err := s.Hit(ctx, key, n, 15*time.Minute)
				errs <- err
				if !ok {
					overLimit <- true
				}
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		close(overLimit)
		for err := range errs {
			if err != nil {
				t.Errorf("concurrent Hit: %v", err)
			}
		}
		if len(overLimit) > 0 {
			t.Errorf("%d of %d hits were over a limit of %d", len(overLimit), n, n)
		}
		if got := storedHits(t, s, key); got != n {
			t.Fatalf("%d concurrent hits counted as %d", n, got)
		}
		if b, _, _ := s.Blocked(ctx, key, n); !b {
			t.Error("not blocked after exactly limit hits")
		}
		if b, _, _ := s.Blocked(ctx, key, n+1); b {
			t.Error("blocked with one hit to spare")
		}
		if ok, _, err := s.Hit(ctx, key, n, 15*time.Minute); err != nil || ok {
			t.Errorf("hit %d: ok %v, err %v; want over the limit", n+1, ok, err)
		}
	})
}

func TestDeleteExpiredLimits(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
		s := models.NewStore(a.DB, func() time.Time { return now })
		ctx := context.Background()
		for _, k := range []string{"short", "long"} {
			window := time.Minute
			if k == "long" {
				window = time.Hour
			}
			if _, _, err := s.Hit(ctx, k, 5, window); err != nil {
				t.Fatal(err)
			}
		}
		now = now.Add(10 * time.Minute)
		n, err := s.DeleteExpiredLimits(ctx)
		if err != nil || n != 1 {
			t.Fatalf("DeleteExpiredLimits = %d, %v; want 1 (only the ended window)", n, err)
		}
		if blocked, _, _ := s.Blocked(ctx, "long", 1); !blocked {
			t.Fatal("the window still running was removed")
		}
	})
}

// TestBackoff follows one key through free failures, locks that double up
// to the maximum, and the count being forgotten after a quiet hour.
func TestBackoff(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		ctx := t.Context()
		a := apptest.Start(t, dbURL)
		clk := &clock{now: time.Date(2030, 3, 1, 9, 0, 0, 123456000, time.UTC)}
		s := models.NewStore(a.DB, clk.Now)
		b := models.Backoff{Free: 5, Base: time.Minute, Max: 15 * time.Minute, Forget: time.Hour}
		const key = "login:fail:test"
		locked := func(want bool, when string) time.Time {
			t.Helper()
			got, until, err := s.LockedUntil(ctx, key, b)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatalf("%s: LockedUntil = %v (until %s), want %v", when, got, until, want)
			}
			return until
		}
		fail := func(wantLock time.Duration, when string) {
			t.Helper()
			until, err := s.Fail(ctx, key, b)
			if err != nil {
				t.Fatal(err)
			}
			if want := clk.Now().Add(wantLock); !until.Equal(want) {
				t.Fatalf("%s: Fail locks until %s, want %s", when, until, want)
			}
			if wantLock > 0 {
				if got := locked(true, when); !got.Equal(until) {
					t.Fatalf("%s: LockedUntil says %s, Fail said %s", when, got, until)
				}
			} else {
				locked(false, when)
			}
		}

		locked(false, "no failures")
		for i := range 4 {
			fail(0, fmt.Sprintf("free failure %d", i+1))
		}
		for i, lock := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 15 * time.Minute, 15 * time.Minute} {
			fail(lock, fmt.Sprintf("failure %d", i+5))
			clk.Add(lock - time.Millisecond)
			locked(true, "a millisecond before the lock ends")
			clk.Add(time.Millisecond)
			locked(false, "the lock has ended")
		}
		// Other keys are apart.
		if l, _, err := s.LockedUntil(ctx, key+":other", b); err != nil || l {
			t.Fatalf("another key: %v, %v", l, err)
		}
		// After a quiet hour past the last lock, the count starts again.
		clk.Add(time.Hour)
		fail(0, "first failure after a quiet hour")
		// And a reset forgets it at once.
		for range 3 {
			fail(0, "free again")
		}
		fail(time.Minute, "fifth failure since the quiet hour")
		if err := s.ResetLimit(ctx, key); err != nil {
			t.Fatal(err)
		}
		locked(false, "after ResetLimit")
	})
}
