package handlers_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

// followerRoutes are the authorization matrix rows of this area's studio routes; it
// may create the data its routes need through a.Store.
func followerRoutes(t testing.TB, a *apptest.App, f *apptest.Fixtures) []route {
	ctx := context.Background()
	seed := func(addr string) int64 {
		fl, err := a.Followers.SeedFollower(ctx, f.Account.ID, models.ChannelEmail, addr, "Matrix", "en", []string{"line-1"}, 0, "")
		if err != nil {
			t.Fatalf("seed follower %s: %v", addr, err)
		}
		return fl.ID
	}
	kept, erased := seed("matrix@example.org"), seed("erase-me@example.org")
	base := fmt.Sprintf("/studio/orgs/%d/accounts/metro/followers", f.Org.ID)
	one := fmt.Sprintf("%s/%d", base, kept)
	gone := fmt.Sprintf("%s/%d", base, erased)
	all := []visitor{owner, editor, moderator, viewer}
	managers := []visitor{owner, editor, moderator}
	owners := []visitor{owner}
	id := fmt.Sprint(kept)
	return []route{
		{"GET", base, nil, all, 200},
		{"GET", base + "?status=active&tag=line-1&q=matrix&from=2020-01-01", nil, all, 200},
		// Adding a tag twice changes nothing the second time.
		{"POST", base + "/bulk", url.Values{"ids": {id}, "action": {"add_tag"}, "tag": {"vip"}}, managers, 303},
		{"POST", base + "/bulk", url.Values{"ids": {id}, "action": {"delete_everything"}}, managers, 422},
		{"GET", base + "/export.csv", nil, rolesWith(models.PermContacts), 200},
		{"GET", one, nil, all, 200},
		{"POST", one + "/tags", url.Values{"tags": {"vip, line-1"}}, managers, 303},
		{"POST", one + "/block", url.Values{"blocked": {"1"}}, managers, 303},
		{"GET", one + "/export.json", nil, owners, 200},
		{"GET", gone + "/erase", nil, owners, 200},
		// Only the owner is allowed, so the follower is erased once.
		{"POST", gone + "/erase", nil, owners, 303},
	}
}
