package broadcast_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/models"
)

// recorder is a channel that keeps what it was asked to send and answers
// with what the test scripts. The engine only knows the Channel interface,
// so this exercises everything but the wire; the webhook and e-mail
// channels have their own tests against real servers.
type recorder struct {
	name  string
	delay time.Duration

	mu     sync.Mutex
	got    map[int64][]*broadcast.Message
	times  []time.Time
	script func(m *broadcast.Message) broadcast.Result
	// delayOf, when set, is how long the receiver takes for m (in place
	// of delay).
	delayOf func(m *broadcast.Message) time.Duration
}

func newRecorder(name string) *recorder {
	return &recorder{name: name, got: map[int64][]*broadcast.Message{}}
}

func (r *recorder) Name() string { return r.name }

func (r *recorder) Send(ctx context.Context, m *broadcast.Message) broadcast.Result {
	delay := r.delay
	r.mu.Lock()
	delayOf := r.delayOf
	r.mu.Unlock()
	if delayOf != nil {
		// Called outside the lock: it may block, as a receiver that
		// hangs does.
		delay = delayOf(m)
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return broadcast.RetryResult("interrupted", 0)
		}
	}
	r.mu.Lock()
	script := r.script
	r.mu.Unlock()
	res := broadcast.SentResult()
	if script != nil {
		res = script(m)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if res.Outcome == broadcast.Sent {
		r.got[m.To.FollowerID] = append(r.got[m.To.FollowerID], m)
		r.times = append(r.times, time.Now())
	}
	return res
}

func (r *recorder) setScript(f func(m *broadcast.Message) broadcast.Result) {
	r.mu.Lock()
	r.script = f
	r.mu.Unlock()
}

func (r *recorder) received(followerID int64) []*broadcast.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*broadcast.Message(nil), r.got[followerID]...)
}

// countOf is how many messages of broadcast id were sent.
func (r *recorder) countOf(id int64) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, ms := range r.got {
		for _, m := range ms {
			if m.Content.BroadcastID == id {
				n++
			}
		}
	}
	return n
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.times)
}

type env struct {
	t   *testing.T
	app *apptest.App
	fx  *apptest.Fixtures
	ch  *recorder
	ctx context.Context
}

func start(t *testing.T, dbURL string, tune func(*app.Options), cfg func(*config.Config)) *env {
	ch := newRecorder("webhook")
	a := apptest.StartOptions(t, dbURL, cfg, func(o *app.Options) {
		o.Channels = []broadcast.Channel{ch}
		if tune != nil {
			tune(o)
		}
	})
	a.StartWorkers(t) // these tests are about the running engine
	return &env{t: t, app: a, fx: apptest.Seed(t, a), ch: ch, ctx: context.Background()}
}

func (e *env) owner() *models.Member { return e.fx.Member(models.RoleOwner) }

// followers seeds n active webhook followers; every third speaks Chinese
// and every second has the tag line-12.
func (e *env) followers(n int) []*models.Follower {
	e.t.Helper()
	var out []*models.Follower
	for i := range n {
		lang := "en"
		if i%3 == 2 {
			lang = "zh"
		}
		var tags []string
		if i%2 == 0 {
			tags = []string{"line-12"}
		}
		f, err := e.app.Store.SeedFollower(e.ctx, e.fx.Account.ID, "webhook", fmt.Sprintf("+8613800%05d", i), "", lang, tags, nil)
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, f)
	}
	return out
}

func (e *env) publish(in models.NoticeInput) (*models.Notice, *models.Broadcast) {
	e.t.Helper()
	n, err := e.app.Store.CreateNotice(e.ctx, e.owner(), e.fx.Account, in)
	if err != nil {
		e.t.Fatalf("create notice: %v", err)
	}
	n, b, err := e.app.Store.PublishNotice(e.ctx, e.owner(), e.fx.Account, n.ID, in)
	if err != nil {
		e.t.Fatalf("publish notice: %v", err)
	}
	return n, b
}

func general(title string) models.NoticeInput {
	return models.NoticeInput{Kind: models.NoticeGeneral, TitleEn: title, BodyEn: "Body of " + title,
		TitleZh: "中文：" + title, BodyZh: "正文：" + title}
}

func (e *env) broadcast(id int64) *models.Broadcast {
	e.t.Helper()
	var b models.Broadcast
	if err := e.app.Store.DB().First(&b, id).Error; err != nil {
		e.t.Fatal(err)
	}
	return &b
}

func (e *env) waitStatus(id int64, status string, within time.Duration) *models.Broadcast {
	e.t.Helper()
	var b *models.Broadcast
	if !apptest.EventuallyEvery(within, 20*time.Millisecond, func() bool { b = e.broadcast(id); return b.Status == status }) {
		e.t.Fatalf("broadcast %d is %s after %v, want %s (%+v)", id, b.Status, within, status, *b)
	}
	return b
}

// waitSettled waits until no delivery of broadcast id is claimed and its
// counters account for every delivery.
func (e *env) waitSettled(id int64, within time.Duration) *models.Broadcast {
	e.t.Helper()
	var sending int64
	var b *models.Broadcast
	if !apptest.EventuallyEvery(within, 20*time.Millisecond, func() bool {
		if err := e.app.Store.DB().Raw(`SELECT COUNT(*) FROM deliveries WHERE broadcast_id = ? AND status = 'sending'`, id).
			Scan(&sending).Error; err != nil {
			e.t.Fatal(err)
		}
		b = e.broadcast(id)
		return sending == 0 && b.Sent+b.Failed+b.Dead+b.Skipped+b.Held == b.Total
	}) {
		e.t.Fatalf("broadcast %d not settled after %v: %d deliveries claimed, %+v", id, within, sending, *b)
	}
	return b
}

// waitSent waits until the channel has sent n messages.
func (e *env) waitSent(n int, within time.Duration) {
	e.t.Helper()
	if !apptest.EventuallyEvery(within, 5*time.Millisecond, func() bool { return e.ch.count() >= n }) {
		e.t.Fatalf("%d messages sent after %v, want %d", e.ch.count(), within, n)
	}
}

// checkLedger compares the broadcast's counters with the ledger itself.
// Counters and rows are read in one statement, so they come from one
// snapshot even while the engine is still recording.
func (e *env) checkLedger(id int64) map[string]int64 {
	e.t.Helper()
	var rows []struct {
		Status string
		Count  int64
	}
	if err := e.app.Store.DB().Raw(`SELECT status, COUNT(*) AS count FROM deliveries WHERE broadcast_id = ? GROUP BY status
		UNION ALL SELECT 'counter:sent', sent FROM broadcasts WHERE id = ?
		UNION ALL SELECT 'counter:failed', failed FROM broadcasts WHERE id = ?
		UNION ALL SELECT 'counter:dead', dead FROM broadcasts WHERE id = ?
		UNION ALL SELECT 'counter:held', held FROM broadcasts WHERE id = ?
		UNION ALL SELECT 'counter:skipped', skipped FROM broadcasts WHERE id = ?
		UNION ALL SELECT 'counter:total', total FROM broadcasts WHERE id = ?`, id, id, id, id, id, id, id).
		Scan(&rows).Error; err != nil {
		e.t.Fatal(err)
	}
	got, counters := map[string]int64{}, map[string]int64{}
	var total int64
	for _, r := range rows {
		if name, ok := strings.CutPrefix(r.Status, "counter:"); ok {
			counters[name] = r.Count
			continue
		}
		got[r.Status] = r.Count
		total += r.Count
	}
	for _, k := range []string{"sent", "failed", "dead", "held", "skipped"} {
		if got[k] != counters[k] {
			e.t.Errorf("broadcast %d: counter %s = %d, ledger has %d", id, k, counters[k], got[k])
		}
	}
	if total != counters["total"] {
		e.t.Errorf("broadcast %d: total %d, ledger has %d rows", id, counters["total"], total)
	}
	return got
}

func TestEveryFollowerGetsTheNoticeOnceInTheirLanguage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		e := start(t, dbURL, func(o *app.Options) { o.Broadcast.BatchSize = 37 }, nil)
		fs := e.followers(150)
		// Someone who left before the notice is not in its audience.
		if _, err := e.app.Store.Unsubscribe(e.ctx, fs[0].ID); err != nil {
			t.Fatal(err)
		}
		n, b := e.publish(general("Line 12 diverted"))
		if b.Kind != models.KindPublish || b.Status != models.BroadcastPending {
			t.Fatalf("broadcast = %+v", b)
		}
		b = e.waitStatus(b.ID, models.BroadcastDone, 20*time.Second)
		if b.Total != 149 || b.Sent != 149 || b.FinishedAt == nil {
			t.Fatalf("broadcast = %+v, want 149 sent", b)
		}
		e.checkLedger(b.ID)
		if got := e.ch.received(fs[0].ID); len(got) != 0 {
			t.Errorf("unsubscribed follower got %d messages", len(got))
		}
		for _, f := range fs[1:] {
			got := e.ch.received(f.ID)
			if len(got) != 1 {
				t.Fatalf("follower %d got %d messages, want 1", f.ID, len(got))
			}
			m := got[0]
			if m.Content.Language != f.Language || m.Content.NoticeID != n.ID || m.DeliveryID != fmt.Sprintf("%d-%d", b.ID, f.ID) {
				t.Fatalf("follower %d (%s) got %+v", f.ID, f.Language, m.Content)
			}
			wantTitle := "Line 12 diverted"
			if f.Language == "zh" {
				wantTitle = "中文：Line 12 diverted"
			}
			if m.Content.Subject != wantTitle || m.Content.URL != fmt.Sprintf("http://plaza.test/@metro/notices/%d", n.ID) {
				t.Fatalf("follower %d: subject %q url %q", f.ID, m.Content.Subject, m.Content.URL)
			}
		}
		// A repeated materialize job (a retry after a crash) queues nobody
		// twice.
		if err := e.app.Broadcasts.Materialize(e.ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		if got := e.checkLedger(b.ID); got["sent"] != 149 {
			t.Fatalf("ledger after second materialize: %v", got)
		}
	})
}

// TestLargeAudienceIsWrittenOnce materializes an audience big enough to be
// written in several ranges at once on PostgreSQL (once on SQLite): every
// follower gets exactly one delivery, the total counts them, and a repeat
// of the job writes nothing more.
func TestLargeAudienceIsWrittenOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		e := start(t, dbURL, func(o *app.Options) { o.Broadcast.Workers, o.Broadcast.SplitAudience = 1, 100 }, nil)
		const n = 1001
		if _, err := e.app.Store.GenerateFollowers(e.ctx, e.fx.Account.ID, "webhook", "bulk", n); err != nil {
			t.Fatal(err)
		}
		_, b := e.publish(general("Everyone"))
		b = e.waitStatus(b.ID, models.BroadcastDone, 30*time.Second)
		var rows struct{ N, Followers int64 }
		count := func() {
			t.Helper()
			if err := e.app.Store.DB().Raw(`SELECT COUNT(*) AS n, COUNT(DISTINCT follower_id) AS followers FROM deliveries WHERE broadcast_id = ?`,
				b.ID).Scan(&rows).Error; err != nil {
				t.Fatal(err)
			}
		}
		count()
		if b.Total != n || rows.N != n || rows.Followers != n {
			t.Fatalf("total %d, %d rows for %d followers, want %d", b.Total, rows.N, rows.Followers, n)
		}
		if err := e.app.Broadcasts.Materialize(e.ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		if count(); rows.N != n || e.broadcast(b.ID).Total != n || e.ch.count() != n {
			t.Fatalf("after a repeated job: %d rows, total %d, %d sent", rows.N, e.broadcast(b.ID).Total, e.ch.count())
		}
	})
}

func TestAudienceByTagsAndLanguageFallback(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		e := start(t, dbURL, nil, nil)
		fs := e.followers(30)
		in := models.NoticeInput{Kind: models.NoticeTransit, TitleEn: "Line 12 detour", BodyEn: "Buses use **Main St**.",
			Routes: "12", Effect: "DETOUR", Tags: []string{"line-12"}}
		count, err := e.app.Store.AudienceCount(e.ctx, e.owner(), e.fx.Account, in.Tags)
		if err != nil || count != 15 {
			t.Fatalf("audience count = %d, %v; want 15", count, err)
		}
		_, b := e.publish(in)
		b = e.waitStatus(b.ID, models.BroadcastDone, 20*time.Second)
		if b.Total != 15 || b.Sent != 15 {
			t.Fatalf("broadcast = %+v", b)
		}
		for i, f := range fs {
			got := e.ch.received(f.ID)
			if i%2 == 1 {
				if len(got) != 0 {
					t.Fatalf("untagged follower %d got the notice", f.ID)
				}
				continue
			}
			if len(got) != 1 {
				t.Fatalf("tagged follower %d got %d messages", f.ID, len(got))
			}
			// No Chinese version: Chinese readers get the English one.
			if got[0].Content.Language != "en" || got[0].Content.Title != "Line 12 detour" {
				t.Fatalf("follower %d (%s) got %+v", f.ID, f.Language, got[0].Content)
			}
			if got[0].Content.HTML == "" || got[0].Content.Text == "" {
				t.Fatalf("content not rendered: %+v", got[0].Content)
			}
		}
	})
}

func TestRetriesBackOffThenDeadAndStaffRetry(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		e := start(t, dbURL, func(o *app.Options) { o.Broadcast.MaxAttempts = 3 }, nil)
		fs := e.followers(6)
		flaky, broken := fs[1].ID, fs[2].ID
		var mu sync.Mutex
		attempts := map[int64][]time.Time{}
		e.ch.setScript(func(m *broadcast.Message) broadcast.Result {
			mu.Lock()
			attempts[m.To.FollowerID] = append(attempts[m.To.FollowerID], time.Now())
			mu.Unlock()
			switch {
			case m.To.FollowerID == flaky && m.Attempt < 3:
				return broadcast.RetryResult("gateway busy", 0)
			case m.To.FollowerID == broken:
				return broadcast.RetryResult("gateway down", 0)
			}
			return broadcast.SentResult()
		})
		_, b := e.publish(general("Retries"))
		b = e.waitStatus(b.ID, models.BroadcastDone, 20*time.Second)
		if b.Sent != 5 || b.Dead != 1 {
			t.Fatalf("broadcast = %+v, want 5 sent and 1 dead", b)
		}
		e.checkLedger(b.ID)
		mu.Lock()
		if n := len(attempts[flaky]); n != 3 {
			t.Errorf("flaky follower tried %d times, want 3", n)
		}
		if n := len(attempts[broken]); n != 3 {
			t.Errorf("broken follower tried %d times, want 3", n)
		}
		// Equal jitter keeps the k-th wait at least half of Backoff·2^(k-1)
		// (apptest sets Backoff to 20 ms; a millisecond off for the database's
		// rounding of times): a retry can never come sooner,
		// however slow the machine, so only the lower bounds are checked.
		if a := attempts[flaky]; len(a) == 3 && (a[1].Sub(a[0]) < 9*time.Millisecond || a[2].Sub(a[1]) < 19*time.Millisecond) {
			t.Errorf("retries came too soon for the backoff: %v then %v", a[1].Sub(a[0]), a[2].Sub(a[1]))
		}
		mu.Unlock()
		reasons, err := e.app.BroadcastService.FailureReasons(e.ctx, e.owner(), e.fx.Account, b.ID)
		if err != nil || len(reasons) != 1 || reasons[0].Reason != "gateway down" || reasons[0].Status != "dead" || reasons[0].Count != 1 {
			t.Fatalf("reasons = %+v, %v", reasons, err)
		}
		failed, total, err := e.app.BroadcastService.Failures(e.ctx, e.owner(), e.fx.Account, b.ID, models.Page{Number: 1})
		if err != nil || total != 1 || len(failed) != 1 || failed[0].FollowerID != broken || failed[0].Attempts != 3 {
			t.Fatalf("failures = %+v (%d), %v", failed, total, err)
		}
		// The gateway is back: staff retry the dead letter.
		e.ch.setScript(nil)
		if _, err := e.app.BroadcastService.Retry(e.ctx, e.fx.Member(models.RoleViewer), e.fx.Account, b.ID); err != models.ErrForbidden {
			t.Fatalf("viewer retry: %v", err)
		}
		n, err := e.app.BroadcastService.Retry(e.ctx, e.owner(), e.fx.Account, b.ID)
		if err != nil || n != 1 {
			t.Fatalf("retry = %d, %v", n, err)
		}
		b = e.waitStatus(b.ID, models.BroadcastDone, 20*time.Second)
		if b.Sent != 6 || b.Dead != 0 || len(e.ch.received(broken)) != 1 {
			t.Fatalf("after retry: %+v", b)
		}
		e.checkLedger(b.ID)
	})
}

func TestBlockedFollowerIsUnsubscribed(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		e := start(t, dbURL, nil, nil)
		fs := e.followers(4)
		blocked := fs[3].ID
		e.ch.setScript(func(m *broadcast.Message) broadcast.Result {
			if m.To.FollowerID == blocked {
				return broadcast.Result{Outcome: broadcast.Failed, Reason: "the user blocked the account", Unsubscribe: true}
			}
			return broadcast.SentResult()
		})
		_, b := e.publish(general("Blocked"))
		b = e.waitStatus(b.ID, models.BroadcastDone, 20*time.Second)
		if b.Sent != 3 || b.Failed != 1 {
			t.Fatalf("broadcast = %+v", b)
		}
		e.checkLedger(b.ID)
		var f models.Follower
		if err := e.app.Store.DB().First(&f, blocked).Error; err != nil {
			t.Fatal(err)
		}
		if f.Status != models.StatusUnsubscribed || f.UnsubscribedAt == nil {
			t.Fatalf("blocked follower = %s", f.Status)
		}
		var unfollows int64
		e.app.Store.DB().Raw(`SELECT COUNT(*) FROM follow_events WHERE follower_id = ? AND kind = 'unfollow'`, blocked).Scan(&unfollows)
		if unfollows != 1 {
			t.Fatalf("unfollow events = %d", unfollows)
		}
		// Retrying leaves someone who left alone.
		if n, err := e.app.BroadcastService.Retry(e.ctx, e.owner(), e.fx.Account, b.ID); err != nil || n != 0 {
			t.Fatalf("retry = %d, %v; want 0", n, err)
		}
	})
}

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
		if err := e.app.Store.DB().Raw(`SELECT COUNT(*) FROM deliveries WHERE broadcast_id = ? AND status = 'sending'`, id).
			Scan(&sending).Error; err != nil {
			e.t.Fatal(err)
		}
		b = e.broadcast(id)
		return sending == 0 && e.ch.count() == n && b.Sent == int64(n)
	}) {
		e.t.Fatalf("broadcast %d did not pause at %d sent: %d sent, %d claimed, %+v", id, n, e.ch.count(), sending, *b)
	}
}

func TestCancelStopsABroadcastInFlight(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		e := start(t, dbURL, func(o *app.Options) {
			o.Broadcast.BatchSize, o.Broadcast.Concurrency, o.Broadcast.Workers = 5, 1, 1
		}, nil)
		e.ch.delay = 10 * time.Millisecond
		e.followers(200)
		_, b := e.publish(general("Cancel me"))
		e.waitStatus(b.ID, models.BroadcastSending, 10*time.Second)
		e.waitSent(10, 20*time.Second)
		skipped, err := e.app.BroadcastService.Cancel(e.ctx, e.owner(), e.fx.Account, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		e.waitStatus(b.ID, models.BroadcastCancelled, time.Second)
		// The claim in flight when it was cancelled ends: its messages
		// under way are recorded, the rest skipped.
		b = e.waitSettled(b.ID, 20*time.Second)
		sent := e.ch.countOf(b.ID)
		if sent >= 200 || int64(sent) != b.Sent || b.Sent+b.Skipped != 200 || b.Skipped < skipped {
			t.Fatalf("sent %d (cancel skipped %d) of 200: %+v", sent, skipped, b)
		}
		// The only ordinary worker sends a later notice to everyone: by
		// then it has long stopped picking the cancelled one.
		_, later := e.publish(general("After the cancel"))
		e.waitStatus(later.ID, models.BroadcastDone, 30*time.Second)
		if e.ch.countOf(b.ID) != sent || e.ch.countOf(later.ID) != 200 {
			t.Fatalf("after the cancel: %d messages of the cancelled broadcast (was %d), %d of the later one",
				e.ch.countOf(b.ID), sent, e.ch.countOf(later.ID))
		}
		e.checkLedger(b.ID)
		if _, err := e.app.BroadcastService.Cancel(e.ctx, e.owner(), e.fx.Account, b.ID); err == nil {
			t.Fatal("cancelling twice succeeded")
		}
	})
}

func TestEmergencyOvertakesOrdinaryBroadcasts(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		e := start(t, dbURL, func(o *app.Options) {
			o.Broadcast.BatchSize, o.Broadcast.Concurrency, o.Broadcast.Workers = 10, 2, 1
		}, nil)
		e.ch.delay = 5 * time.Millisecond
		e.followers(150)
		_, ordinary := e.publish(general("Timetable change"))
		e.waitStatus(ordinary.ID, models.BroadcastSending, 10*time.Second)
		e.waitSent(20, 20*time.Second)
		_, urgent := e.publish(models.NoticeInput{Kind: models.NoticeSafety, TitleEn: "Typhoon signal 8", BodyEn: "Stay indoors.",
			CapCategory: "Met", CapEvent: "Typhoon", Urgency: "Immediate", Severity: "Severe", Certainty: "Observed", AreaDesc: "Whole city"})
		if urgent.Priority != models.PriorityEmergency {
			t.Fatalf("severe safety notice priority = %d", urgent.Priority)
		}
		u := e.waitStatus(urgent.ID, models.BroadcastDone, 20*time.Second)
		o := e.broadcast(ordinary.ID)
		if o.Status == models.BroadcastDone {
			t.Fatalf("the ordinary broadcast finished before the emergency one (%+v)", o)
		}
		if o.Remaining() < 30 {
			t.Fatalf("ordinary broadcast kept sending during the emergency: %d left", o.Remaining())
		}
		o = e.waitStatus(ordinary.ID, models.BroadcastDone, 30*time.Second)
		if !o.FinishedAt.After(*u.FinishedAt) || u.Sent != 150 || o.Sent != 150 {
			t.Fatalf("urgent %+v, ordinary %+v", u, o)
		}
	})
}

func TestLifecycleSendsUpdatesAndTheEnd(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		e := start(t, dbURL, nil, nil)
		fs := e.followers(3)
		in := general("Bridge closed")
		n, b := e.publish(in)
		e.waitStatus(b.ID, models.BroadcastDone, 20*time.Second)
		in.BodyEn = "Bridge closed until 18:00."
		n, up, err := e.app.Store.UpdateNotice(e.ctx, e.owner(), e.fx.Account, n.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if n.Status != models.NoticeUpdated || n.Revision != 2 || up.Kind != models.KindUpdate {
			t.Fatalf("after update: notice %s rev %d, broadcast %s", n.Status, n.Revision, up.Kind)
		}
		e.waitStatus(up.ID, models.BroadcastDone, 20*time.Second)
		n, end, err := e.app.Store.EndNotice(e.ctx, e.owner(), e.fx.Account, n.ID, models.EndAllClear)
		if err != nil {
			t.Fatal(err)
		}
		e.waitStatus(end.ID, models.BroadcastDone, 20*time.Second)
		if n.Status != models.NoticeCancelled || n.Ended != models.EndAllClear {
			t.Fatalf("ended notice = %s/%s", n.Status, n.Ended)
		}
		got := e.ch.received(fs[0].ID)
		if len(got) != 3 {
			t.Fatalf("follower got %d messages, want 3", len(got))
		}
		subjects := []string{got[0].Content.Subject, got[1].Content.Subject, got[2].Content.Subject}
		want := []string{"Bridge closed", "Update: Bridge closed", "All clear: Bridge closed"}
		if fmt.Sprint(subjects) != fmt.Sprint(want) {
			t.Fatalf("subjects = %q, want %q", subjects, want)
		}
		// An ended notice takes no more updates.
		if _, _, err := e.app.Store.UpdateNotice(e.ctx, e.owner(), e.fx.Account, n.ID, in); err == nil {
			t.Fatal("updated an ended notice")
		}
		// Viewers cannot publish.
		d, err := e.app.Store.CreateNotice(e.ctx, e.fx.Member(models.RoleEditor), e.fx.Account, general("Draft"))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.app.Store.PublishNotice(e.ctx, e.fx.Member(models.RoleViewer), e.fx.Account, d.ID, general("Draft")); err != models.ErrForbidden {
			t.Fatalf("viewer publish: %v", err)
		}
		var audits int64
		e.app.Store.DB().Raw(`SELECT COUNT(*) FROM audit_log WHERE action LIKE 'notice.%'`).Scan(&audits)
		if audits != 5 {
			t.Fatalf("audit entries = %d, want 5 (create, publish, update, all-clear, and the draft's create)", audits)
		}
	})
}

func TestScheduledNoticePublishesItselfAndExpires(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		e := start(t, dbURL, nil, nil)
		e.followers(5)
		in := general("Scheduled")
		// Times are kept to the second, as staff enter them to the minute.
		at := time.Now().Add(1500 * time.Millisecond)
		in.PublishAt = &at
		n, err := e.app.Store.CreateNotice(e.ctx, e.owner(), e.fx.Account, in)
		if err != nil {
			t.Fatal(err)
		}
		n, b, err := e.app.Store.PublishNotice(e.ctx, e.owner(), e.fx.Account, n.ID, in)
		if err != nil || b != nil || n.Status != models.NoticeScheduled {
			t.Fatalf("schedule: %v, broadcast %v, status %s", err, b, n.Status)
		}
		if e.ch.count() != 0 {
			t.Fatal("sent before its time")
		}
		deadline := time.Now().Add(10 * time.Second)
		var bs []models.Broadcast
		if !apptest.Eventually(time.Until(deadline), func() bool {
			if bs, err = e.app.BroadcastService.ForNotice(e.ctx, n.ID); err != nil {
				t.Fatal(err)
			}
			return len(bs) > 0 && bs[0].Status == models.BroadcastDone
		}) {
			t.Fatalf("scheduled notice not delivered: %+v", bs)
		}
		if bs[0].Sent != 5 || e.ch.count() != 5 {
			t.Fatalf("scheduled broadcast = %+v", bs[0])
		}
		// Expiry: the leader's periodic job moves it on once its time has passed.
		if err := e.app.Store.DB().Exec(`UPDATE notices SET expires_at = ? WHERE id = ?`, time.Now().UTC().Add(-time.Second), n.ID).Error; err != nil {
			t.Fatal(err)
		}
		var got models.Notice
		if !apptest.Eventually(time.Until(deadline), func() bool {
			got = models.Notice{}
			e.app.Store.DB().First(&got, n.ID)
			return got.Status == models.NoticeExpired
		}) {
			t.Fatalf("notice still %s after its expiry", got.Status)
		}
	})
}

func TestTwoInstancesShareTheWorkWithoutDoubleSending(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		e := start(t, dbURL, func(o *app.Options) { o.Broadcast.BatchSize = 20 }, nil)
		second := newRecorder("webhook")
		apptest.StartOptions(t, dbURL, nil, func(o *app.Options) {
			o.Channels = []broadcast.Channel{second}
			o.Broadcast.BatchSize = 20
		}).StartWorkers(t)
		e.ch.delay, second.delay = time.Millisecond, time.Millisecond
		fs := e.followers(400)
		_, b := e.publish(general("Shared"))
		b = e.waitStatus(b.ID, models.BroadcastDone, 30*time.Second)
		if b.Sent != 400 {
			t.Fatalf("broadcast = %+v", b)
		}
		if e.ch.count() == 0 || second.count() == 0 {
			t.Logf("one instance did all the work: %d and %d", e.ch.count(), second.count())
		}
		for _, f := range fs {
			if n := len(e.ch.received(f.ID)) + len(second.received(f.ID)); n != 1 {
				t.Fatalf("follower %d got %d messages", f.ID, n)
			}
		}
	})
}

func TestCancelLeavesNothingWaiting(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		e := start(t, dbURL, func(o *app.Options) {
			o.Broadcast.BatchSize, o.Broadcast.Concurrency, o.Broadcast.Workers = 10, 1, 1
			o.Broadcast.Backoff, o.Broadcast.MaxBackoff = time.Hour, time.Hour
		}, nil)
		e.ch.delay = 20 * time.Millisecond
		// The gateway is down: every message comes back for a retry an
		// hour later.
		var tries atomic.Int64
		e.ch.setScript(func(*broadcast.Message) broadcast.Result {
			tries.Add(1)
			return broadcast.RetryResult("gateway down", 0)
		})
		e.followers(60)
		_, b := e.publish(general("Never arrives"))
		// A batch and more retried, the next in flight.
		if !apptest.EventuallyEvery(20*time.Second, 5*time.Millisecond, func() bool { return tries.Load() >= 15 }) {
			t.Fatalf("%d messages tried", tries.Load())
		}
		if _, err := e.app.BroadcastService.Cancel(e.ctx, e.owner(), e.fx.Account, b.ID); err != nil {
			t.Fatal(err)
		}
		var ledger map[string]int64
		if !apptest.Eventually(5*time.Second, func() bool {
			ledger = e.checkLedger(b.ID)
			return ledger["queued"] == 0 && ledger["sending"] == 0
		}) {
			t.Fatalf("deliveries still waiting in a cancelled broadcast: %v", ledger)
		}
		if got := e.broadcast(b.ID); got.Remaining() != 0 || got.Skipped != 60 || got.Status != models.BroadcastCancelled {
			t.Fatalf("cancelled broadcast: %+v", got)
		}
	})
}
