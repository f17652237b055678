package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/followcode"
	"github.com/plazahq/plaza/models/follower"
)

// Tests for followers' privacy requests.

func TestFollowerPrivacyRequests(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := newFollowerWorld(t, dbURL)
		ctx := context.Background()
		owner := w.client(t, models.RoleOwner)
		alice := w.ids["alice@example.org"]
		one := fmt.Sprintf("%s/%d", w.base, alice)

		// Alice scanned a code before following, and unfollowed once.
		code, err := w.a.FollowCodes.FollowCodeByCode(ctx, flCode(t, w, "stop-1"))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			if _, err := w.a.FollowCodes.RecordScan(ctx, code.ID, "phone", fmt.Sprint("client-", i)); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.a.DB.Gorm.Create(&models.FollowEvent{AccountID: w.f.Account.ID, FollowerID: &alice, Channel: "email", Kind: "unfollow", CreatedAt: time.Now().UTC()}).Error; err != nil {
			t.Fatal(err)
		}

		res := owner.Get(one + "/export.json")
		if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") ||
			!strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("export: %s %v", res, res.Header)
		}
		var data follower.FollowerData
		if err := json.Unmarshal([]byte(res.Body), &data); err != nil {
			t.Fatalf("export is not JSON: %v\n%s", err, res.Body)
		}
		if data.Address != "alice@example.org" || data.Name != "Alice" || data.Account != "@metro" || data.Scene != "stop-1" ||
			strings.Join(data.Tags, " ") != "line-1 north" || len(data.Events) != 2 || data.Events[0].Kind != "follow" ||
			data.Events[0].Scene != "stop-1" || data.Events[1].Kind != "unfollow" || data.ConsentAt == nil {
			t.Fatalf("export = %+v", data)
		}

		type counts struct{ events, follows, unfollows, scans, growthF, growthU int64 }
		measure := func() counts {
			var c counts
			w.a.DB.Gorm.Model(&models.FollowEvent{}).Where("account_id = ?", w.f.Account.ID).Count(&c.events)
			w.a.DB.Gorm.Model(&models.FollowEvent{}).Where("account_id = ? AND kind = 'follow'", w.f.Account.ID).Count(&c.follows)
			w.a.DB.Gorm.Model(&models.FollowEvent{}).Where("account_id = ? AND kind = 'unfollow'", w.f.Account.ID).Count(&c.unfollows)
			w.a.DB.Gorm.Model(&followcode.Scan{}).Where("code_id = ?", code.ID).Count(&c.scans)
			days, err := w.a.Followers.GrowthDaily(ctx, w.f.Member(models.RoleViewer), w.f.Account, 30)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range days {
				c.growthF += d.Follows
				c.growthU += d.Unfollows
			}
			return c
		}
		before := measure()
		if before.growthF != 6 || before.growthU != 1 {
			t.Fatalf("growth before erasing = %+v; want 6 follows and 1 unfollow today", before)
		}
		page := owner.Get(w.base)
		if !strings.Contains(page.Body, "Follows: 6 · unfollows: 1 · net change: +5") {
			t.Fatalf("the list does not show the growth totals:\n%s", page)
		}

		res = owner.Get(one + "/erase")
		if res.Status != http.StatusOK || !strings.Contains(res.Body, "Erase alice@example.org?") || !strings.Contains(res.Body, `method="post"`) {
			t.Fatalf("erase confirmation: %s", res)
		}
		if _, err := w.a.Followers.FollowerByID(ctx, alice); err != nil {
			t.Fatalf("the confirmation page erased already: %v", err)
		}
		res = owner.Post(one+"/erase", nil)
		if res.Status != http.StatusSeeOther || res.Location != w.base {
			t.Fatalf("erase: %s", res)
		}
		if _, err := w.a.Followers.FollowerByID(ctx, alice); err == nil {
			t.Fatal("the follower is still there")
		}
		var tags int64
		w.a.DB.Gorm.Model(&models.FollowerTag{}).Where("follower_id = ?", alice).Count(&tags)
		if tags != 0 {
			t.Fatalf("%d tags left", tags)
		}
		var linked int64
		w.a.DB.Gorm.Model(&models.FollowEvent{}).Where("follower_id = ?", alice).Count(&linked)
		if linked != 0 {
			t.Fatalf("%d follow events still point at the erased follower", linked)
		}
		if after := measure(); after != before {
			t.Fatalf("erasing changed the counts: before %+v, after %+v", before, after)
		}
		if res := owner.Get(w.base); !strings.Contains(res.Body, "Follows: 6 · unfollows: 1 · net change: +5") || !strings.Contains(res.Body, "The follower is erased.") {
			t.Fatalf("after erasing, the list should keep the growth totals and say it is done:\n%s", res)
		}
		for _, p := range []string{one, one + "/export.json", one + "/erase"} {
			if res := owner.Get(p); res.Status != http.StatusNotFound {
				t.Fatalf("GET %s after erasing: %s", p, res)
			}
		}
		var entry models.AuditEntry
		if err := w.a.DB.Gorm.Where("action = 'follower.erase'").First(&entry).Error; err != nil {
			t.Fatal(err)
		}
		if strings.Contains(entry.Detail+entry.Target, "alice") || entry.Detail != fmt.Sprintf("#%d", alice) {
			t.Fatalf("erase audit entry = %+v; want the id only", entry)
		}
		var leaks int64
		w.a.DB.Gorm.Model(&models.AuditEntry{}).Where("detail LIKE ? OR target LIKE ?", "%alice%", "%alice%").Count(&leaks)
		if leaks != 0 {
			t.Fatalf("%d audit entries mention the erased address", leaks)
		}

		// Editors and moderators manage followers but cannot export or
		// erase; the page does not offer it to them.
		bob := fmt.Sprintf("%s/%d", w.base, w.ids["bob@example.org"])
		for _, r := range []models.Role{models.RoleEditor, models.RoleModerator, models.RoleViewer} {
			c := w.client(t, r)
			if res := c.Get(bob); res.Status != http.StatusOK || strings.Contains(res.Body, "/erase") || strings.Contains(res.Body, "export.json") {
				t.Fatalf("%s sees the privacy actions: %s", r, res)
			}
			if res := c.Post(bob+"/erase", nil); res.Status != http.StatusForbidden {
				t.Fatalf("%s erases: %s", r, res)
			}
		}
		if res := owner.Get(bob); !strings.Contains(res.Body, bob+"/erase") || !strings.Contains(res.Body, bob+"/export.json") {
			t.Fatalf("the owner is not offered the privacy actions:\n%s", res)
		}
	})
}

func flCode(t *testing.T, w *followerWorld, scene string) string {
	t.Helper()
	var c followcode.FollowCode
	if err := w.a.DB.Gorm.Where("account_id = ? AND scene = ?", w.f.Account.ID, scene).First(&c).Error; err != nil {
		t.Fatal(err)
	}
	return c.Code
}
