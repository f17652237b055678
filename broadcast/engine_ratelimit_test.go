package broadcast_test

import (
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/models"
)

// Tests that the engine keeps to the channel and account rate limits, on a clock the test steps by hand.

// TestRateLimitsAreRespected runs the engine on a clock the test moves:
// stopped, it refills no bucket, so what a rate allows is an exact count
// at each step instead of a guess about how long the sending took.
func TestRateLimitsAreRespected(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		clock := newSteppedClock()
		e := start(t, dbURL, func(o *app.Options) { o.Broadcast.Now = clock.Now },
			func(c *config.Config) { c.ChannelRates = map[string]float64{"webhook": 40} })
		e.followers(100)
		_, b := e.publish(general("Rate limited"))
		// A bucket of 40 a second starts full: 40 go at once, and not one
		// more while no time passes.
		e.waitPaused(b.ID, 40)
		// Half a second refills 20.
		clock.advance(500 * time.Millisecond)
		e.waitPaused(b.ID, 60)
		// A second refills the bucket (it holds at most one second's
		// worth), enough for the remaining 40.
		clock.advance(time.Second)
		b = e.waitStatus(b.ID, models.BroadcastDone, 30*time.Second)
		if b.Sent != 100 || e.ch.count() != 100 {
			t.Fatalf("after the refills: %d sent (%+v)", e.ch.count(), b)
		}
		e.checkLedger(b.ID)
	})
}

func TestAccountRateLimit(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		clock := newSteppedClock()
		e := start(t, dbURL, func(o *app.Options) { o.Broadcast.Now = clock.Now }, nil)
		e.followers(30)
		if err := e.app.Store.DB().Exec(`UPDATE accounts SET send_rate = 10 WHERE id = ?`, e.fx.Account.ID).Error; err != nil {
			t.Fatal(err)
		}
		_, b := e.publish(general("Account limited"))
		// The account's own bucket of 10 a second, whatever its channels
		// allow.
		e.waitPaused(b.ID, 10)
		clock.advance(time.Second)
		e.waitPaused(b.ID, 20)
		clock.advance(time.Second)
		if b = e.waitStatus(b.ID, models.BroadcastDone, 30*time.Second); b.Sent != 30 || e.ch.count() != 30 {
			t.Fatalf("after two seconds of the engine's clock: %d sent (%+v)", e.ch.count(), b)
		}
	})
}

// steppedClock is the engine's clock in a test that moves it by hand; it
// starts stopped at the time it is made.
type steppedClock struct {
	mu sync.Mutex
	at time.Time
}

func newSteppedClock() *steppedClock { return &steppedClock{at: time.Now().UTC()} }

func (c *steppedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at
}

func (c *steppedClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = c.at.Add(d)
}

// waitPaused waits until the broadcast has sent exactly n messages and has
// nothing claimed: with the engine's clock stopped, its bucket is empty
// and the rest waits for a time that does not come. More than n sent is
// a failure at once.
func (e *env) waitPaused(id int64, n int) {
	e.t.Helper()
	var sending int64
	var b *models.Broadcast
	if !apptest.EventuallyEvery(20*time.Second, 20*time.Millisecond, func() bool {
		if got := e.ch.count(); got > n {
			e.t.Fatalf("%d messages sent, more than the %d the buckets allow so far", got, n)
		}
		if err := e.app.Store.DB().Raw(`SELECT COUNT(*) FROM delivery_claims WHERE broadcast_id = ?`, id).
			Scan(&sending).Error; err != nil {
			e.t.Fatal(err)
		}
		b = e.broadcast(id)
		return sending == 0 && e.ch.count() == n && b.Sent == int64(n)
	}) {
		e.t.Fatalf("broadcast %d did not pause at %d sent: %d sent, %d claimed, %+v", id, n, e.ch.count(), sending, *b)
	}
}
