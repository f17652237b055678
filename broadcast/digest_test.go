package broadcast_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/jobs"
	"github.com/plazahq/plaza/mailer/smtpsink"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
)

// TestDigestHoldsOrdinaryNoticesButNotEmergencies runs the real e-mail
// channel against a real SMTP server.
func TestDigestHoldsOrdinaryNoticesButNotEmergencies(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		sink, err := smtpsink.Start("127.0.0.1:0", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer sink.Close()
		a := apptest.StartWith(t, dbURL, func(c *config.Config) { c.SMTPURL = sink.URL() })
		a.StartWorkers(t)
		fx := apptest.Seed(t, a)
		ctx := context.Background()
		digest, err := a.Followers.SeedFollower(ctx, fx.Account.ID, "email", "digest@example.org", "", "zh-Hans", nil, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		_, err = a.Followers.SeedFollower(ctx, fx.Account.ID, "email", "now@example.org", "", "en", nil, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Followers.SetDigest(ctx, digest.ID, models.DigestDaily); err != nil {
			t.Fatal(err)
		}
		if err := a.Followers.SetDigest(ctx, digest.ID, "hourly"); err == nil {
			t.Fatal("accepted an hourly digest")
		}
		e := &env{t: t, app: a, fx: fx, ctx: ctx}
		var held []*models.Broadcast
		for _, title := range []string{"Library hours", "Park works"} {
			_, b := e.publish(general(title))
			b = e.waitStatus(b.ID, models.BroadcastDone, 20*time.Second)
			if b.Sent != 1 || b.Held != 1 {
				t.Fatalf("broadcast %+v, want 1 sent and 1 held", b)
			}
			held = append(held, b)
		}
		waitMail := func(to, subject string) smtpsink.Message {
			t.Helper()
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			m, err := sink.WaitFor(wctx, func(m smtpsink.Message) bool { return m.To[0] == to && strings.Contains(m.Subject, subject) })
			if err != nil {
				t.Fatalf("no mail to %s about %q: %v (have %d)", to, subject, err, len(sink.Messages()))
			}
			return m
		}
		waitMail("now@example.org", "Park works")
		// A safety notice of severity Severe goes to digest readers at once.
		_, urgent := e.publish(notice.Input{Kind: models.NoticeSafety, Translations: models.Texts("en", "title", "Flood warning", "body", "Move to higher ground."),
			CapCategory: "Met", CapEvent: "Flood", Urgency: "Immediate", Severity: "Severe", Certainty: "Likely"})
		if u := e.waitStatus(urgent.ID, models.BroadcastDone, 20*time.Second); u.Sent != 2 || u.Held != 0 {
			t.Fatalf("emergency broadcast %+v", u)
		}
		waitMail("digest@example.org", "Flood warning")
		for _, m := range sink.Messages() {
			if m.To[0] == "digest@example.org" && !strings.Contains(m.Subject, "Flood") {
				t.Fatalf("digest reader got %q before the digest was due", m.Subject)
			}
		}
		// A day later the digest gathers both held notices.
		if err := a.Store.DB().Exec(`UPDATE followers SET digest_sent_at = ? WHERE id = ?`, time.Now().UTC().Add(-25*time.Hour), digest.ID).Error; err != nil {
			t.Fatal(err)
		}
		m := waitMail("digest@example.org", "每日摘要")
		if !strings.Contains(m.Subject, "2 条通知") || !strings.Contains(m.Text, "中文：Library hours") || !strings.Contains(m.Text, "中文：Park works") {
			t.Fatalf("digest %q:\n%s", m.Subject, m.Text)
		}
		for _, b := range held {
			var got *models.Broadcast
			if !apptest.Eventually(5*time.Second, func() bool { got = e.broadcast(b.ID); return got.Held == 0 && got.Sent == 2 }) {
				t.Fatalf("after the digest: %+v", got)
			}
			e.checkLedger(b.ID)
		}
		// The digest scan runs again, and any digest it queued has run.
		apptest.WaitForLaterJob(t, a.Store.DB(), jobs.ScanDigests{}.Kind(), 20*time.Second)
		apptest.WaitForJobsDone(t, a.Store.DB(), jobs.Digest{}.Kind(), 20*time.Second)
		n := 0
		for _, m := range sink.Messages() {
			if strings.Contains(m.Subject, "摘要") {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d digests sent, want 1", n)
		}
	})
}

// frozenClock is the broadcast engine's clock. Frozen, it refills no
// rate-limit bucket, so a drained bucket stays drained.
type frozenClock struct{ at atomic.Pointer[time.Time] }

func (c *frozenClock) Now() time.Time {
	if t := c.at.Load(); t != nil {
		return *t
	}
	return time.Now().UTC()
}

// TestDigestsWaitForTheChannelRateLimit: digests are messages like any
// other, so they draw on the e-mail channel's bucket. With the bucket
// empty, due digests are put back (snoozed) instead of sent; once it
// refills they go out, one each.
func TestDigestsWaitForTheChannelRateLimit(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		sink, err := smtpsink.Start("127.0.0.1:0", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer sink.Close()
		clock := &frozenClock{}
		a := apptest.StartOptions(t, dbURL, func(c *config.Config) {
			c.SMTPURL = sink.URL()
			c.ChannelRates = map[string]float64{models.ChannelEmail: 1}
		}, func(o *app.Options) { o.Broadcast.Now = clock.Now })
		a.StartWorkers(t)
		fx := apptest.Seed(t, a)
		ctx := context.Background()
		e := &env{t: t, app: a, fx: fx, ctx: ctx}
		var readers []int64
		for i := range 3 {
			f, err := a.Followers.SeedFollower(ctx, fx.Account.ID, "email", fmt.Sprintf("digest%d@example.org", i), "", "en", nil, 0, "")
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Followers.SetDigest(ctx, f.ID, models.DigestDaily); err != nil {
				t.Fatal(err)
			}
			readers = append(readers, f.ID)
		}
		_, b := e.publish(general("Library hours"))
		if b = e.waitStatus(b.ID, models.BroadcastDone, 20*time.Second); b.Held != 3 {
			t.Fatalf("broadcast %+v, want 3 held", b)
		}
		snoozed, cancel := a.Jobs.Subscribe(river.EventKindJobSnoozed)
		defer cancel()

		// The e-mail bucket is empty and stays so; the digests fall due.
		now := time.Now().UTC()
		clock.at.Store(&now)
		if err := a.Store.DB().Exec(`INSERT INTO send_buckets (key, tokens, updated_at) VALUES ('channel:email', 0, ?)
			ON CONFLICT (key) DO UPDATE SET tokens = 0, updated_at = excluded.updated_at`, now).Error; err != nil {
			t.Fatal(err)
		}
		if err := a.Store.DB().Exec(`UPDATE followers SET digest_sent_at = ? WHERE id IN ?`, now.Add(-25*time.Hour), readers).Error; err != nil {
			t.Fatal(err)
		}
		waiting := map[int64]bool{}
		deadline := time.After(20 * time.Second)
		for len(waiting) < len(readers) {
			select {
			case ev := <-snoozed:
				if ev.Job.Kind == "digest" {
					waiting[ev.Job.ID] = true
				}
			case <-deadline:
				t.Fatalf("%d of %d digest jobs waited for the rate limit", len(waiting), len(readers))
			}
		}
		digests := func() map[string]int {
			got := map[string]int{}
			for _, m := range sink.Messages() {
				if strings.Contains(m.Subject, "digest") {
					got[m.To[0]]++
				}
			}
			return got
		}
		if got := digests(); len(got) != 0 {
			t.Fatalf("digests sent with the bucket empty: %v", got)
		}
		if got := e.broadcast(b.ID); got.Held != 3 {
			t.Fatalf("held deliveries moved with the bucket empty: %+v", got)
		}

		// Time moves again: one token a second, one digest each.
		clock.at.Store(nil)
		if !apptest.Eventually(30*time.Second, func() bool { return len(digests()) >= len(readers) }) {
			t.Fatalf("digests after the bucket refilled: %v", digests())
		}
		for to, n := range digests() {
			if n != 1 {
				t.Fatalf("%s got %d digests", to, n)
			}
		}
		apptest.WaitFor(t, 10*time.Second, "the held deliveries recorded as sent", func() bool {
			got := e.broadcast(b.ID)
			return got.Held == 0 && got.Sent == 3
		})
		e.checkLedger(b.ID)
	})
}
