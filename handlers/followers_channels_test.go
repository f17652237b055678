package handlers_test

import (
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/paths"
)

// TestFollowerFilterOffersFollowedChannels: the follower list's channel
// filter offers every channel with followers of the account or set up
// for it, Web Push too once the account turns it on.
func TestFollowerFilterOffersFollowedChannels(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		fx := apptest.Seed(t, a)
		c := a.Client(t)
		key := vapidKey(t, c)
		list := paths.Followers(fx.Org.ID, fx.Account.Handle)
		staff := a.Client(t)
		staff.Login(fx.ByRole[models.RoleOwner].Email, apptest.Password)
		const option = `<option value="webpush">Browser notifications</option>`
		if r := staff.Get(list); r.Status != 200 || strings.Contains(r.Body, option) || !strings.Contains(r.Body, `<option value="email">`) {
			t.Fatalf("no push followers yet: %s", r)
		}
		enableWebPush(t, a, fx)
		push := newFakePush(t, key)
		if status, out := postJSON(t, c, a.URL, "/@metro/follow/webpush", map[string]any{"subscription": push.subscription(), "language": "en"}, true); status != 200 {
			t.Fatalf("subscribe: %d %v", status, out)
		}
		if r := staff.Get(list); r.Status != 200 || !strings.Contains(r.Body, option) {
			t.Fatalf("the filter does not offer Web Push: %s", r)
		}
		if r := staff.Get(list + "?channel=webpush"); r.Status != 200 || !strings.Contains(r.Body, `<option value="webpush" selected>`) ||
			!strings.Contains(r.Body, "Browser notifications · ") {
			t.Fatalf("filtered by Web Push: %s", r)
		}
	})
}
