package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
	"github.com/plazahq/plaza/paths"
)

// A notice reaches browsers through the whole engine on both databases:
// each follower's push service gets a message only that browser can
// read, an expired subscription (410) ends its follow, and the update
// carries the same Topic and tag so it replaces the first notification.
func TestWebPushBroadcast(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		a.StartWorkers(t)
		key := vapidKey(t, a.Client(t))
		// Three browsers, each on a push service of its own that checks
		// the VAPID signature and decrypts with that browser's key; the
		// third's subscription has expired.
		browsers := []*fakePush{newFakePush(t, key), newFakePush(t, key), newFakePush(t, key)}
		browsers[2].then(http.StatusGone)
		ids := make([]int64, len(browsers))
		for i, b := range browsers {
			fl, err := a.Followers.SeedFollower(ctx, f.Account.ID, models.ChannelWebPush, b.address(), "", "en", nil, 0, "")
			if err != nil {
				t.Fatal(err)
			}
			ids[i] = fl.ID
		}
		live := browsers[:2]

		in := notice.Input{Kind: models.NoticeSafety, Translations: models.Texts("en", "title", "Typhoon signal 8",
			"body", "Stay indoors. Ferries are suspended until further notice."),
			CapCategory: "Met", CapEvent: "Typhoon", Urgency: "Immediate", Severity: "Severe", Certainty: "Observed", AreaDesc: "Harbour"}
		b := publishAndWait(t, a, f, in)
		if b.Sent != 2 || b.Failed != 1 {
			t.Fatalf("broadcast %+v", b)
		}
		var topic, tag string
		for _, p := range live {
			got, headers := p.take()
			if len(got) != 1 {
				t.Fatalf("push service got %+v", got)
			}
			pl, h := got[0], headers[0]
			if topic == "" {
				topic, tag = h.Get("Topic"), pl["tag"]
			}
			if pl["title"] == "" || !strings.Contains(pl["body"], "Stay indoors") || !strings.Contains(pl["url"], "/notices/") ||
				h.Get("Urgency") != "high" || h.Get("TTL") == "" || h.Get("Topic") == "" || h.Get("Topic") != topic || pl["tag"] != tag {
				t.Fatalf("push message %v, headers %v", pl, h)
			}
		}
		// The expired subscription's follow ended; the others go on.
		if n := countRows(t, a, "followers", "id = ? AND status = ?", ids[2], models.StatusActive); n != 0 {
			t.Fatal("a subscription the push service called gone still follows")
		}
		if n := countRows(t, a, "followers", "id IN (?, ?) AND status = ?", ids[0], ids[1], models.StatusActive); n != 2 {
			t.Fatalf("%d live subscriptions still follow", n)
		}

		// The failure is listed by the browser's push service, never by
		// its subscription's keys, for the owner and for a viewer.
		for _, role := range []models.Role{models.RoleOwner, models.RoleViewer} {
			c := a.Client(t)
			c.Login(f.ByRole[role].Email, apptest.Password)
			page := c.Get(paths.Broadcast(f.Org.ID, f.Account.Handle, b.ID))
			if page.Status != http.StatusOK || strings.Contains(page.Body, browsers[2].sub.Subscription.Auth) ||
				strings.Contains(page.Body, "p256dh") || !strings.Contains(page.Body, strings.TrimPrefix(browsers[2].srv.URL, "http://")) {
				t.Fatalf("broadcast page for the %s: %s", role, page)
			}
		}

		// The update replaces the notification: same Topic, same tag.
		boss := f.Member(models.RoleOwner)
		up := in
		up.Translations = models.Texts("en", "title", "Typhoon signal 8", "body", "Signal 8 stays up until 18:00.")
		if _, _, err := a.Notices.UpdateNotice(ctx, boss, f.Account, b.NoticeID, up); err != nil {
			t.Fatal(err)
		}
		if b := waitBroadcast(t, a, b.NoticeID); b.Kind != models.KindUpdate || b.Sent != 2 || b.Failed != 0 {
			t.Fatalf("update broadcast %+v", b)
		}
		for _, p := range live {
			got, headers := p.take()
			if len(got) != 1 || headers[0].Get("Topic") != topic || got[0]["tag"] != tag || !strings.Contains(got[0]["body"], "18:00") {
				t.Fatalf("update %v does not replace topic %q tag %q", got, topic, tag)
			}
		}
	})
}
