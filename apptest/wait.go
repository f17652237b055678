package apptest

import (
	"testing"
	"time"

	"gorm.io/gorm"
)

// Pauses between two looks at a condition: short at first, so a wait that
// is nearly over costs little, then longer, so a long wait does not keep
// the machine busy.
const (
	firstPause = time.Millisecond
	maxPause   = 50 * time.Millisecond
)

func nextPause(d, most time.Duration) time.Duration { return min(2*d, most) }

// Eventually calls done until it returns true and reports whether it did
// within the given time. done is called at once, then after pauses growing
// from 1 ms to 50 ms, and a last time at the deadline. It runs on the
// caller's goroutine, so it may call t.Fatal itself.
func Eventually(within time.Duration, done func() bool) bool {
	return EventuallyEvery(within, maxPause, done)
}

// EventuallyEvery is Eventually with pauses of at most every (and at
// least 1 ms), for a test that acts on the condition while the work it
// watches goes on, so that how soon it notices matters: a count of
// messages sent before it cancels or kills the sender.
func EventuallyEvery(within, every time.Duration, done func() bool) bool {
	every = max(every, firstPause)
	deadline := time.Now().Add(within)
	for pause := firstPause; ; pause = nextPause(pause, every) {
		if done() {
			return true
		}
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		time.Sleep(min(pause, left))
	}
}

// WaitFor waits until done returns true, and fails the test with "<what>
// not within <within>" if it does not by then: a wait that ends on the
// event it waits for, with a bound only for a test that would otherwise
// hang. Use Eventually where the failure should say more.
func WaitFor(t testing.TB, within time.Duration, what string, done func() bool) {
	t.Helper()
	if !Eventually(within, done) {
		t.Fatalf("%s not within %v", what, within)
	}
}

// WaitForLaterJob waits until a job of the kind, queued after the call,
// has completed. For a periodic scan, that is a run that started after
// the call and so saw everything done before it: what a scan must not do
// again, it has had its chance to do. (A job queued after the call has a
// larger id than any job visible at the call, and cannot start before it
// is queued.)
func WaitForLaterJob(t testing.TB, db *gorm.DB, kind string, within time.Duration) {
	t.Helper()
	var last int64
	if err := db.Raw(`SELECT COALESCE(MAX(id), 0) FROM river_job WHERE kind = ?`, kind).Scan(&last).Error; err != nil {
		t.Fatal(err)
	}
	WaitFor(t, within, "a completed run of "+kind+" queued after the wait began", func() bool {
		var n int64
		if err := db.Raw(`SELECT COUNT(*) FROM river_job WHERE kind = ? AND id > ? AND state = 'completed'`, kind, last).
			Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n > 0
	})
}

// WaitForJobsDone waits until no job of the kind is left to run: none
// available, pending, scheduled, retryable or running.
func WaitForJobsDone(t testing.TB, db *gorm.DB, kind string, within time.Duration) {
	t.Helper()
	WaitFor(t, within, "the end of every "+kind+" job", func() bool {
		var n int64
		if err := db.Raw(`SELECT COUNT(*) FROM river_job WHERE kind = ?
			AND state IN ('available', 'pending', 'scheduled', 'retryable', 'running')`, kind).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n == 0
	})
}
