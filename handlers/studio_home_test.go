package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
)

// homeNumber is the figure the organization home shows under name.
func homeNumber(t *testing.T, res *apptest.Response, name string) string {
	t.Helper()
	i := strings.Index(res.Body, `data-number="`+name+`">`)
	if i < 0 {
		t.Fatalf("the home shows no %q number", name)
	}
	rest := res.Body[i+len(`data-number="`+name+`">`):]
	return rest[:strings.Index(rest, "<")]
}

// TestOrgHomeNumbers fills two organizations with followers, follows and
// unfollows, conversations, answers and a broadcast, and checks that the
// home of one counts exactly its own, for every role that may see it.
func TestOrgHomeNumbers(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		db := a.Store.DB()
		boss := f.Member(models.RoleOwner)
		home := stPath(f.Org, "")
		owner := stLogin(t, a, f.ByRole[models.RoleOwner])

		// Before anything happened: zeros, and no broadcast yet.
		res := owner.Get(home)
		stStatus(t, "empty home", res, http.StatusOK)
		for _, n := range []string{"followers", "conversations", "feedback"} {
			if got := homeNumber(t, res, n); got != "0" {
				t.Errorf("%s on an empty home: %q, want 0", n, got)
			}
		}
		stHas(t, "empty home", res, "Nothing has been broadcast yet.")

		outside := &models.Member{User: f.Outside, Org: f.Other, Role: models.RoleOwner}
		other, err := a.Accounts.CreateAccount(ctx, outside, models.AccountInput{
			Handle: "othertown", Name: "Other town", Category: "community", Languages: []string{"en"},
		})
		if err != nil {
			t.Fatal(err)
		}
		// Four active followers of metro, one unsubscribed; two of the
		// other organization's, who must not count.
		for i, st := range []string{"active", "active", "active", "active", "unsubscribed"} {
			fl, err := a.Followers.SeedFollower(ctx, f.Account.ID, "email", fmt.Sprintf("p%d@example.org", i), "P", "en", nil, 0, "")
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Model(&models.Follower{}).Where("id = ?", fl.ID).Update("status", st).Error; err != nil {
				t.Fatal(err)
			}
		}
		for i := range 2 {
			if _, err := a.Followers.SeedFollower(ctx, other.ID, "email", fmt.Sprintf("o%d@example.org", i), "O", "en", nil, 0, ""); err != nil {
				t.Fatal(err)
			}
		}
		// The week's change is the follows less the unfollows of the last
		// seven days: 3 - 1 today, and one follow long ago that does not count.
		now := a.Store.Now()
		if err := db.Exec(`DELETE FROM follow_events`).Error; err != nil {
			t.Fatal(err)
		}
		for _, e := range []struct {
			account int64
			kind    string
			at      time.Time
		}{
			{f.Account.ID, "follow", now}, {f.Account.ID, "follow", now}, {f.Account.ID, "follow", now.AddDate(0, 0, -3)},
			{f.Account.ID, "unfollow", now}, {f.Account.ID, "follow", now.AddDate(0, 0, -30)},
			{other.ID, "follow", now}, {other.ID, "follow", now},
		} {
			if err := db.Exec(`INSERT INTO follow_events (account_id, channel, kind, created_at) VALUES (?, 'email', ?, ?)`, e.account, e.kind, e.at).Error; err != nil {
				t.Fatal(err)
			}
		}
		// Two open conversations and a closed one; one of the other's.
		for i, c := range []struct {
			account int64
			status  string
		}{{f.Account.ID, "open"}, {f.Account.ID, "open"}, {f.Account.ID, "closed"}, {other.ID, "open"}} {
			if err := db.Exec(`INSERT INTO chat_conversations (account_id, channel, address, status, last_message_at) VALUES (?, 'telegram', ?, ?, ?)`,
				c.account, fmt.Sprint(1000+i), c.status, now).Error; err != nil {
				t.Fatal(err)
			}
		}
		// Three answers wait for moderation; a published one and spam do not.
		p := openProject(t, a, f, "")
		for i, st := range []string{models.FeedbackPending, models.FeedbackPending, models.FeedbackPending, models.FeedbackPublished, models.FeedbackSpam} {
			fb := models.Feedback{ProjectID: p.ID, Stance: "support", Comment: fmt.Sprintf("answer %d", i), Channel: "web", Lang: "en", Status: st, Answers: "{}"}
			if err := db.Create(&fb).Error; err != nil {
				t.Fatal(err)
			}
		}
		// A published notice's broadcast, 7 of 10 delivered.
		in := notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", "Line 4 is back", "body", "Trains run again.")}
		n, err := a.Notices.CreateNotice(ctx, boss, f.Account, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.Notices.PublishNotice(ctx, boss, f.Account, n.ID, in); err != nil {
			t.Fatal(err)
		}
		// Published but not yet under way: nothing to count yet.
		stHas(t, "home with a broadcast to come", owner.Get(home), "Line 4 is back", "Waiting to be sent.")
		if err := db.Model(&models.Broadcast{}).Where("notice_id = ?", n.ID).Updates(map[string]any{"status": models.BroadcastDone, "total": 10, "sent": 7}).Error; err != nil {
			t.Fatal(err)
		}

		for _, role := range []models.Role{models.RoleOwner, models.RoleEditor, models.RoleModerator, models.RoleViewer} {
			t.Run(string(role), func(t *testing.T) {
				res := stLogin(t, a, f.ByRole[role]).Get(home)
				stStatus(t, "home", res, http.StatusOK)
				for name, want := range map[string]string{"followers": "4", "conversations": "2", "feedback": "3"} {
					if got := homeNumber(t, res, name); got != want {
						t.Errorf("%s: %q, want %s", name, got, want)
					}
				}
				stHas(t, "home", res, "+2 in the last 7 days", "Line 4 is back", "Delivered to 7 of 10 followers (70%)")
				// Numbers, never the people behind them.
				stLacks(t, "home", res, "p0@example.org", "answer 0")
				if role.Can(models.PermWrite) {
					stHas(t, "home", res, `href="`+stPath(f.Org, "/accounts/metro/notices/new")+`"`)
				} else {
					stLacks(t, "home", res, "/notices/new")
				}
			})
		}
		// The other organization's home counts only its own.
		res = stLogin(t, a, f.Outside).Get(stPath(f.Other, ""))
		stStatus(t, "other home", res, http.StatusOK)
		if got := homeNumber(t, res, "followers"); got != "2" {
			t.Errorf("other organization's followers: %q, want 2", got)
		}
		if got := homeNumber(t, res, "conversations"); got != "1" {
			t.Errorf("other organization's conversations: %q, want 1", got)
		}
		stLacks(t, "other home", res, "Line 4 is back")
		// Someone outside the organization sees nothing.
		stStatus(t, "outsider", stLogin(t, a, f.Outside).Get(home), http.StatusNotFound)
	})
}

// TestAccountOpensOnNotices: an account's name on the organization home
// and on the accounts list leads to its notices, which every role may
// open, and the notices page shows the account's grouped tabs.
func TestAccountOpensOnNotices(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		notices := stPath(f.Org, "/accounts/metro/notices")
		for _, role := range []models.Role{models.RoleOwner, models.RoleViewer} {
			c := stLogin(t, a, f.ByRole[role])
			for _, page := range []string{stPath(f.Org, ""), stPath(f.Org, "/accounts")} {
				res := c.Get(page)
				stStatus(t, page, res, http.StatusOK)
				stHas(t, page, res, `<a href="`+notices+`">`+f.Account.Name+`</a>`)
			}
			res := c.Get(notices)
			stStatus(t, "notices", res, http.StatusOK)
			stHas(t, "notices", res, `class="tabs tab-groups"`, "Publish", "Audience", "Engage")
			if role.Can(models.PermWrite) {
				stHas(t, "notices", res, ">Settings</span>")
			} else {
				stLacks(t, "notices", res, ">Settings</span>")
			}
		}
	})
}

// TestFollowerGrowthAboveList: the followers page shows how the audience
// grows before the list of people, for every role that may open it.
func TestFollowerGrowthAboveList(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		if _, err := a.Followers.SeedFollower(context.Background(), f.Account.ID, "email", "reader@example.org", "Reader", "en", nil, 0, ""); err != nil {
			t.Fatal(err)
		}
		for _, role := range []models.Role{models.RoleOwner, models.RoleViewer} {
			res := stLogin(t, a, f.ByRole[role]).Get(stPath(f.Org, "/accounts/metro/followers"))
			stStatus(t, "followers", res, http.StatusOK)
			chart, list := strings.Index(res.Body, `id="growth-h"`), strings.Index(res.Body, `class="table followers-table"`)
			if chart < 0 || list < 0 || chart > list {
				t.Fatalf("%s: the growth chart (at %d) should come before the list (at %d)", role, chart, list)
			}
		}
	})
}
