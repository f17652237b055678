package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/follower"
)

func path(u string) string { return strings.TrimPrefix(u, "http://plaza.test") }

func TestPreferences(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		editor := f.Member(models.RoleEditor)
		if err := a.Accounts.UpdateAccount(ctx, editor, f.Account, models.AccountInput{
			Name: "Metro", Category: "transit", Languages: []string{"en", "zh"}, Topics: "line-12, Line-7 ,district-north",
		}); err != nil {
			t.Fatal(err)
		}
		if f.Account.Topics != "district-north,line-12,line-7" {
			t.Fatalf("topics stored as %q", f.Account.Topics)
		}
		fol, err := a.Followers.RequestFollow(ctx, follower.FollowRequest{AccountID: f.Account.ID, Channel: models.ChannelEmail,
			Address: "pat@example.org", Topics: []string{"line-12", "not-offered"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Followers.ConfirmFollow(ctx, fol.ID); err != nil {
			t.Fatal(err)
		}
		got, _ := a.Followers.FollowerByID(ctx, fol.ID)
		if strings.Join(got.Tags, ",") != "line-12" {
			t.Fatalf("tags after follow = %v; only offered topics may be chosen", got.Tags)
		}
		// Staff tags that are not topics survive the follower's own changes.
		a.DB.Gorm.Exec("INSERT INTO follower_tags (follower_id, tag) VALUES (?, 'donor')", fol.ID)

		c := a.Client(t)
		prefs := path(a.Links.Preferences(fol.ID))
		page := c.Get(prefs)
		if page.Status != http.StatusOK || !strings.Contains(page.Body, "pat@example.org") || !strings.Contains(page.Body, `value="line-7"`) {
			t.Fatalf("preferences page: %s", page)
		}
		res := c.Post(prefs, url.Values{"language": {"zh"}, "topics": {"line-7", "district-north", "made-up"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("save preferences: %s", res)
		}
		got, _ = a.Followers.FollowerByID(ctx, fol.ID)
		// "zh", as pages from before language tags post it, is Simplified
		// Chinese (stored as its tag since migration 00019).
		if got.Language != "zh-Hans" || strings.Join(got.Tags, ",") != "district-north,donor,line-7" {
			t.Fatalf("after saving: language %q tags %v", got.Language, got.Tags)
		}
		// The page carries no form token (its reader is not signed in):
		// the cross-origin check refuses a post from another site.
		if res := sendWith(t, a, c, "POST", prefs, strings.NewReader(url.Values{"language": {"en"}}.Encode()),
			map[string]string{"Sec-Fetch-Site": "cross-site"}); res.Status != http.StatusForbidden {
			t.Fatalf("preferences posted from another site: %s; want 403", res)
		}
		if res := c.Get(prefs[:len(prefs)-2] + "xx"); res.Status != http.StatusBadRequest {
			t.Fatalf("altered preferences link: %s; want 400", res)
		}
		// The unsubscribe link on the page asks first, then stops.
		unsub := path(a.Links.Unsubscribe(fol.ID))
		if res := c.Get(unsub); res.Status != http.StatusOK || !strings.Contains(res.Body, "Yes, stop all messages") {
			t.Fatalf("unsubscribe page: %s", res)
		}
		got, _ = a.Followers.FollowerByID(ctx, fol.ID)
		if got.Status != models.StatusActive {
			t.Fatal("opening the unsubscribe page must not unsubscribe (mail scanners open links)")
		}
		if res := c.PostRaw(unsub, nil); res.Status != http.StatusOK || !strings.Contains(res.Body, "You are unsubscribed") {
			t.Fatalf("unsubscribe: %s", res)
		}
	})
}

func TestFollowRequestRules(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		c := a.Client(t)
		follow := func(addr string) *apptest.Response {
			return c.Post("/@metro/follow", url.Values{"address": {addr}, "language": {"en"}})
		}
		count := func() (n int64) {
			a.DB.Gorm.Model(&models.Follower{}).Count(&n)
			return
		}
		jobs := func() (n int64) {
			a.DB.Gorm.Table("river_job").Where("kind = ?", "follower_mail").Count(&n)
			return
		}

		// Following twice is one follower, and an active follower asking
		// again gets the same page and no mail (the page reveals nothing).
		if res := follow("sam@example.org"); res.Status != http.StatusOK {
			t.Fatal(res)
		}
		var fol models.Follower
		a.DB.Gorm.Where("address = ?", "sam@example.org").First(&fol)
		if _, err := a.Followers.ConfirmFollow(ctx, fol.ID); err != nil {
			t.Fatal(err)
		}
		before := jobs()
		if res := follow("SAM@example.org"); res.Status != http.StatusOK || !strings.Contains(res.Body, "Check your inbox") {
			t.Fatalf("second follow: %s", res)
		}
		if count() != 1 || jobs() != before {
			t.Fatalf("followers %d, new jobs %d; want 1 follower and no new mail", count(), jobs()-before)
		}

		// Someone who unsubscribed can follow again, with a new confirmation.
		if _, err := a.Followers.Unsubscribe(ctx, fol.ID); err != nil {
			t.Fatal(err)
		}
		follow("sam@example.org")
		a.DB.Gorm.First(&fol, fol.ID)
		if fol.Status != models.StatusPending || jobs() != before+1 {
			t.Fatalf("re-follow: status %s, new jobs %d", fol.Status, jobs()-before)
		}

		// One address cannot be flooded with confirmation mail.
		var last *apptest.Response
		for range 6 {
			last = follow("victim@example.org")
		}
		if last.Status != http.StatusTooManyRequests || !strings.Contains(last.Body, "Too many follow requests") {
			t.Fatalf("6th request for one address: %s; want 429", last)
		}

		// A closed channel takes no one new.
		if err := a.Channels.SetChannel(ctx, f.Member(models.RoleEditor), f.Account, models.ChannelEmail, false); err != nil {
			t.Fatal(err)
		}
		if res := c.Get("/@metro/follow"); !strings.Contains(res.Body, "does not take new followers") {
			t.Fatalf("follow page with e-mail off: %s", res)
		}
		n := count()
		if res := follow("new@example.org"); res.Status != http.StatusUnprocessableEntity || count() != n {
			t.Fatalf("follow with e-mail off: %s (followers %d -> %d)", res, n, count())
		}
	})
}
