package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/bridge/wechat"
	"github.com/plazahq/plaza/bridge/wechat/wechattest"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/models"
)

// secondInstance is another Plaza on the same PostgreSQL database, as
// behind a load balancer. SQLite is one instance by design (one file,
// one server), so there the same instance takes the replay.
func secondInstance(t *testing.T, w *chatWorld, dbURL string) *apptest.App {
	t.Helper()
	if strings.HasPrefix(dbURL, "sqlite:") {
		return w.a
	}
	return apptest.StartWith(t, dbURL, func(c *config.Config) { c.WeChatAPI, c.TelegramAPI = w.wx.URL, w.tg.URL })
}

// TestWeChatReplay: in plain mode WeChat signs the timestamp and nonce,
// not the body, so a signed URL seen once (in a proxy's log) must not
// carry another body, on any instance, within the timestamp window. The
// review's attack: a forged unsubscribe for a real follower.
func TestWeChatReplay(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := startChat(t, dbURL, nil)
		a, f := w.a, w.f
		other := *w.wxc
		other.URL = secondInstance(t, w, dbURL).URL + "/bridge/wechat/metro"

		replyText(t, w.wechat(t, wechattest.Event("oRealUser42", "subscribe", "", time.Now().Unix())))
		q := w.wxc.Query(time.Now(), "5550001", "")
		if ans, err := w.wxc.Raw(q, wechattest.Text("oRealUser42", "9001", "When is the next bus?"), nil); err != nil || ans.Status != 200 {
			t.Fatalf("the genuine message: %d %v", ans.Status, err)
		}
		before := countRows(t, a, "chat_messages", "1 = 1")
		forged := wechattest.Event("oRealUser42", "unsubscribe", "", time.Now().Unix())
		for _, c := range []*wechattest.Caller{&other, w.wxc} {
			if ans, _ := c.Raw(q, forged, nil); ans.Status != http.StatusForbidden {
				t.Fatalf("replay to %s: %d %s", c.URL, ans.Status, ans.Body)
			}
		}
		if fl := chatFollower(t, a, f.Account.ID, "wechat", "oRealUser42"); fl.Status != models.StatusActive {
			t.Fatalf("a replayed unsubscribe changed the follower: %s", fl.Status)
		}
		if after := countRows(t, a, "chat_messages", "1 = 1"); after != before {
			t.Fatalf("a replay stored %d messages", after-before)
		}
		// Another nonce with the same timestamp is another request.
		if ans, _ := other.Raw(w.wxc.Query(time.Now(), "5550002", ""), wechattest.Text("oRealUser42", "9002", "Thanks"), nil); ans.Status != 200 {
			t.Fatalf("a new nonce: %d %s", ans.Status, ans.Body)
		}

		// Safe mode: the very same encrypted request, replayed.
		c, err := wechat.NewCipher(testAESKey, testAppID)
		if err != nil {
			t.Fatal(err)
		}
		enc, _ := c.Encrypt([]byte(wechattest.Text("oRealUser42", "9003", "help")))
		body := "<xml><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>"
		qs := w.wxc.Query(time.Now(), "5550003", enc)
		if ans, _ := w.wxc.Raw(qs, body, c); ans.Status != 200 {
			t.Fatalf("safe mode message: %d %s", ans.Status, ans.Body)
		}
		if ans, _ := other.Raw(qs, body, c); ans.Status != http.StatusForbidden {
			t.Fatalf("safe mode replay: %d %s", ans.Status, ans.Body)
		}

		// The URL check: the same window and the same single use.
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		v := url.Values{"timestamp": {ts}, "nonce": {"5550004"}, "echostr": {"8374628736"}, "signature": {wechat.Signature("tok123", ts, "5550004")}}
		if r := getURL(t, w.wxc.URL+"?"+v.Encode()); r.status != 200 || r.body != "8374628736" {
			t.Fatalf("verify: %d %q", r.status, r.body)
		}
		v.Set("echostr", "<script>alert(1)</script>")
		if r := getURL(t, other.URL+"?"+v.Encode()); r.status != http.StatusForbidden || strings.Contains(r.body, "script") {
			t.Fatalf("replayed verify: %d %q", r.status, r.body)
		}
		old := strconv.FormatInt(time.Now().Add(-10*time.Minute).Unix(), 10)
		stale := url.Values{"timestamp": {old}, "nonce": {"5550005"}, "echostr": {"1"}, "signature": {wechat.Signature("tok123", old, "5550005")}}
		if r := getURL(t, w.wxc.URL+"?"+stale.Encode()); r.status != http.StatusForbidden {
			t.Fatalf("stale verify: %d %q", r.status, r.body)
		}
	})
}

// TestWeChatUnknownTypes: a message of a type Plaza does not know is
// acknowledged (a 4xx makes WeChat retry and show the person an error)
// and reaches the inbox; an unknown event is acknowledged and dropped.
func TestWeChatUnknownTypes(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := startChat(t, dbURL, nil)
		a, f := w.a, w.f
		file := fmt.Sprintf(`<xml><ToUserName><![CDATA[gh_demo]]></ToUserName><FromUserName><![CDATA[oFiler]]></FromUserName>`+
			`<CreateTime>%d</CreateTime><MsgType><![CDATA[file]]></MsgType><Title><![CDATA[minutes.pdf]]></Title>`+
			`<Description><![CDATA[Board meeting]]></Description><FileKey>k1</FileKey><FileMd5>d41d8cd9</FileMd5>`+
			`<FileTotalLen>2048</FileTotalLen><MsgId>7001</MsgId></xml>`, time.Now().Unix())
		if ans := w.wechat(t, file); ans.Status != 200 {
			t.Fatalf("file message: %d %s", ans.Status, ans.Body)
		}
		before := countRows(t, a, "chat_messages", "1 = 1")
		for _, ev := range []string{"TEMPLATESENDJOBFINISH", "some_new_event"} {
			if ans := w.wechat(t, wechattest.Event("oFiler", ev, "", time.Now().Unix())); ans.Status != 200 || ans.Body != "success" {
				t.Fatalf("event %s: %d %q", ev, ans.Status, ans.Body)
			}
		}
		if after := countRows(t, a, "chat_messages", "1 = 1"); after != before {
			t.Fatalf("ignored events stored %d messages", after-before)
		}
		mc := a.Client(t)
		mc.Login(f.ByRole[models.RoleModerator].Email, apptest.Password)
		inbox := fmt.Sprintf("/studio/orgs/%d/accounts/metro/inbox", f.Org.ID)
		if r := mc.Get(inbox); r.Status != 200 || !strings.Contains(r.Body, "[file] minutes.pdf Board meeting") {
			t.Fatalf("inbox: %s", r)
		}
	})
}
