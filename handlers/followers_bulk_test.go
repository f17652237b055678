package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

// Tests for bulk actions on followers.

func flTags(t *testing.T, w *followerWorld, id int64) string {
	return strings.Join(w.follower(t, id).Tags, " ")
}

// flSnapshot is every follower's status and tags, to prove that a refused
// request changed nothing.
func flSnapshot(t *testing.T, w *followerWorld) string {
	t.Helper()
	var fs []models.Follower
	if err := w.a.DB.Gorm.Order("id").Find(&fs).Error; err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "%d %s %s [%s]\n", f.ID, f.Address, f.Status, flTags(t, w, f.ID))
	}
	var events int64
	w.a.DB.Gorm.Model(&models.FollowEvent{}).Count(&events)
	fmt.Fprintf(&b, "events %d\n", events)
	return b.String()
}

func TestFollowerBulkActions(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := newFollowerWorld(t, dbURL)
		mod := w.client(t, models.RoleModerator)
		id := func(addr string) string { return fmt.Sprint(w.ids[addr]) }
		alice, bob, chen, eve := w.ids["alice@example.org"], w.ids["bob@example.org"], w.ids["chen@example.cn"], w.ids["eve@example.org"]
		bulk := w.base + "/bulk"

		// Ids of another account's followers, of this organization or not,
		// are ignored.
		strangers := []string{fmt.Sprint(w.busesAlice), fmt.Sprint(w.otherID)}
		res := mod.Post(bulk, url.Values{
			"ids": append([]string{id("alice@example.org"), id("bob@example.org")}, strangers...), "action": {"add_tag"}, "tag": {"Donor"},
			"return": {"tag=line-1&page=1"},
		})
		if res.Status != http.StatusSeeOther || res.Location != w.base+"?tag=line-1" {
			t.Fatalf("add tag: %s; want a redirect back to the filtered list", res)
		}
		if got := flTags(t, w, alice); got != "donor line-1 north" {
			t.Fatalf("alice's tags = %q", got)
		}
		if got := flTags(t, w, bob); got != "donor line-1" {
			t.Fatalf("bob's tags = %q", got)
		}
		if got := flTags(t, w, chen); got != "south" {
			t.Fatalf("an unselected follower was tagged: %q", got)
		}
		if got := flTags(t, w, w.busesAlice) + "|" + flTags(t, w, w.otherID); got != "line-1|line-1" {
			t.Fatalf("another account's followers were tagged: %q", got)
		}
		if res := mod.Get(w.base); !strings.Contains(res.Body, "The tag is added to the selected followers.") {
			t.Fatalf("no notice after tagging:\n%s", res)
		}

		res = mod.Post(bulk, url.Values{"ids": append([]string{id("alice@example.org")}, strangers...), "action": {"remove_tag"}, "tag": {"line-1"}})
		if res.Status != http.StatusSeeOther || res.Location != w.base {
			t.Fatalf("remove tag: %s", res)
		}
		if got := flTags(t, w, alice) + "|" + flTags(t, w, bob) + "|" + flTags(t, w, w.busesAlice) + "|" + flTags(t, w, w.otherID); got != "donor north|donor line-1|line-1|line-1" {
			t.Fatalf("after removing line-1 from alice: %q", got)
		}

		// Block: an active follower gets an unfollow event, the others do
		// not; another account's follower is untouched.
		unfollows := func(fid int64) int64 {
			var n int64
			w.a.DB.Gorm.Model(&models.FollowEvent{}).Where("follower_id = ? AND kind = 'unfollow'", fid).Count(&n)
			return n
		}
		res = mod.Post(bulk, url.Values{"ids": append([]string{id("alice@example.org"), id("bob@example.org"), id("eve@example.org")}, strangers...), "action": {"block"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("block: %s", res)
		}
		for _, fid := range []int64{alice, bob, eve} {
			if st := w.follower(t, fid).Status; st != models.StatusBlocked {
				t.Fatalf("follower %d is %s after blocking", fid, st)
			}
		}
		if st := w.follower(t, chen).Status + " " + w.follower(t, w.busesAlice).Status + " " + w.follower(t, w.otherID).Status; st != "active active active" {
			t.Fatalf("unselected followers changed: %s", st)
		}
		if n := unfollows(alice); n != 1 {
			t.Fatalf("blocking active alice recorded %d unfollows; want 1", n)
		}
		if n := unfollows(bob) + unfollows(eve); n != 0 {
			t.Fatalf("blocking followers who were not active recorded %d unfollows", n)
		}
		// Blocking again is harmless and records nothing more.
		if res := mod.Post(bulk, url.Values{"ids": {id("alice@example.org")}, "action": {"block"}}); res.Status != http.StatusSeeOther || unfollows(alice) != 1 {
			t.Fatalf("second block: %s, %d unfollows", res, unfollows(alice))
		}

		// Unblock: never straight back to active.
		res = mod.Post(bulk, url.Values{"ids": {id("alice@example.org"), id("eve@example.org")}, "action": {"unblock"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("unblock: %s", res)
		}
		for _, fid := range []int64{alice, eve} {
			if f := w.follower(t, fid); f.Status != models.StatusUnsubscribed || f.UnsubscribedAt == nil {
				t.Fatalf("follower %d after unblocking: %s; want unsubscribed", fid, f.Status)
			}
		}
		if st := w.follower(t, bob).Status; st != models.StatusBlocked {
			t.Fatalf("an unselected blocked follower was unblocked: %s", st)
		}

		// Bad input: a clear 422 and nothing changes.
		before := flSnapshot(t, w)
		bad := []struct {
			name string
			form url.Values
			want string
		}{
			{"no selection", url.Values{"action": {"add_tag"}, "tag": {"vip"}}, "Select at least one follower first."},
			{"ids that are not ids", url.Values{"ids": {"x", "-3", "0"}, "action": {"block"}}, "Select at least one follower first."},
			{"only other accounts' followers", url.Values{"ids": strangers, "action": {"block"}}, "Select at least one follower first."},
			{"unknown action", url.Values{"ids": {id("chen@example.cn")}, "action": {"delete"}}, "Choose one of the actions."},
			{"no action", url.Values{"ids": {id("chen@example.cn")}}, "Choose one of the actions."},
			{"bad tag", url.Values{"ids": {id("chen@example.cn")}, "action": {"add_tag"}, "tag": {"no spaces!"}}, "Tags use lowercase letters"},
			{"missing tag", url.Values{"ids": {id("chen@example.cn")}, "action": {"remove_tag"}, "tag": {" "}}, "Enter the tag to add or remove."},
		}
		for _, tt := range bad {
			res := mod.Post(bulk, tt.form)
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, tt.want) {
				t.Errorf("%s: %s; want 422 with %q", tt.name, res, tt.want)
			}
		}
		// The refused form comes back with the selection kept.
		res = mod.Post(bulk, url.Values{"ids": {id("chen@example.cn")}, "action": {"add_tag"}, "tag": {"BAD TAG!"}})
		if !strings.Contains(res.Body, fmt.Sprintf(`value="%d" checked`, chen)) || !strings.Contains(res.Body, `value="BAD TAG!"`) {
			t.Errorf("the refused bulk form lost the selection or the tag:\n%s", res)
		}
		if after := flSnapshot(t, w); after != before {
			t.Fatalf("refused bulk actions changed data:\nbefore\n%s\nafter\n%s", before, after)
		}

		// One follower's page: tags and block.
		one := fmt.Sprintf("%s/%d", w.base, chen)
		if res := mod.Post(one+"/tags", url.Values{"tags": {"South, Line-3，vip"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("set tags: %s", res)
		}
		if got := flTags(t, w, chen); got != "line-3 south vip" {
			t.Fatalf("chen's tags = %q", got)
		}
		before = flSnapshot(t, w)
		if res := mod.Post(one+"/tags", url.Values{"tags": {"ok, not ok!"}}); res.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(res.Body, "Tags use lowercase letters") || !strings.Contains(res.Body, `value="ok, not ok!"`) {
			t.Fatalf("bad tags: %s", res)
		}
		if after := flSnapshot(t, w); after != before {
			t.Fatalf("refused tags changed data")
		}
		if res := mod.Post(one+"/block", url.Values{"blocked": {"1"}}); res.Status != http.StatusSeeOther || w.follower(t, chen).Status != models.StatusBlocked {
			t.Fatalf("block one: %s", res)
		}
		if res := mod.Get(one); !strings.Contains(res.Body, "Unblock") || !strings.Contains(res.Body, "Unfollowed") {
			t.Fatalf("a blocked follower's page should offer unblocking and show the unfollow:\n%s", res)
		}
		if res := mod.Post(one+"/block", url.Values{"blocked": {"0"}}); res.Status != http.StatusSeeOther || w.follower(t, chen).Status != models.StatusUnsubscribed {
			t.Fatalf("unblock one: %s", res)
		}
		// A follower of another account through metro's URL is not found.
		for _, fid := range []int64{w.busesAlice, w.otherID} {
			p := fmt.Sprintf("%s/%d", w.base, fid)
			if res := mod.Post(p+"/block", url.Values{"blocked": {"1"}}); res.Status != http.StatusNotFound {
				t.Fatalf("block another account's follower via metro: %s", res)
			}
			if res := mod.Post(p+"/tags", url.Values{"tags": {"x"}}); res.Status != http.StatusNotFound {
				t.Fatalf("tag another account's follower via metro: %s", res)
			}
		}
		if st := w.follower(t, w.busesAlice).Status + " " + w.follower(t, w.otherID).Status; st != "active active" {
			t.Fatalf("other accounts' followers changed: %s", st)
		}

		// The audit log records the actions without addresses.
		var entries []models.AuditEntry
		w.a.DB.Gorm.Where("action LIKE 'follower%'").Find(&entries)
		if len(entries) < 6 {
			t.Fatalf("only %d audit entries for follower actions", len(entries))
		}
		for _, e := range entries {
			if strings.Contains(e.Detail, "@example") || strings.Contains(e.Target, "@example") {
				t.Fatalf("audit entry carries an address: %+v", e)
			}
		}
		if res := w.client(t, models.RoleViewer).Get(fmt.Sprintf("/studio/orgs/%d/audit", w.f.Org.ID)); !strings.Contains(res.Body, "Blocked followers of @metro") {
			t.Fatalf("the audit page does not describe the block:\n%s", res)
		}
	})
}
