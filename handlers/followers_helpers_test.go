package handlers_test

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/followcode"
)

// The follower world the follower tests share, and its helpers.

// followerWorld is the account "metro" with followers that differ in
// every filtered field, plus followers of a second account of the same
// organization and of another organization's account, which must never
// show up or be touched through metro's pages.
type followerWorld struct {
	a     *apptest.App
	f     *apptest.Fixtures
	ids   map[string]int64 // metro's followers by address
	buses *models.Account  // same organization
	other *models.Account  // another organization
	// busesAlice and otherID are followers of the other two accounts.
	busesAlice, otherID int64
	base                string // metro's follower list
}

type seedFollower struct {
	addr, name, channel, status string
	tags                        []string
	scene                       string
	created                     time.Time
}

func flDay(s string) time.Time {
	d, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return d
}

var metroFollowers = []seedFollower{
	{"alice@example.org", "Alice", "email", "active", []string{"line-1", "north"}, "stop-1", flDay("2025-01-10 08:00")},
	{"bob@example.org", "Bob", "email", "unsubscribed", []string{"line-1"}, "", flDay("2025-01-20 12:00")},
	{"chen@example.cn", "陈小明", "email", "active", []string{"south"}, "poster-9", flDay("2025-02-01 23:59")},
	{"12345", "Dana", "telegram", "pending", []string{"north"}, "stop-1", flDay("2025-02-15 00:00")},
	{"eve@example.org", `=HYPERLINK("http://evil.test","click")`, "email", "blocked", nil, "", flDay("2025-03-01 10:00")},
	{"100%_real@example.org", "+Frank", "email", "active", nil, "", flDay("2025-03-05 10:00")},
}

func newFollowerWorld(t *testing.T, dbURL string) *followerWorld {
	t.Helper()
	a := apptest.Start(t, dbURL)
	f := apptest.Seed(t, a)
	ctx := context.Background()
	w := &followerWorld{a: a, f: f, ids: map[string]int64{}, base: fmt.Sprintf("/studio/orgs/%d/accounts/metro/followers", f.Org.ID)}
	codes := map[string]*followcode.FollowCode{}
	for _, scene := range []string{"stop-1", "poster-9"} {
		c, err := a.FollowCodes.CreateFollowCode(ctx, f.Member(models.RoleOwner), f.Account, followcode.FollowCodeInput{Name: scene, Scene: scene})
		if err != nil {
			t.Fatal(err)
		}
		codes[scene] = c
	}
	for _, s := range metroFollowers {
		var codeID int64
		var scene string
		if c := codes[s.scene]; c != nil {
			codeID, scene = c.ID, c.Scene
		}
		fl, err := a.Followers.SeedFollower(ctx, f.Account.ID, s.channel, s.addr, s.name, "en", s.tags, codeID, scene)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.DB.Gorm.Model(&models.Follower{}).Where("id = ?", fl.ID).
			Updates(map[string]any{"status": s.status, "created_at": s.created}).Error; err != nil {
			t.Fatal(err)
		}
		w.ids[s.addr] = fl.ID
	}
	var err error
	w.buses, err = a.Accounts.CreateAccount(ctx, f.Member(models.RoleOwner), models.AccountInput{
		Handle: "buses", Name: "Buses", Category: "transit", Languages: []string{"en"},
	})
	if err != nil {
		t.Fatal(err)
	}
	outside := &models.Member{User: f.Outside, Org: f.Other, Role: models.RoleOwner}
	w.other, err = a.Accounts.CreateAccount(ctx, outside, models.AccountInput{
		Handle: "othertown", Name: "Other town", Category: "community", Languages: []string{"en"},
	})
	if err != nil {
		t.Fatal(err)
	}
	fl, err := a.Followers.SeedFollower(ctx, w.buses.ID, "email", "alice@example.org", "Alice", "en", []string{"line-1"}, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	w.busesAlice = fl.ID
	fl, err = a.Followers.SeedFollower(ctx, w.other.ID, "email", "outsider@example.org", "Olga", "en", []string{"line-1"}, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	w.otherID = fl.ID
	return w
}

func (w *followerWorld) client(t *testing.T, r models.Role) *apptest.Client {
	c := w.a.Client(t)
	c.Login(w.f.ByRole[r].Email, apptest.Password)
	return c
}

func (w *followerWorld) follower(t *testing.T, id int64) *models.Follower {
	t.Helper()
	f, err := w.a.Followers.FollowerByID(context.Background(), id)
	if err != nil {
		t.Fatalf("follower %d: %v", id, err)
	}
	return f
}

var flRowRE = regexp.MustCompile(`name="ids" value="(\d+)"`)

// listed is the addresses of the rows of a list page, sorted.
func (w *followerWorld) listed(t *testing.T, body string) []string {
	t.Helper()
	byID := map[string]string{}
	for addr, id := range w.ids {
		byID[fmt.Sprint(id)] = addr
	}
	var out []string
	for _, m := range flRowRE.FindAllStringSubmatch(body, -1) {
		addr, ok := byID[m[1]]
		if !ok {
			t.Fatalf("the list shows follower %s, who is not metro's", m[1])
		}
		out = append(out, addr)
	}
	sort.Strings(out)
	return out
}

func flSorted(xs ...string) []string {
	out := append([]string{}, xs...)
	sort.Strings(out)
	return out
}
