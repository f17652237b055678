package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/models"
)

// TestFollowerPagesStayInTheOrganization proves that no one outside the
// organization reaches a follower, by any URL: another organization's
// owner gets 404 through either organization, staff get 404 for a follower
// of another account, and anonymous visitors are sent to sign in.
func TestFollowerPagesStayInTheOrganization(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := newFollowerWorld(t, dbURL)
		alice := w.ids["alice@example.org"]
		paths := func(base string, id int64) []string {
			one := fmt.Sprintf("%s/%d", base, id)
			return []string{base, base + "/export.csv", one, one + "/export.json", one + "/erase",
				"POST " + base + "/bulk", "POST " + one + "/tags", "POST " + one + "/block", "POST " + one + "/erase"}
		}
		do := func(c *apptest.Client, p string) *apptest.Response {
			if strings.HasPrefix(p, "POST ") {
				return c.Post(strings.TrimPrefix(p, "POST "), url.Values{"ids": {fmt.Sprint(alice)}, "action": {"block"}, "blocked": {"1"}, "tags": {"x"}})
			}
			return c.Get(p)
		}
		outsider := w.a.Client(t)
		outsider.Login(w.f.Outside.Email, apptest.Password)
		ownOrg := fmt.Sprintf("/studio/orgs/%d/accounts/metro/followers", w.f.Other.ID)
		for _, p := range append(paths(w.base, alice), paths(ownOrg, alice)...) {
			if res := do(outsider, p); res.Status != http.StatusNotFound || strings.Contains(res.Body, "alice@example.org") {
				t.Errorf("%s as another organization's owner: %s; want 404", p, res)
			}
		}
		// Their own account's follower, through their own organization,
		// is theirs to see.
		theirs := fmt.Sprintf("/studio/orgs/%d/accounts/othertown/followers", w.f.Other.ID)
		if res := outsider.Get(theirs); res.Status != http.StatusOK || !strings.Contains(res.Body, "outsider@example.org") || strings.Contains(res.Body, "alice@example.org") {
			t.Fatalf("the outsider's own list: %s", res)
		}
		owner := w.client(t, models.RoleOwner)
		for _, fid := range []int64{w.busesAlice, w.otherID} {
			for _, p := range paths(w.base, fid)[2:] {
				if strings.HasPrefix(p, "POST "+w.base+"/bulk") {
					continue
				}
				if res := do(owner, p); res.Status != http.StatusNotFound {
					t.Errorf("%s (another account's follower) as owner: %s; want 404", p, res)
				}
			}
		}
		if res := owner.Get(fmt.Sprintf("/studio/orgs/%d/accounts/othertown/followers", w.f.Org.ID)); res.Status != http.StatusNotFound {
			t.Errorf("another organization's account through mine: %s", res)
		}
		anon := w.a.Client(t)
		for _, p := range paths(w.base, alice) {
			res := do(anon, p)
			if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/login") {
				t.Errorf("%s as anonymous: %s; want a redirect to sign in", p, res)
			}
		}
		if st := w.follower(t, alice).Status; st != models.StatusActive {
			t.Fatalf("a refused request changed alice: %s", st)
		}
	})
}

func TestFollowerPagesInChinese(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := newFollowerWorld(t, dbURL)
		owner := w.client(t, models.RoleOwner)
		owner.Get("/lang/zh?next=/")
		chen := fmt.Sprintf("%s/%d", w.base, w.ids["chen@example.cn"])
		for _, p := range []string{w.base, w.base + "?tag=nobody", chen, chen + "/erase"} {
			res := owner.Get(p)
			if res.Status != http.StatusOK || !strings.Contains(res.Body, `lang="zh-Hans"`) {
				t.Fatalf("GET %s: %s", p, res)
			}
			main := res.Body[strings.Index(res.Body, "<main"):]
			if m := regexp.MustCompile(`\b(followers|flash|chart|audit)\.[a-z_]+`).FindString(main); m != "" {
				t.Fatalf("GET %s shows the untranslated key %q", p, m)
			}
		}
		if res := owner.Get(w.base); !strings.Contains(res.Body, "关注者") || !strings.Contains(res.Body, "陈小明") {
			t.Fatalf("the list is not in Chinese:\n%s", res)
		}
	})
}

func TestFollowerEmptyState(t *testing.T) {
	a := apptest.Start(t, apptest.SQLiteURL(t))
	f := apptest.Seed(t, a)
	c := a.Client(t)
	c.Login(f.ByRole[models.RoleViewer].Email, apptest.Password)
	res := c.Get(fmt.Sprintf("/studio/orgs/%d/accounts/metro/followers", f.Org.ID))
	for _, want := range []string{"No one follows this account yet.", "/accounts/metro/codes", "/@metro/follow", "An editor or owner can import"} {
		if !strings.Contains(res.Body, want) {
			t.Fatalf("the empty list lacks %q:\n%s", want, res)
		}
	}
	if strings.Contains(res.Body, `action="/studio/orgs/`+fmt.Sprint(f.Org.ID)+`/accounts/metro/followers/bulk`) {
		t.Fatalf("a viewer is offered bulk actions")
	}
}

// TestFollowerCatalog checks that every string of this area has a Chinese
// translation of its own.
func TestFollowerCatalog(t *testing.T) {
	n := 0
	for _, k := range i18n.Keys() {
		if strings.HasPrefix(k, "followers.") || strings.HasPrefix(k, "flash.follower") || strings.HasPrefix(k, "audit.follower") {
			n++
			en, zh := i18n.T(i18n.EN, k), i18n.T(i18n.ZHHans, k)
			if en == "" || zh == "" || en == zh {
				t.Errorf("%s: en %q, zh %q", k, en, zh)
			}
		}
	}
	if n < 50 {
		t.Fatalf("only %d follower strings found", n)
	}
}

func TestGrowthDaily(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		now := time.Now().UTC()
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
		ev := func(at time.Time, kind string) {
			if err := a.DB.Gorm.Create(&models.FollowEvent{AccountID: f.Account.ID, Channel: "email", Kind: kind, CreatedAt: at}).Error; err != nil {
				t.Fatal(err)
			}
		}
		ev(today.Add(-10*24*time.Hour+time.Minute), "follow") // outside a 7-day window
		ev(today.Add(-6*24*time.Hour), "follow")              // first day of the window
		ev(today.Add(-5*24*time.Hour-time.Second), "follow")  // the last second of that day
		ev(today.Add(-3*24*time.Hour+12*time.Hour), "unfollow")
		ev(today.Add(-3*24*time.Hour+12*time.Hour+500*time.Millisecond), "follow")
		ev(today.Add(time.Millisecond), "follow")
		days, err := a.Followers.GrowthDaily(context.Background(), f.Member(models.RoleViewer), f.Account, 7)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range days {
			got = append(got, fmt.Sprintf("%s:%d/%d", d.Day.Format("01-02"), d.Follows, d.Unfollows))
		}
		var want []string
		for i, c := range []string{"2/0", "0/0", "0/0", "1/1", "0/0", "0/0", "1/0"} {
			want = append(want, today.AddDate(0, 0, i-6).Format("01-02")+":"+c)
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("growth = %v; want %v", got, want)
		}
		if _, err := a.Followers.GrowthDaily(context.Background(), &models.Member{User: f.Outside, Org: f.Other, Role: models.RoleOwner}, f.Account, 7); err == nil {
			t.Fatal("another organization read the growth")
		}
	})
}
