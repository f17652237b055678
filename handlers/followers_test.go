package handlers_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/models"
)

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
	codes := map[string]*models.FollowCode{}
	for _, scene := range []string{"stop-1", "poster-9"} {
		c, err := a.Store.CreateFollowCode(ctx, f.Member(models.RoleOwner), f.Account, models.FollowCodeInput{Name: scene, Scene: scene})
		if err != nil {
			t.Fatal(err)
		}
		codes[scene] = c
	}
	for _, s := range metroFollowers {
		fl, err := a.Store.SeedFollower(ctx, f.Account.ID, s.channel, s.addr, s.name, "en", s.tags, codes[s.scene])
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
	w.buses, err = a.Store.CreateAccount(ctx, f.Member(models.RoleOwner), models.AccountInput{
		Handle: "buses", Name: "Buses", Category: "transit", Languages: []string{"en"},
	})
	if err != nil {
		t.Fatal(err)
	}
	outside := &models.Member{User: f.Outside, Org: f.Other, Role: models.RoleOwner}
	w.other, err = a.Store.CreateAccount(ctx, outside, models.AccountInput{
		Handle: "othertown", Name: "Other town", Category: "community", Languages: []string{"en"},
	})
	if err != nil {
		t.Fatal(err)
	}
	fl, err := a.Store.SeedFollower(ctx, w.buses.ID, "email", "alice@example.org", "Alice", "en", []string{"line-1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.busesAlice = fl.ID
	fl, err = a.Store.SeedFollower(ctx, w.other.ID, "email", "outsider@example.org", "Olga", "en", []string{"line-1"}, nil)
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
	f, err := w.a.Store.FollowerByID(context.Background(), id)
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

func TestFollowerListFilters(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := newFollowerWorld(t, dbURL)
		owner := w.client(t, models.RoleOwner)
		all := flSorted("alice@example.org", "bob@example.org", "chen@example.cn", "12345", "eve@example.org", "100%_real@example.org")
		cases := []struct {
			name  string
			query string
			want  []string
		}{
			{"no filter", "", all},
			{"channel telegram", "channel=telegram", []string{"12345"}},
			{"channel email", "channel=email", flSorted("alice@example.org", "bob@example.org", "chen@example.cn", "eve@example.org", "100%_real@example.org")},
			{"status active", "status=active", flSorted("alice@example.org", "chen@example.cn", "100%_real@example.org")},
			{"status blocked", "status=blocked", []string{"eve@example.org"}},
			{"status bounced", "status=bounced", nil},
			{"tag", "tag=line-1", flSorted("alice@example.org", "bob@example.org")},
			{"tag in capitals", "tag=NORTH", flSorted("alice@example.org", "12345")},
			{"scene", "scene=stop-1", flSorted("alice@example.org", "12345")},
			{"scene of one code", "scene=poster-9", []string{"chen@example.cn"}},
			{"date range includes its last day", "from=2025-01-15&to=2025-02-01", flSorted("bob@example.org", "chen@example.cn")},
			{"from only", "from=2025-02-01", flSorted("chen@example.cn", "12345", "eve@example.org", "100%_real@example.org")},
			{"to only", "to=2025-01-10", []string{"alice@example.org"}},
			{"one day", "from=2025-02-15&to=2025-02-15", []string{"12345"}},
			{"search name, any case", "q=ALICE", []string{"alice@example.org"}},
			{"search Chinese name", "q=" + url.QueryEscape("小明"), []string{"chen@example.cn"}},
			{"search address part", "q=example.cn", []string{"chen@example.cn"}},
			{"search wildcards literally", "q=" + url.QueryEscape("%_"), []string{"100%_real@example.org"}},
			{"search underscore literally", "q=_", []string{"100%_real@example.org"}},
			{"status and tag", "status=active&tag=north", []string{"alice@example.org"}},
			{"tag and date", "tag=line-1&from=2025-01-15", []string{"bob@example.org"}},
			{"channel and scene", "channel=email&scene=stop-1", []string{"alice@example.org"}},
			{"search and status", "q=example.org&status=active", flSorted("alice@example.org", "100%_real@example.org")},
			{"everything at once", "q=ali&channel=email&status=active&tag=north&scene=stop-1&from=2025-01-01&to=2025-01-31", []string{"alice@example.org"}},
			{"nothing matches", "tag=nobody", nil},
		}
		for _, tt := range cases {
			t.Run(tt.name, func(t *testing.T) {
				res := owner.Get(w.base + "?" + tt.query)
				if res.Status != http.StatusOK {
					t.Fatalf("%s", res)
				}
				if got := w.listed(t, res.Body); strings.Join(got, " ") != strings.Join(tt.want, " ") {
					t.Fatalf("?%s lists %v; want %v", tt.query, got, tt.want)
				}
				count := fmt.Sprintf("%d followers", len(tt.want))
				if len(tt.want) == 1 {
					count = "1 follower"
				}
				if !regexp.MustCompile(`>\s*` + count + `\s*<`).MatchString(res.Body) {
					t.Fatalf("?%s does not say %d followers:\n%s", tt.query, len(tt.want), res)
				}
				if len(tt.want) == 0 && !strings.Contains(res.Body, "No follower matches these filters.") {
					t.Fatalf("?%s: no empty-result message:\n%s", tt.query, res)
				}
			})
		}

		// The status links count the whole account and keep the other
		// filters.
		res := owner.Get(w.base + "?tag=north")
		for label, n := range map[string]int{"All": 6, "Active": 3, "Pending": 1, "Unsubscribed": 1, "Bounced": 0, "Blocked": 1} {
			if !strings.Contains(res.Body, fmt.Sprintf(`%s <span class="count">%d</span>`, label, n)) {
				t.Errorf("status link %s should count %d:\n%s", label, n, res)
			}
		}
		if !strings.Contains(res.Body, `href="`+w.base+`?status=active&amp;tag=north"`) {
			t.Errorf("status links lose the tag filter:\n%s", res)
		}
		if !strings.Contains(res.Body, `href="`+w.base+`/export.csv?tag=north"`) {
			t.Errorf("the CSV link does not carry the filter:\n%s", res)
		}

		// Bad filter values get a message, not a 500.
		for _, q := range []string{"from=yesterday", "to=2025-13-40", "status=asleep", "tag=" + url.QueryEscape("no spaces!"), "from=2025-03-01&to=2025-01-01"} {
			res := owner.Get(w.base + "?" + q)
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `class="field-error"`) {
				t.Errorf("?%s: %s; want 422 with a message by the field", q, res)
			}
		}
	})
}

func TestFollowerPaginationKeepsFilters(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := newFollowerWorld(t, dbURL)
		ctx := context.Background()
		for i := 0; i < 27; i++ {
			fl, err := w.a.Store.SeedFollower(ctx, w.f.Account.ID, "email", fmt.Sprintf("many%02d@example.org", i), "", "en", []string{"many"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			w.ids[fl.Address] = fl.ID
		}
		owner := w.client(t, models.RoleOwner)
		res := owner.Get(w.base + "?tag=many&status=active")
		if got := w.listed(t, res.Body); len(got) != models.DefaultPageSize {
			t.Fatalf("page 1 has %d rows; want %d", len(got), models.DefaultPageSize)
		}
		next := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(res.Body)
		if next == nil {
			t.Fatalf("no next link:\n%s", res)
		}
		link := strings.ReplaceAll(next[1], "&amp;", "&")
		u, _ := url.Parse(link)
		if q := u.Query(); q.Get("tag") != "many" || q.Get("status") != "active" || q.Get("page") != "2" {
			t.Fatalf("next link %q drops the filters", link)
		}
		res = owner.Get(link)
		got := w.listed(t, res.Body)
		if len(got) != 2 {
			t.Fatalf("page 2 has %v; want the 2 remaining rows", got)
		}
		for _, addr := range got {
			if !strings.HasPrefix(addr, "many") {
				t.Fatalf("page 2 shows %s, outside the filter", addr)
			}
		}
		if !strings.Contains(res.Body, "Page 2 of 2") || !strings.Contains(res.Body, "27 followers") {
			t.Fatalf("page 2 lost its position or count:\n%s", res)
		}
	})
}

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

func TestFollowerCSVExport(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := newFollowerWorld(t, dbURL)
		// Moderators export (they may see contact details); see
		// TestContactDetailsByRole for everyone else.
		exporter := w.client(t, models.RoleModerator)
		res := exporter.Get(w.base + "/export.csv?channel=email&from=2025-02-01")
		if res.Status != http.StatusOK {
			t.Fatalf("%s", res)
		}
		if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Fatalf("Content-Type = %q", ct)
		}
		wantName := fmt.Sprintf(`attachment; filename="followers-metro-%s.csv"`, time.Now().UTC().Format("2006-01-02"))
		if cd := res.Header.Get("Content-Disposition"); cd != wantName {
			t.Fatalf("Content-Disposition = %q; want %q", cd, wantName)
		}
		if !strings.HasPrefix(res.Body, "\xef\xbb\xbf") {
			t.Fatalf("no UTF-8 byte-order mark: %q", res.Body[:10])
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\xef\xbb\xbf"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(recs[0], ","); got != "address,name,channel,status,language,tags,scene,source,followed_at,confirmed_at,unsubscribed_at" {
			t.Fatalf("header = %s", got)
		}
		byAddr := map[string][]string{}
		for _, r := range recs[1:] {
			byAddr[r[0]] = r
		}
		var got []string
		for a := range byAddr {
			got = append(got, a)
		}
		sort.Strings(got)
		if want := flSorted("chen@example.cn", "eve@example.org", "100%_real@example.org"); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("CSV rows %v; want %v", got, want)
		}
		if r := byAddr["chen@example.cn"]; r[1] != "陈小明" || r[3] != "active" || r[5] != "south" || r[6] != "poster-9" || r[8] != "2025-02-01T23:59:00Z" {
			t.Fatalf("chen's row = %q", r)
		}
		if name := byAddr["eve@example.org"][1]; name != `'=HYPERLINK("http://evil.test","click")` {
			t.Fatalf("formula not neutralised: %q", name)
		}
		if name := byAddr["100%_real@example.org"][1]; name != "'+Frank" {
			t.Fatalf("formula not neutralised: %q", name)
		}

		// More rows than one batch, all there, once each.
		ctx := context.Background()
		for i := 0; i < 1203; i++ {
			if _, err := w.a.Store.SeedFollower(ctx, w.f.Account.ID, "email", fmt.Sprintf("bulk%04d@example.org", i), "@name", "zh", []string{"bulk"}, nil); err != nil {
				t.Fatal(err)
			}
		}
		res = exporter.Get(w.base + "/export.csv?tag=bulk")
		recs, err = csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\xef\xbb\xbf"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, r := range recs[1:] {
			if seen[r[0]] || r[1] != "'@name" || r[5] != "bulk" {
				t.Fatalf("bad or repeated row %q", r)
			}
			seen[r[0]] = true
		}
		if len(seen) != 1203 {
			t.Fatalf("CSV has %d rows; want 1203", len(seen))
		}

		// Bad filter: the list with a message, no file.
		if res := exporter.Get(w.base + "/export.csv?from=someday"); res.Status != http.StatusUnprocessableEntity || res.Header.Get("Content-Disposition") != "" {
			t.Fatalf("bad filter export: %s", res)
		}
		var n int64
		w.a.DB.Gorm.Model(&models.AuditEntry{}).Where("action = 'followers.export'").Count(&n)
		if n != 2 {
			t.Fatalf("%d export audit entries; want 2", n)
		}
	})
}

func TestFollowerPrivacyRequests(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := newFollowerWorld(t, dbURL)
		ctx := context.Background()
		owner := w.client(t, models.RoleOwner)
		alice := w.ids["alice@example.org"]
		one := fmt.Sprintf("%s/%d", w.base, alice)

		// Alice scanned a code before following, and unfollowed once.
		code, err := w.a.Store.FollowCodeByCode(ctx, flCode(t, w, "stop-1"))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			if _, err := w.a.Store.RecordScan(ctx, code.ID, "phone", fmt.Sprint("client-", i)); err != nil {
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
		var data models.FollowerData
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
			w.a.DB.Gorm.Model(&models.Scan{}).Where("code_id = ?", code.ID).Count(&c.scans)
			days, err := w.a.Store.GrowthDaily(ctx, w.f.Member(models.RoleViewer), w.f.Account, 30)
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
		if _, err := w.a.Store.FollowerByID(ctx, alice); err != nil {
			t.Fatalf("the confirmation page erased already: %v", err)
		}
		res = owner.Post(one+"/erase", nil)
		if res.Status != http.StatusSeeOther || res.Location != w.base {
			t.Fatalf("erase: %s", res)
		}
		if _, err := w.a.Store.FollowerByID(ctx, alice); err == nil {
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
	var c models.FollowCode
	if err := w.a.DB.Gorm.Where("account_id = ? AND scene = ?", w.f.Account.ID, scene).First(&c).Error; err != nil {
		t.Fatal(err)
	}
	return c.Code
}

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
	if strings.Contains(res.Body, `action="/studio/orgs/`+fmt.Sprint(f.Org.ID)+`/accounts/metro/followers/bulk"`) {
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
			en, zh := i18n.T(i18n.EN, k), i18n.T(i18n.ZH, k)
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
		days, err := a.Store.GrowthDaily(context.Background(), f.Member(models.RoleViewer), f.Account, 7)
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
		if _, err := a.Store.GrowthDaily(context.Background(), &models.Member{User: f.Outside, Org: f.Other, Role: models.RoleOwner}, f.Account, 7); err == nil {
			t.Fatal("another organization read the growth")
		}
	})
}
