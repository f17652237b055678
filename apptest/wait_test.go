package apptest

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza/jobs"
	"github.com/plazahq/plaza/queue"
)

// recorder is a testing.TB whose Fatal and Fatalf record the failure and
// end the goroutine as testing's do, without failing the real test.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	failed string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) { r.fail(fmt.Sprintf(format, args...)) }

func (r *recorder) Fatal(args ...any) { r.fail(fmt.Sprint(args...)) }

func (r *recorder) FailNow() { r.fail("FailNow") }

func (r *recorder) fail(msg string) {
	r.mu.Lock()
	r.failed = msg
	r.mu.Unlock()
	runtime.Goexit()
}

// run calls wait with a recorder on a goroutine of its own, as a test
// would, and says whether wait returned and how it failed. A wait that
// neither returns nor fails within 10 s past its bound fails the test.
func run(t *testing.T, within time.Duration, wait func(testing.TB)) (returned bool, failed string) {
	t.Helper()
	r := &recorder{TB: t}
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		wait(r)
		returned = true
	}()
	select {
	case <-ended:
	case <-time.After(within + 10*time.Second):
		t.Fatalf("the wait for %v neither returned nor failed 10 s past its deadline", within)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return returned, r.failed
}

func TestWaitForReturnsOnceDone(t *testing.T) {
	calls := 0
	returned, failed := run(t, 10*time.Second, func(tb testing.TB) {
		WaitFor(tb, 10*time.Second, "the fifth call", func() bool { calls++; return calls == 5 })
	})
	if !returned || failed != "" || calls != 5 {
		t.Fatalf("returned %v, failed %q after %d calls; want a return after the fifth call", returned, failed, calls)
	}
	calls = 0
	returned, failed = run(t, 10*time.Second, func(tb testing.TB) {
		WaitFor(tb, 10*time.Second, "the first call", func() bool { calls++; return true })
	})
	if !returned || failed != "" || calls != 1 {
		t.Fatalf("returned %v, failed %q after %d calls; want a return after the first call", returned, failed, calls)
	}
}

func TestWaitForFailsAtTheDeadline(t *testing.T) {
	const within = 50 * time.Millisecond
	var calls int
	var began, last time.Time
	returned, failed := run(t, within, func(tb testing.TB) {
		began = time.Now()
		WaitFor(tb, within, "the impossible", func() bool { calls++; last = time.Now(); return false })
	})
	if returned {
		t.Fatal("WaitFor returned although its condition never held")
	}
	if want := "the impossible not within 50ms"; failed != want {
		t.Fatalf("failed with %q, want %q", failed, want)
	}
	// The last look is at the deadline, not before: the monotonic clock
	// makes this exact, however loaded the machine.
	if calls < 2 || last.Sub(began) < within {
		t.Fatalf("%d calls, the last %v after the start; want one at the deadline", calls, last.Sub(began))
	}
	if Eventually(within, func() bool { return false }) {
		t.Fatal("Eventually reported a condition that never held")
	}
	if n := 0; !Eventually(10*time.Second, func() bool { n++; return n == 3 }) {
		t.Fatal("Eventually missed a condition that held")
	}
	if n := 0; !EventuallyEvery(10*time.Second, 5*time.Millisecond, func() bool { n++; return n == 3 }) ||
		EventuallyEvery(within, 5*time.Millisecond, func() bool { return false }) {
		t.Fatal("EventuallyEvery got a condition wrong")
	}
}

func TestPausesGrow(t *testing.T) {
	pauses := func(most time.Duration) []time.Duration {
		var got []time.Duration
		for d := firstPause; len(got) < 9; d = nextPause(d, most) {
			got = append(got, d)
		}
		return got
	}
	for most, want := range map[time.Duration][]time.Duration{
		maxPause:              {1, 2, 4, 8, 16, 32, 50, 50, 50},
		5 * time.Millisecond:  {1, 2, 4, 5, 5, 5, 5, 5, 5},
		20 * time.Millisecond: {1, 2, 4, 8, 16, 20, 20, 20, 20},
	} {
		got := pauses(most)
		for i := range want {
			if got[i] != want[i]*time.Millisecond {
				t.Fatalf("pauses up to %v: %v, want %v ms", most, got, want)
			}
		}
	}
}

// unworked is a job on a queue no worker takes from: it stays available.
type unworked struct{}

func (unworked) Kind() string  { return "apptest_unworked" }
func (unworked) Queue() string { return "apptest_unworked" }

func TestWaitingForJobs(t *testing.T) {
	Each(t, func(t *testing.T, dbURL string) {
		a := Start(t, dbURL)
		a.StartWorkers(t)
		db := a.Store.DB()
		// The leader scans for scheduled notices every second.
		WaitForLaterJob(t, db, jobs.ScanScheduled{}.Kind(), 20*time.Second)
		WaitForJobsDone(t, db, "apptest_no_such_kind", time.Second)

		ins, err := queue.NewInserter(a.DB)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ins.EnqueueMany(context.Background(), []queue.Job{unworked{}}); err != nil {
			t.Fatal(err)
		}
		const within = 200 * time.Millisecond
		returned, failed := run(t, within, func(tb testing.TB) { WaitForJobsDone(tb, db, unworked{}.Kind(), within) })
		if want := "the end of every apptest_unworked job not within 200ms"; returned || failed != want {
			t.Fatalf("waiting for a job that never runs: returned %v, failed %q; want %q", returned, failed, want)
		}
		returned, failed = run(t, within, func(tb testing.TB) { WaitForLaterJob(tb, db, unworked{}.Kind(), within) })
		if want := "a completed run of apptest_unworked queued after the wait began not within 200ms"; returned || failed != want {
			t.Fatalf("waiting for a job that never runs: returned %v, failed %q; want %q", returned, failed, want)
		}
	})
}
