package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/mailer/smtpsink"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/followcode"
	"github.com/plazahq/plaza/models/follower"
)

var linkRE = regexp.MustCompile(`http://plaza\.test(/f/[a-z]+/[A-Za-z0-9_-]+)`)

// links extracts the paths of Plaza's signed links from a message body, by
// kind (confirm, unsubscribe, preferences).
func links(t *testing.T, text string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range linkRE.FindAllStringSubmatch(text, -1) {
		kind := strings.Split(m[1], "/")[2]
		out[kind] = m[1]
	}
	return out
}

func startWithSink(t *testing.T, dbURL string) (*apptest.App, *smtpsink.Server) {
	t.Helper()
	sink, err := smtpsink.Start("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	a := apptest.StartWith(t, dbURL, func(c *config.Config) { c.SMTPURL = sink.URL() })
	return a, sink
}

func waitMail(t *testing.T, sink *smtpsink.Server, to, subject string) smtpsink.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	m, err := sink.WaitFor(ctx, func(m smtpsink.Message) bool {
		return len(m.To) == 1 && m.To[0] == to && strings.Contains(m.Subject, subject)
	})
	if err != nil {
		t.Fatalf("waiting for %q to %s: %v (got %d messages)", subject, to, err, len(sink.Messages()))
	}
	return m
}

// TestFollowRoundTrip walks the whole path against a real SMTP server:
// scan a code, follow by e-mail, confirm from the message, get the welcome
// message, then stop with the one-click link from its headers.
func TestFollowRoundTrip(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a, sink := startWithSink(t, dbURL)
		a.StartWorkers(t)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		code, err := a.FollowCodes.CreateFollowCode(ctx, f.Member(models.RoleEditor), f.Account, followcode.FollowCodeInput{Name: "Stop 1042", Scene: "stop-1042"})
		if err != nil {
			t.Fatal(err)
		}
		citizen := a.Client(t)
		page := citizen.Get("/q/" + code.Code)
		if page.Status != http.StatusOK || !strings.Contains(page.Body, `name="code" value="`+code.Code+`"`) {
			t.Fatalf("scan: %s", page)
		}
		res := citizen.Post("/@metro/follow", url.Values{"address": {"Rider@Example.org"}, "language": {"en"}, "code": {code.Code}})
		if res.Status != http.StatusOK || !strings.Contains(res.Body, "Check your inbox") {
			t.Fatalf("follow: %s", res)
		}
		var fl models.Follower
		if err := a.DB.Gorm.Where("address = ?", "rider@example.org").First(&fl).Error; err != nil {
			t.Fatal(err)
		}
		if fl.Status != models.StatusPending || fl.Scene != "stop-1042" || fl.CodeID == nil || *fl.CodeID != code.ID {
			t.Fatalf("follower after request = %+v; want pending from stop-1042", fl)
		}

		confirm := waitMail(t, sink, "rider@example.org", "Confirm")
		if confirm.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" ||
			!strings.HasPrefix(confirm.Header.Get("List-Unsubscribe"), "<http://plaza.test/f/unsubscribe/") {
			t.Fatalf("confirmation lacks RFC 8058 headers: %v", confirm.Header)
		}
		l := links(t, confirm.Text)
		if l["confirm"] == "" || l["unsubscribe"] == "" {
			t.Fatalf("confirmation lacks its links:\n%s", confirm.Text)
		}
		// Opening the link (as a mail scanner does) only asks.
		if res := citizen.Get(l["confirm"]); res.Status != http.StatusOK || !strings.Contains(res.Body, "Yes, follow") {
			t.Fatalf("confirm page: %s", res)
		}
		if err := a.DB.Gorm.First(&fl, fl.ID).Error; err != nil || fl.Status != models.StatusPending {
			t.Fatalf("opening the confirmation link changed the follower: %+v, %v", fl, err)
		}
		if res := citizen.Post(l["confirm"], nil); res.Status != http.StatusOK || !strings.Contains(res.Body, "You now follow") {
			t.Fatalf("confirm: %s", res)
		}
		// A second click changes nothing.
		if res := citizen.Post(l["confirm"], nil); res.Status != http.StatusOK {
			t.Fatalf("second confirm: %s", res)
		}
		if res := citizen.Get(l["confirm"]); res.Status != http.StatusOK || !strings.Contains(res.Body, "You now follow") {
			t.Fatalf("confirm page once confirmed: %s", res)
		}
		welcome := waitMail(t, sink, "rider@example.org", "You now follow")
		wl := links(t, welcome.Text)
		if wl["preferences"] == "" || wl["unsubscribe"] == "" {
			t.Fatalf("welcome lacks its links:\n%s", welcome.Text)
		}
		if err := a.DB.Gorm.First(&fl, fl.ID).Error; err != nil || fl.Status != models.StatusActive || fl.ConfirmedAt == nil {
			t.Fatalf("after confirm: %+v, %v", fl, err)
		}
		var follows int64
		a.DB.Gorm.Model(&models.FollowEvent{}).Where("code_id = ? AND kind = 'follow'", code.ID).Count(&follows)
		if follows != 1 {
			t.Fatalf("follows credited to the code = %d, want 1", follows)
		}

		// One-click unsubscribe as a mail provider does it: a POST with no
		// cookie and no CSRF token, to the URL from the header.
		unsub := strings.Trim(welcome.Header.Get("List-Unsubscribe"), "<>")
		req, _ := http.NewRequest(http.MethodPost, strings.Replace(unsub, "http://plaza.test", a.URL, 1), strings.NewReader("List-Unsubscribe=One-Click"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("one-click unsubscribe: status %d", resp.StatusCode)
		}
		if err := a.DB.Gorm.First(&fl, fl.ID).Error; err != nil || fl.Status != models.StatusUnsubscribed {
			t.Fatalf("after unsubscribe: %+v, %v", fl, err)
		}
		if res := citizen.Get(wl["unsubscribe"]); res.Status != http.StatusOK || !strings.Contains(res.Body, "You are unsubscribed") {
			t.Fatalf("unsubscribe page after unsubscribing: %s", res)
		}
		// An old confirmation link cannot bring the follower back.
		if res := citizen.Get(l["confirm"]); res.Status != http.StatusGone {
			t.Fatalf("confirm page after unsubscribe: %s; want 410", res)
		}
		if res := citizen.Post(l["confirm"], nil); res.Status != http.StatusGone {
			t.Fatalf("confirm after unsubscribe: %s; want 410", res)
		}
		var unfollows int64
		a.DB.Gorm.Model(&models.FollowEvent{}).Where("follower_id = ? AND kind = 'unfollow'", fl.ID).Count(&unfollows)
		if unfollows != 1 {
			t.Fatalf("unfollow events = %d, want 1", unfollows)
		}
	})
}

func TestFollowBadInput(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		apptest.Seed(t, a)
		c := a.Client(t)
		for _, addr := range []string{"", "not-an-address", "a@b", "two@@example.org", "spaces in@example.org", "<script>@x.org", strings.Repeat("a", 250) + "@example.org"} {
			res := c.Post("/@metro/follow", url.Values{"address": {addr}})
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Enter an e-mail address") {
				t.Fatalf("address %q: %s; want 422 with a message", addr, res)
			}
		}
		var n int64
		a.DB.Gorm.Model(&models.Follower{}).Count(&n)
		if n != 0 {
			t.Fatalf("%d followers created from bad input", n)
		}
		for _, path := range []string{"/f/unsubscribe/forged", "/f/confirm/" + strings.Repeat("A", 43), "/f/preferences/not*base64"} {
			if res := c.Get(path); res.Status != http.StatusBadRequest || !strings.Contains(res.Body, "This link does not work") {
				t.Fatalf("GET %s: %s; want 400 with an explanation", path, res)
			}
		}
		if res := c.Get("/q/nope"); res.Status != http.StatusNotFound || !strings.Contains(res.Body, "no longer active") {
			t.Fatalf("unknown code: %s", res)
		}
	})
}

func TestExpiredLinksAndCodes(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		fol, err := a.Followers.RequestFollow(ctx, follower.FollowRequest{AccountID: f.Account.ID, Channel: models.ChannelEmail, Address: "late@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		old := *a.Links
		old.Now = func() time.Time { return time.Now().Add(-500 * 24 * time.Hour) }
		c := a.Client(t)
		for _, path := range []string{
			strings.TrimPrefix(old.Unsubscribe(fol.ID), "http://plaza.test"),
			strings.TrimPrefix(old.Confirm(fol.ID), "http://plaza.test"),
		} {
			if res := c.Get(path); res.Status != http.StatusGone || !strings.Contains(res.Body, "This link has expired") {
				t.Fatalf("GET %s: %s; want 410 expired", path, res)
			}
		}
		if res := c.PostRaw(strings.TrimPrefix(old.Unsubscribe(fol.ID), "http://plaza.test"), url.Values{"List-Unsubscribe": {"One-Click"}}); res.Status != http.StatusGone {
			t.Fatalf("POST expired unsubscribe: %s", res)
		}
		got, _ := a.Followers.FollowerByID(ctx, fol.ID)
		if got.Status != models.StatusPending {
			t.Fatalf("an expired link changed the follower: %s", got.Status)
		}
		soon := time.Now().Add(time.Hour)
		code, err := a.FollowCodes.CreateFollowCode(ctx, f.Member(models.RoleOwner), f.Account, followcode.FollowCodeInput{Name: "Old poster", Scene: "poster-old", ExpiresAt: &soon})
		if err != nil {
			t.Fatal(err)
		}
		a.DB.Gorm.Model(code).Update("expires_at", time.Now().Add(-time.Minute))
		if res := c.Get("/q/" + code.Code); res.Status != http.StatusGone || !strings.Contains(res.Body, "no longer active") {
			t.Fatalf("expired code: %s", res)
		}
	})
}

// TestBouncedAddress: when the mail server refuses the address itself
// (550 at RCPT TO), the follower is marked bounced and never retried.
func TestBouncedAddress(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		sink, err := smtpsink.StartWith("127.0.0.1:0", smtpsink.Options{
			RejectRecipient: func(addr string) bool { return strings.HasPrefix(addr, "gone@") },
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sink.Close() })
		a := apptest.StartWith(t, dbURL, func(c *config.Config) { c.SMTPURL = sink.URL() })
		a.StartWorkers(t)
		apptest.Seed(t, a)
		c := a.Client(t)
		for _, addr := range []string{"gone@example.org", "here@example.org"} {
			if res := c.Post("/@metro/follow", url.Values{"address": {addr}}); res.Status != http.StatusOK {
				t.Fatal(res)
			}
		}
		waitMail(t, sink, "here@example.org", "Confirm")
		deadline := time.Now().Add(15 * time.Second)
		var fl models.Follower
		apptest.Eventually(time.Until(deadline), func() bool {
			a.DB.Gorm.Where("address = ?", "gone@example.org").First(&fl)
			return fl.Status == models.StatusBounced
		})
		if fl.Status != models.StatusBounced {
			t.Fatalf("refused address has status %q, want bounced", fl.Status)
		}
		// The refused message's job ends cancelled (River records job states
		// a moment after the work), never retryable.
		var cancelled, retryable int64
		apptest.Eventually(time.Until(deadline), func() bool {
			a.DB.Gorm.Table("river_job").Where("kind = 'follower_mail' AND state = 'cancelled'").Count(&cancelled)
			a.DB.Gorm.Table("river_job").Where("kind = 'follower_mail' AND state = 'retryable'").Count(&retryable)
			return cancelled == 1 || retryable > 0
		})
		if cancelled != 1 || retryable != 0 {
			t.Fatalf("mail jobs: %d cancelled, %d retryable; want the refused one cancelled and none retried", cancelled, retryable)
		}
	})
}
