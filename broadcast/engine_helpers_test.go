package broadcast_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
)

// The recording channel and the engine environment the engine tests share.

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

// followers seeds n active webhook followers; every third reads
// Simplified Chinese and every second has the tag line-12.
func (e *env) followers(n int) []*models.Follower {
	e.t.Helper()
	var out []*models.Follower
	for i := range n {
		lang := "en"
		if i%3 == 2 {
			lang = "zh-Hans"
		}
		var tags []string
		if i%2 == 0 {
			tags = []string{"line-12"}
		}
		f, err := e.app.Followers.SeedFollower(e.ctx, e.fx.Account.ID, "webhook", fmt.Sprintf("+8613800%05d", i), "", lang, tags, 0, "")
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, f)
	}
	return out
}

func (e *env) publish(in notice.Input) (*models.Notice, *models.Broadcast) {
	e.t.Helper()
	n, err := e.app.Notices.CreateNotice(e.ctx, e.owner(), e.fx.Account, in)
	if err != nil {
		e.t.Fatalf("create notice: %v", err)
	}
	n, b, err := e.app.Notices.PublishNotice(e.ctx, e.owner(), e.fx.Account, n.ID, in)
	if err != nil {
		e.t.Fatalf("publish notice: %v", err)
	}
	return n, b
}

func general(title string) notice.Input {
	return notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", title, "body", "Body of "+title).With("zh-Hans", "title", "中文："+title, "body", "正文："+title)}
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
		if err := e.app.Store.DB().Raw(`SELECT COUNT(*) FROM delivery_claims WHERE broadcast_id = ?`, id).
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
