package handlers_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/bridge/wechat/wechattest"
	"github.com/plazahq/plaza/models"
)

// Two districts sharing the edge at latitude 22.30 (as in
// models/district's tests).
const placeDistricts = `{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"name":"North","code":"N"},"geometry":{"type":"Polygon","coordinates":[[[114.10,22.30],[114.12,22.30],[114.12,22.32],[114.10,22.32],[114.10,22.30]]]}},
 {"type":"Feature","properties":{"name":"South","code":"S"},"geometry":{"type":"Polygon","coordinates":[[[114.10,22.28],[114.12,22.28],[114.12,22.30],[114.10,22.30],[114.10,22.28]]]}}]}`

// startPlaceChat is startChat with the organization's two districts.
func startPlaceChat(t *testing.T, dbURL string) (w *chatWorld, north, south int64) {
	t.Helper()
	w = startChat(t, dbURL, nil)
	ctx := context.Background()
	if _, err := w.a.Districts.Import(ctx, w.f.Member(models.RoleOwner), w.f.Org.ID, []byte(placeDistricts), false); err != nil {
		t.Fatal(err)
	}
	ds, err := w.a.Districts.List(ctx, w.f.Org.ID)
	if err != nil || len(ds) != 2 {
		t.Fatalf("districts = %v, %v", ds, err)
	}
	return w, ds[0].ID, ds[1].ID
}

// agePlace moves the question about address's place, just asked, back
// by d.
func agePlace(t *testing.T, a *apptest.App, address string, d time.Duration) {
	t.Helper()
	if err := a.DB.Gorm.Exec("UPDATE chat_places SET asked_at = ? WHERE address = ?", a.Store.Now().Add(-d), address).Error; err != nil {
		t.Fatal(err)
	}
}

func wantPlace(t *testing.T, fl *models.Follower, lat, lon float64, district int64) {
	t.Helper()
	if fl.AreaMode != models.AreaPlace || fl.PlaceLat == nil || fl.PlaceLon == nil || *fl.PlaceLat != lat || *fl.PlaceLon != lon ||
		fl.PlaceDistrictID == nil || *fl.PlaceDistrictID != district {
		t.Fatalf("follower's place: %s %v %v %v, want %v %v in %d", fl.AreaMode, fl.PlaceLat, fl.PlaceLon, fl.PlaceDistrictID, lat, lon, district)
	}
}

func wantNoPlace(t *testing.T, fl *models.Follower) {
	t.Helper()
	if fl.AreaMode != models.AreaAll || fl.PlaceLat != nil || fl.PlaceDistrictID != nil {
		t.Fatalf("follower has a place: %s %v %v", fl.AreaMode, fl.PlaceLat, fl.PlaceDistrictID)
	}
}

// TestChatPlaceWeChat: a place a follower shares on WeChat, or the one
// WeChat reports when they open the chat, is offered as the place for
// their alerts; YES within 30 minutes saves it, rounded, with its
// district; anything else drops it; STOP PLACE forgets it; STOP still
// comes first.
func TestChatPlaceWeChat(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		w, north, south := startPlaceChat(t, dbURL)
		a, acc := w.a, w.f.Account.ID
		now := time.Now().Unix()

		// Someone who does not follow: their place goes to the inbox as
		// before, and is asked about nowhere.
		expect(t, replyText(t, w.wechat(t, wechattest.Location("oStranger", "900", "22.3104", "114.1102", "Nathan Road"))), "staff")
		if got := replyText(t, w.wechat(t, wechattest.LocationEvent("oStranger", "22.3104", "114.1102", now))); got != "" {
			t.Fatalf("a stranger's reported place got %q", got)
		}
		if n := countRows(t, a, "chat_places", "address = 'oStranger'"); n != 0 {
			t.Fatalf("a stranger's place was kept")
		}

		// A follower shares a place: asked, then YES saves it rounded.
		replyText(t, w.wechat(t, wechattest.Event("oRider", "subscribe", "", now)))
		got := replyText(t, w.wechat(t, wechattest.Location("oRider", "901", "22.3104", "114.1102", "Nathan Road")))
		expect(t, got, "22.310, 114.110", "100 m", "YES")
		if n := countRows(t, a, "chat_messages", "address = 'oRider' AND body LIKE '[location] 22.3104,114.1102 Nathan Road'"); n != 1 {
			t.Fatal("the shared place's text was not kept")
		}
		wantNoPlace(t, chatFollower(t, a, acc, "wechat", "oRider"))
		expect(t, replyText(t, w.wechat(t, wechattest.Text("oRider", "902", "Yes."))), "Saved", "22.310, 114.110", "STOP PLACE")
		wantPlace(t, chatFollower(t, a, acc, "wechat", "oRider"), 22.31, 114.11, north)
		// Answered: a second YES is not a confirmation any more.
		if got := replyText(t, w.wechat(t, wechattest.Text("oRider", "903", "yes"))); strings.Contains(got, "Saved") {
			t.Fatalf("a second YES: %q", got)
		}

		// WeChat's report of the same place when the chat opens: quiet.
		if got := replyText(t, w.wechat(t, wechattest.LocationEvent("oRider", "22.3104", "114.1102", now+1))); got != "" {
			t.Fatalf("the saved place reported: %q", got)
		}

		// STOP PLACE forgets it, in any language.
		expect(t, replyText(t, w.wechat(t, wechattest.Text("oRider", "904", "stop place"))), "forgotten")
		wantNoPlace(t, chatFollower(t, a, acc, "wechat", "oRider"))
		expect(t, replyText(t, w.wechat(t, wechattest.Text("oRider", "905", "STOP PLACE"))), "No place")
		if fl := chatFollower(t, a, acc, "wechat", "oRider"); fl.Status != models.StatusActive {
			t.Fatalf("STOP PLACE unfollowed: %s", fl.Status)
		}

		// Unanswered for more than 30 minutes, the question lapses.
		expect(t, replyText(t, w.wechat(t, wechattest.Location("oRider", "906", "22.2901", "114.1103", ""))), "22.290, 114.110")
		agePlace(t, a, "oRider", 31*time.Minute)
		if got := replyText(t, w.wechat(t, wechattest.Text("oRider", "907", "YES"))); strings.Contains(got, "Saved") {
			t.Fatalf("a late YES: %q", got)
		}
		wantNoPlace(t, chatFollower(t, a, acc, "wechat", "oRider"))

		// Within time, a Spanish SÍ confirms too (the south district).
		expect(t, replyText(t, w.wechat(t, wechattest.Location("oRider", "908", "22.2901", "114.1103", ""))), "22.290, 114.110")
		agePlace(t, a, "oRider", 29*time.Minute)
		expect(t, replyText(t, w.wechat(t, wechattest.Text("oRider", "909", "SÍ"))), "Saved", "22.290, 114.110")
		wantPlace(t, chatFollower(t, a, acc, "wechat", "oRider"), 22.29, 114.11, south)

		// STOP while a place is pending unfollows, and saves nothing.
		expect(t, replyText(t, w.wechat(t, wechattest.Location("oRider", "910", "22.3104", "114.1102", ""))), "YES")
		expect(t, replyText(t, w.wechat(t, wechattest.Text("oRider", "911", "STOP"))), "no more messages")
		fl := chatFollower(t, a, acc, "wechat", "oRider")
		if fl.Status != models.StatusUnsubscribed {
			t.Fatalf("STOP with a pending place: %s", fl.Status)
		}
		wantPlace(t, fl, 22.29, 114.11, south)
	})
}

// TestChatPlaceWeChatReported: the place WeChat reports each time the
// chat opens is asked about once, not again in a row nor within a day,
// and never twice about the same place; a reply that is not YES drops
// it silently and is handled as usual.
func TestChatPlaceWeChatReported(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		w, north, _ := startPlaceChat(t, dbURL)
		a, acc := w.a, w.f.Account.ID
		now := time.Now().Unix()
		replyText(t, w.wechat(t, wechattest.Event("oWalker", "subscribe", "", now)))

		expect(t, replyText(t, w.wechat(t, wechattest.LocationEvent("oWalker", "22.310400", "114.110200", now+1))), "22.310, 114.110", "YES")
		for i, lat := range []string{"22.310400", "22.2901"} {
			if got := replyText(t, w.wechat(t, wechattest.LocationEvent("oWalker", lat, "114.110200", now+2+int64(i)))); got != "" {
				t.Fatalf("reported again (%s): %q", lat, got)
			}
		}
		// Anything else: dropped silently, the message handled as usual.
		expect(t, replyText(t, w.wechat(t, wechattest.Text("oWalker", "950", "Is line 12 running?"))), "staff")
		if got := replyText(t, w.wechat(t, wechattest.Text("oWalker", "951", "yes"))); strings.Contains(got, "Saved") {
			t.Fatalf("YES after another message: %q", got)
		}
		wantNoPlace(t, chatFollower(t, a, acc, "wechat", "oWalker"))

		// A day later: the same place is still not asked about, another
		// one is.
		agePlace(t, a, "oWalker", 25*time.Hour)
		if got := replyText(t, w.wechat(t, wechattest.LocationEvent("oWalker", "22.3104", "114.1102", now+10))); got != "" {
			t.Fatalf("the declined place asked again: %q", got)
		}
		expect(t, replyText(t, w.wechat(t, wechattest.LocationEvent("oWalker", "22.3151", "114.1152", now+11))), "22.315, 114.115")
		expect(t, replyText(t, w.wechat(t, wechattest.Text("oWalker", "952", "确认"))), "22.315, 114.115")
		wantPlace(t, chatFollower(t, a, acc, "wechat", "oWalker"), 22.315, 114.115, north)
	})
}

// TestChatPlaceTelegram: a Telegram location is asked about in the
// follower's language, and 是 confirms it.
func TestChatPlaceTelegram(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		w, north, _ := startPlaceChat(t, dbURL)
		update := func(id int, message map[string]any) string {
			message["message_id"], message["date"] = id, time.Now().Unix()
			message["from"] = map[string]any{"id": 77, "is_bot": false, "first_name": "Li", "language_code": "zh-hans"}
			message["chat"] = map[string]any{"id": 77, "type": "private"}
			b, _ := json.Marshal(map[string]any{"update_id": id, "message": message})
			return string(b)
		}
		say := func(body string) string {
			t.Helper()
			r := postTelegram(t, w, "tg-secret-1", body)
			var call struct{ Text string }
			if r.status != 200 || (r.body != "" && json.Unmarshal([]byte(r.body), &call) != nil) {
				t.Fatalf("%d %s", r.status, r.body)
			}
			return call.Text
		}
		expect(t, say(update(1, map[string]any{"text": "/start"})), "地铁")
		if fl := chatFollower(t, w.a, w.f.Account.ID, "telegram", "77"); fl.Language != "zh-Hans" {
			t.Fatalf("follower's language %q", fl.Language)
		}
		expect(t, say(update(2, map[string]any{"location": map[string]any{"latitude": 22.3104, "longitude": 114.1102}})), "22.310, 114.110", "“是”")
		expect(t, say(update(3, map[string]any{"text": "是"})), "已保存", "22.310, 114.110", "取消位置")
		wantPlace(t, chatFollower(t, w.a, w.f.Account.ID, "telegram", "77"), 22.31, 114.11, north)
		expect(t, say(update(4, map[string]any{"text": "取消位置"})), "已删除")
		fl := chatFollower(t, w.a, w.f.Account.ID, "telegram", "77")
		wantNoPlace(t, fl)

		// Erasing the follower erases the place they were asked about.
		say(update(5, map[string]any{"location": map[string]any{"latitude": 22.29, "longitude": 114.11}}))
		if n := countRows(t, w.a, "chat_places", "address = '77'"); n != 1 {
			t.Fatalf("%d places kept", n)
		}
		if err := w.a.Followers.EraseFollower(context.Background(), w.f.Member(models.RoleOwner), w.f.Account, fl.ID); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, w.a, "chat_places", "address = '77'"); n != 0 {
			t.Fatalf("%d places left after erasing the follower", n)
		}
	})
}
