package handlers_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/apitoken"
	"github.com/plazahq/plaza/paths"
)

// TestWebPushSubscribeWithTopicsAndArea: from the follow page, the
// subscription carries the form's topics and districts, checked as the
// e-mail follow checks them; a refused choice stores nothing; from the
// account page (no choice) a returning browser keeps what it chose.
func TestWebPushSubscribeWithTopicsAndArea(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		fx := apptest.Seed(t, a)
		ctx := context.Background()
		owner := fx.Member(models.RoleOwner)
		if err := a.Accounts.UpdateAccount(ctx, owner, fx.Account, models.AccountInput{
			Name: "Metro", Category: "transit", Languages: []string{"en", "zh"}, Topics: "line-12,line-7",
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Districts.Import(ctx, owner, fx.Org.ID, []byte(areaTestDistricts), false); err != nil {
			t.Fatal(err)
		}
		ds, _ := a.Districts.List(ctx, fx.Org.ID)
		enableWebPush(t, a, fx)
		c := a.Client(t)
		key := vapidKey(t, c)
		// The follow page's button names the form it reads; the account
		// page's names none.
		if r := c.Get("/@metro/follow"); !strings.Contains(r.Body, `data-form="follow-form"`) || !strings.Contains(r.Body, `id="follow-form"`) {
			t.Fatalf("follow page: the button does not name the form")
		}
		if r := c.Get("/@metro"); !strings.Contains(r.Body, "data-webpush") || strings.Contains(r.Body, "data-form=") {
			t.Fatalf("account page: %d", r.Status)
		}
		push := newFakePush(t, key)
		count := func() int64 {
			var n int64
			a.Store.DB().Model(&models.Follower{}).Where("channel = ?", models.ChannelWebPush).Count(&n)
			return n
		}
		for _, tt := range []struct {
			name  string
			area  map[string]any
			field string
			text  string
		}{
			{"districts, none ticked", map[string]any{"mode": "districts"}, "area_district", "Tick at least one district"},
			{"another organization's district", map[string]any{"mode": "districts", "districts": []int64{ds[0].ID, 999999}}, "districts", "Choose one of the options."},
			{"a place off the globe", map[string]any{"mode": "place", "lat": 91, "lon": 0}, "place", ""},
			{"a place without numbers", map[string]any{"mode": "place", "lat": nil, "lon": 114.1}, "place", ""},
			{"an unknown choice", map[string]any{"mode": "moon"}, "area_mode", "Choose one of the options."},
		} {
			status, out := postJSON(t, c, a.URL, "/@metro/follow/webpush", map[string]any{"subscription": push.subscription(), "language": "en",
				"topics": []string{"line-12"}, "area": tt.area}, true)
			fields, _ := out["fields"].(map[string]any)
			msg, _ := fields[tt.field].(string)
			if status != http.StatusUnprocessableEntity || out["error"] != "invalid" || msg == "" || !strings.Contains(msg, tt.text) {
				t.Errorf("%s: %d %v", tt.name, status, out)
			}
		}
		if n := count(); n != 0 {
			t.Fatalf("%d webpush followers after refused choices", n)
		}

		status, out := postJSON(t, c, a.URL, "/@metro/follow/webpush", map[string]any{"subscription": push.subscription(), "language": "en",
			"topics": []string{"line-12", "not-offered"}, "area": map[string]any{"mode": "districts", "districts": []int64{ds[0].ID}}}, true)
		if status != 200 || out["status"] != models.StatusActive {
			t.Fatalf("subscribe: %d %v", status, out)
		}
		var f models.Follower
		if err := a.Store.DB().Where("channel = ?", models.ChannelWebPush).First(&f).Error; err != nil {
			t.Fatal(err)
		}
		got, err := a.Followers.FollowerByID(ctx, f.ID)
		if err != nil || strings.Join(got.Tags, ",") != "line-12" || got.AreaMode != models.AreaDistricts || len(got.Districts) != 1 || got.Districts[0] != ds[0].ID {
			t.Fatalf("follower = %+v, %v", got, err)
		}
		// The account page subscribes with no choice: the browser's
		// topics and districts stay.
		if status, out := postJSON(t, c, a.URL, "/@metro/follow/webpush", map[string]any{"subscription": push.subscription(), "language": "en"}, true); status != 200 {
			t.Fatalf("again from the account page: %d %v", status, out)
		}
		got, _ = a.Followers.FollowerByID(ctx, f.ID)
		if strings.Join(got.Tags, ",") != "line-12" || len(got.Districts) != 1 {
			t.Fatalf("after subscribing again without a choice: %+v", got)
		}
		// From the follow page again, the new choice replaces the old.
		if status, out := postJSON(t, c, a.URL, "/@metro/follow/webpush", map[string]any{"subscription": push.subscription(), "language": "en",
			"topics": []string{}, "area": map[string]any{"mode": "all"}}, true); status != 200 {
			t.Fatalf("again from the follow page: %d %v", status, out)
		}
		got, _ = a.Followers.FollowerByID(ctx, f.ID)
		if len(got.Tags) != 0 || got.AreaMode != models.AreaAll || len(got.Districts) != 0 {
			t.Fatalf("after choosing everything: %+v", got)
		}
	})
}

// TestWebPushSwitchOff: an account that turns browser notifications off
// offers no button and refuses subscriptions, while its browsers already
// subscribed stay followers.
func TestWebPushSwitchOff(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		fx := apptest.Seed(t, a)
		enableWebPush(t, a, fx)
		c := a.Client(t)
		key := vapidKey(t, c)
		push := newFakePush(t, key)
		if status, out := postJSON(t, c, a.URL, "/@metro/follow/webpush", map[string]any{"subscription": push.subscription()}, true); status != 200 {
			t.Fatalf("subscribe: %d %v", status, out)
		}
		staff := a.Client(t)
		staff.Login(fx.ByRole[models.RoleEditor].Email, apptest.Password)
		chat := paths.Chat(fx.Org.ID, "metro")
		if r := staff.Post(chat+"/webpush", nil); r.Status != 303 {
			t.Fatalf("turn off: %s", r)
		}
		for _, page := range []string{"/@metro", "/@metro/follow"} {
			if r := c.Get(page); r.Status != 200 || strings.Contains(r.Body, "data-webpush") {
				t.Errorf("%s still offers push", page)
			}
		}
		other := newFakePush(t, key)
		if status, out := postJSON(t, c, a.URL, "/@metro/follow/webpush", map[string]any{"subscription": other.subscription()}, true); status != 404 || out["error"] != "webpush_off" {
			t.Fatalf("subscribe while off: %d %v", status, out)
		}
		var f models.Follower
		if err := a.Store.DB().Where("channel = ?", models.ChannelWebPush).First(&f).Error; err != nil || f.Status != models.StatusActive {
			t.Fatalf("the subscribed browser: %+v %v", f, err)
		}
		var audits int64
		a.Store.DB().Model(&models.AuditEntry{}).Where("action = ? AND detail = ?", "channel.chat", "webpush off").Count(&audits)
		if audits != 1 {
			t.Errorf("%d audit entries for turning it off", audits)
		}
	})
}

// TestWebPushFollowerExport: the CSV export names a browser by its push
// service, never by its subscription's keys, in a well-formed row.
func TestWebPushFollowerExport(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		fx := apptest.Seed(t, a)
		enableWebPush(t, a, fx)
		c := a.Client(t)
		key := vapidKey(t, c)
		push := newFakePush(t, key)
		if status, out := postJSON(t, c, a.URL, "/@metro/follow/webpush", map[string]any{"subscription": push.subscription()}, true); status != 200 {
			t.Fatalf("subscribe: %d %v", status, out)
		}
		staff := a.Client(t)
		staff.Login(fx.ByRole[models.RoleOwner].Email, apptest.Password)
		res := staff.Get(paths.Followers(fx.Org.ID, "metro") + "/export.csv?channel=webpush")
		if res.Status != 200 || strings.Contains(res.Body, push.sub.Subscription.Auth) || strings.Contains(res.Body, "p256dh") {
			t.Fatalf("export: %d\n%s", res.Status, res.Body)
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\ufeff"))).ReadAll()
		if err != nil || len(rows) != 2 {
			t.Fatalf("csv: %v, %d rows\n%s", err, len(rows), res.Body)
		}
		host := strings.TrimPrefix(push.srv.URL, "http://")
		if rows[1][0] != "browser ("+host+")" || rows[1][2] != models.ChannelWebPush || rows[1][3] != models.StatusActive {
			t.Fatalf("row = %q", rows[1])
		}
	})
}

// TestAPIWebPushFollowers: the API lists browser followers by channel,
// naming each by its push service, and refuses to create one.
func TestAPIWebPushFollowers(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		fx := apptest.Seed(t, a)
		enableWebPush(t, a, fx)
		c := a.Client(t)
		key := vapidKey(t, c)
		push := newFakePush(t, key)
		if status, out := postJSON(t, c, a.URL, "/@metro/follow/webpush", map[string]any{"subscription": push.subscription()}, true); status != 200 {
			t.Fatalf("subscribe: %d %v", status, out)
		}
		_, token, err := a.APITokens.Create(context.Background(), fx.Member(models.RoleOwner), "Ops", apitoken.AllScopes())
		if err != nil {
			t.Fatal(err)
		}
		api := newAPIClient(t, a, token)
		if r := api.do("POST", "/accounts/metro/followers", map[string]any{"channel": "email", "address": "pat@example.org"}); r.Status != 201 {
			t.Fatalf("add e-mail follower: %d %s", r.Status, r.Body)
		}
		r := api.do("POST", "/accounts/metro/followers", map[string]any{"channel": "webpush", "address": `{"endpoint":"https://push.example/x"}`})
		fields, _ := r.json(t)["error"].(map[string]any)["fields"].(map[string]any)
		if r.Status != 422 || r.code(t) != "invalid" || !strings.Contains(fmt.Sprint(fields["channel"]), "only from a browser") {
			t.Fatalf("add webpush follower: %d %s", r.Status, r.Body)
		}
		list := api.do("GET", "/accounts/metro/followers?channel=webpush", nil).json(t)["data"].([]any)
		host := strings.TrimPrefix(push.srv.URL, "http://")
		if len(list) != 1 || list[0].(map[string]any)["address"] != "browser ("+host+")" || list[0].(map[string]any)["channel"] != "webpush" {
			t.Fatalf("webpush followers: %v", list)
		}
		if all := api.do("GET", "/accounts/metro/followers", nil).json(t)["data"].([]any); len(all) != 2 {
			t.Fatalf("every follower: %v", all)
		}
		if r := api.do("GET", "/accounts/metro/followers?channel="+strings.Repeat("x", 41), nil); r.Status != 400 || r.code(t) != "bad_channel" {
			t.Fatalf("long channel: %d %s", r.Status, r.Body)
		}
		var n int64
		a.Store.DB().Model(&models.Follower{}).Where("channel = ?", models.ChannelWebPush).Count(&n)
		if n != 1 {
			t.Fatalf("%d webpush followers", n)
		}
	})
}
