package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

func TestDigestChoice(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		fol, err := a.Followers.SeedFollower(ctx, f.Account.ID, models.ChannelEmail, "dee@example.org", "", "en", nil, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		c := a.Client(t)
		prefs := path(a.Links.Preferences(fol.ID))
		page := c.Get(prefs)
		if page.Status != http.StatusOK || !strings.Contains(page.Body, `value="weekly"`) || !strings.Contains(page.Body, "always arrive at once") {
			t.Fatalf("preferences page: %s", page)
		}
		for _, tt := range []struct {
			digest string
			status int
			want   string
		}{
			{"weekly", 303, "weekly"},
			{"daily", 303, "daily"},
			{"hourly", 400, "daily"},
			{"immediate", 303, "immediate"},
		} {
			r := c.Post(prefs, url.Values{"language": {"en"}, "digest": {tt.digest}})
			if r.Status != tt.status {
				t.Fatalf("digest %s: %s", tt.digest, r)
			}
			got, _ := a.Followers.FollowerByID(ctx, fol.ID)
			if got.Digest != tt.want {
				t.Fatalf("after %s: digest %q, want %q", tt.digest, got.Digest, tt.want)
			}
		}
		// Followers on other channels are not offered digests.
		hook, _ := a.Followers.SeedFollower(ctx, f.Account.ID, models.ChannelWebhook, "+100", "", "en", nil, 0, "")
		if page := c.Get(path(a.Links.Preferences(hook.ID))); strings.Contains(page.Body, `name="digest"`) {
			t.Fatal("a webhook follower was offered a digest")
		}
	})
}
