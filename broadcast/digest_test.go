package broadcast_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/mailer/smtpsink"
	"github.com/plazahq/plaza/models"
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
		fx := apptest.Seed(t, a)
		ctx := context.Background()
		digest, err := a.Store.SeedFollower(ctx, fx.Account.ID, "email", "digest@example.org", "", "zh", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = a.Store.SeedFollower(ctx, fx.Account.ID, "email", "now@example.org", "", "en", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Store.SetDigest(ctx, digest.ID, models.DigestDaily); err != nil {
			t.Fatal(err)
		}
		if err := a.Store.SetDigest(ctx, digest.ID, "hourly"); err == nil {
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
		_, urgent := e.publish(models.NoticeInput{Kind: models.NoticeSafety, TitleEn: "Flood warning", BodyEn: "Move to higher ground.",
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
			deadline := time.Now().Add(5 * time.Second)
			for {
				got := e.broadcast(b.ID)
				if got.Held == 0 && got.Sent == 2 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("after the digest: %+v", got)
				}
				time.Sleep(20 * time.Millisecond)
			}
			e.checkLedger(b.ID)
		}
		time.Sleep(300 * time.Millisecond)
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
