package broadcast_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/models"
)

// Tests for a broadcast's life: cancelling, updates and the end, scheduling and expiry.

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

func TestLifecycleSendsUpdatesAndTheEnd(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		e := start(t, dbURL, nil, nil)
		fs := e.followers(3)
		in := general("Bridge closed")
		n, b := e.publish(in)
		e.waitStatus(b.ID, models.BroadcastDone, 20*time.Second)
		in.Translations.Set("en", "body", "Bridge closed until 18:00.")
		n, up, err := e.app.Notices.UpdateNotice(e.ctx, e.owner(), e.fx.Account, n.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if n.Status != models.NoticeUpdated || n.Revision != 2 || up.Kind != models.KindUpdate {
			t.Fatalf("after update: notice %s rev %d, broadcast %s", n.Status, n.Revision, up.Kind)
		}
		e.waitStatus(up.ID, models.BroadcastDone, 20*time.Second)
		n, end, err := e.app.Notices.EndNotice(e.ctx, e.owner(), e.fx.Account, n.ID, models.EndAllClear)
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
		if _, _, err := e.app.Notices.UpdateNotice(e.ctx, e.owner(), e.fx.Account, n.ID, in); err == nil {
			t.Fatal("updated an ended notice")
		}
		// Viewers cannot publish.
		d, err := e.app.Notices.CreateNotice(e.ctx, e.fx.Member(models.RoleEditor), e.fx.Account, general("Draft"))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.app.Notices.PublishNotice(e.ctx, e.fx.Member(models.RoleViewer), e.fx.Account, d.ID, general("Draft")); err != models.ErrForbidden {
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
		n, err := e.app.Notices.CreateNotice(e.ctx, e.owner(), e.fx.Account, in)
		if err != nil {
			t.Fatal(err)
		}
		n, b, err := e.app.Notices.PublishNotice(e.ctx, e.owner(), e.fx.Account, n.ID, in)
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
