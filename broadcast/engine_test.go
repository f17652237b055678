package broadcast_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
)

func TestEveryFollowerGetsTheNoticeOnceInTheirLanguage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		e := start(t, dbURL, func(o *app.Options) { o.Broadcast.BatchSize = 37 }, nil)
		fs := e.followers(150)
		// Someone who left before the notice is not in its audience.
		if _, err := e.app.Followers.Unsubscribe(e.ctx, fs[0].ID); err != nil {
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
			if f.Language == "zh-Hans" {
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
		if _, err := e.app.Followers.GenerateFollowers(e.ctx, e.fx.Account.ID, "webhook", "bulk", n); err != nil {
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
		// A job that died after writing some of the rows (the broadcast
		// still pending) writes the rest when it runs again, and counts
		// them all.
		db := e.app.Store.DB()
		if err := db.Exec(`DELETE FROM deliveries WHERE broadcast_id = ? AND follower_id % 2 = 0`, b.ID).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Exec(`UPDATE broadcasts SET status = 'pending', total = 0, sent = 0, finished_at = NULL, materialized_at = NULL WHERE id = ?`,
			b.ID).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Exec(`UPDATE deliveries SET status = 'sent' WHERE broadcast_id = ?`, b.ID).Error; err != nil {
			t.Fatal(err)
		}
		if err := e.app.Broadcasts.Materialize(e.ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		if count(); rows.N != n || rows.Followers != n || e.broadcast(b.ID).Total != n {
			t.Fatalf("after a job that died half way: %d rows, total %d", rows.N, e.broadcast(b.ID).Total)
		}
	})
}

func TestAudienceByTagsAndLanguageFallback(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		e := start(t, dbURL, nil, nil)
		fs := e.followers(30)
		in := notice.Input{Kind: models.NoticeTransit, Translations: models.Texts("en", "title", "Line 12 detour", "body", "Buses use **Main St**."),
			Routes: "12", Effect: "DETOUR", Tags: []string{"line-12"}}
		count, err := e.app.Notices.AudienceCount(e.ctx, e.owner(), e.fx.Account, notice.Audience{Tags: in.Tags})
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
		_, urgent := e.publish(notice.Input{Kind: models.NoticeSafety, Translations: models.Texts("en", "title", "Typhoon signal 8", "body", "Stay indoors."),
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
