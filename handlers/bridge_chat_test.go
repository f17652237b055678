package handlers_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/bridge/telegram/telegramtest"
	"github.com/plazahq/plaza/bridge/wechat"
	"github.com/plazahq/plaza/bridge/wechat/wechattest"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/channel"
	"github.com/plazahq/plaza/models/notice"
)

const (
	testAppID  = "wx1234567890abcdef"
	testAESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	testBot    = "123456:AAEhBP0av28ZzW3pTTlx1Fkx9XWbjD0MEzo"
)

// chatWorld is Plaza with fakes of WeChat's and Telegram's servers and
// the fixture account set up on both.
type chatWorld struct {
	a   *apptest.App
	f   *apptest.Fixtures
	wx  *wechattest.API
	tg  *telegramtest.API
	wxc *wechattest.Caller
}

func startChat(t *testing.T, dbURL string, wxSettings func(*channel.Settings)) *chatWorld {
	t.Helper()
	return startChatConfig(t, dbURL, wxSettings, nil)
}

// startChatConfig is startChat with a change to Plaza's configuration.
func startChatConfig(t *testing.T, dbURL string, wxSettings func(*channel.Settings), configure func(*config.Config)) *chatWorld {
	t.Helper()
	wx := wechattest.NewAPI(testAppID, "app-secret-1")
	t.Cleanup(wx.Close)
	tg := telegramtest.NewAPI(testBot, "MetroBot")
	t.Cleanup(tg.Close)
	a := apptest.StartWith(t, dbURL, func(c *config.Config) {
		c.WeChatAPI, c.TelegramAPI = wx.URL, tg.URL
		if configure != nil {
			configure(c)
		}
	})
	f := apptest.Seed(t, a)
	ctx := context.Background()
	owner := f.Member(models.RoleOwner)
	ws := settings(true, "app_id", testAppID, "app_secret", "app-secret-1", "token", "tok123", "aes_key", testAESKey)
	if wxSettings != nil {
		wxSettings(&ws)
	}
	if err := saveChat(ctx, a, owner, f.Account, models.ChannelWeChat, ws); err != nil {
		t.Fatal(err)
	}
	if err := saveChat(ctx, a, owner, f.Account, models.ChannelTelegram, settings(true, "bot_token", testBot, "secret_token", "tg-secret-1")); err != nil {
		t.Fatal(err)
	}
	return &chatWorld{a: a, f: f, wx: wx, tg: tg, wxc: &wechattest.Caller{URL: a.URL + "/bridge/wechat/metro", Token: "tok123",
		AESKey: testAESKey, AppID: testAppID, Account: "gh_demo"}}
}

func (w *chatWorld) wechat(t *testing.T, xml string) wechattest.Answer {
	t.Helper()
	ans, err := w.wxc.Post(xml)
	if err != nil {
		t.Fatal(err)
	}
	return ans
}

func replyText(t *testing.T, ans wechattest.Answer) string {
	t.Helper()
	if ans.Status != http.StatusOK {
		t.Fatalf("status %d: %s", ans.Status, ans.Body)
	}
	if ans.Reply == nil {
		return ""
	}
	if ans.Reply.MsgType != "text" || ans.Reply.FromUserName != "gh_demo" || ans.Reply.ToUserName == "" {
		t.Fatalf("passive reply shape: %s", ans.Body)
	}
	return ans.Reply.Content
}

func chatFollower(t *testing.T, a *apptest.App, accountID int64, channel, address string) *models.Follower {
	t.Helper()
	f, err := a.Followers.ChatFollower(context.Background(), accountID, channel, address)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestWeChatCallback(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := startChat(t, dbURL, nil)
		a, f := w.a, w.f

		// The URL check WeChat makes when the account saves it.
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		q := url.Values{"timestamp": {ts}, "nonce": {"42"}, "echostr": {"8374628736"}, "signature": {wechat.Signature("tok123", ts, "42")}}
		if r := getURL(t, w.wxc.URL+"?"+q.Encode()); r.status != 200 || r.body != "8374628736" {
			t.Fatalf("verify: %d %q", r.status, r.body)
		}
		q.Set("signature", wechat.Signature("other", ts, "42"))
		if r := getURL(t, w.wxc.URL+"?"+q.Encode()); r.status != 403 {
			t.Fatalf("verify with a bad signature: %d", r.status)
		}

		// A first follow through a parameterized QR code.
		got := replyText(t, w.wechat(t, wechattest.Event("oRider1", "subscribe", "qrscene_stop-12", time.Now().Unix())))
		expect(t, got, "Metro")
		fl := chatFollower(t, a, f.Account.ID, "wechat", "oRider1")
		if fl == nil || fl.Status != models.StatusActive || fl.Scene != "stop-12" || fl.Source != "chat" {
			t.Fatalf("follower from subscribe: %+v", fl)
		}
		expect(t, replyText(t, w.wechat(t, wechattest.Text("oRider1", "1001", "help"))), "stop")

		// WeChat retries a message it got no answer to in time: the
		// retry is not handled again.
		msg := wechattest.Text("oRider1", "1002", "The lift at Central is broken")
		expect(t, replyText(t, w.wechat(t, msg)), "staff")
		if ans := w.wechat(t, msg); ans.Status != 200 || ans.Body != "success" {
			t.Fatalf("retry of a message: %d %q", ans.Status, ans.Body)
		}
		if n := countRows(t, a, "chat_messages", "msg_id = ?", "1002"); n != 1 {
			t.Fatalf("message 1002 stored %d times", n)
		}
		// Someone already talking to the staff is not told again.
		if got := replyText(t, w.wechat(t, wechattest.Text("oRider1", "1003", "Since this morning"))); got != "" {
			t.Fatalf("second inbox message got %q", got)
		}
		if n := countRows(t, a, "chat_conversations", "address = ? AND status = 'open' AND unread = 2", "oRider1"); n != 1 {
			t.Fatal("the conversation should be open with two unread messages")
		}

		// A keyword staff set answers by itself.
		if err := a.Chats.AddChatKeyword(context.Background(), f.Member(models.RoleEditor), f.Account,
			models.ChatKeyword{Keyword: "Fare", Match: models.MatchContains, Translations: models.Translations{"en": {"reply": "A single ride is 2 yuan."}}}); err != nil {
			t.Fatal(err)
		}
		expect(t, replyText(t, w.wechat(t, wechattest.Text("oRider1", "1004", "what is the fare?"))), "2 yuan")
		// A menu button's key reads as a command.
		expect(t, replyText(t, w.wechat(t, wechattest.Event("oRider1", "CLICK", "help", time.Now().Unix()))), "stop")

		// Refused with no side effect: a bad signature, a stale
		// timestamp, XML that is not a message, a body too large.
		before := countRows(t, a, "chat_messages", "1 = 1")
		bad := w.wxc.Query(time.Now(), "7", "")
		bad.Set("signature", strings.Repeat("0", 40))
		if ans, _ := w.wxc.Raw(bad, wechattest.Text("oRider1", "2001", "help"), nil); ans.Status != 403 {
			t.Fatalf("bad signature: %d", ans.Status)
		}
		if ans, _ := w.wxc.Raw(w.wxc.Query(time.Now().Add(-10*time.Minute), "8", ""), wechattest.Text("oRider1", "2002", "help"), nil); ans.Status != 403 {
			t.Fatalf("stale timestamp: %d", ans.Status)
		}
		for _, body := range []string{"<xml><FromUserName>oRider1", "not xml", `<xml><MsgType>text</MsgType></xml>`} {
			if ans, _ := w.wxc.Raw(w.wxc.Query(time.Now(), "9", ""), body, nil); ans.Status != 400 {
				t.Fatalf("malformed %q: %d %s", body, ans.Status, ans.Body)
			}
		}
		huge := wechattest.Text("oRider1", "2003", strings.Repeat("x", 70<<10))
		if ans, _ := w.wxc.Raw(w.wxc.Query(time.Now(), "10", ""), huge, nil); ans.Status != 413 {
			t.Fatalf("oversized: %d", ans.Status)
		}
		if after := countRows(t, a, "chat_messages", "1 = 1"); after != before {
			t.Fatalf("refused requests stored %d messages", after-before)
		}

		// Safe mode: encrypted in, encrypted and signed out.
		w.wxc.Safe = true
		expect(t, replyText(t, w.wechat(t, wechattest.Text("oRider2", "3001", "关注"))), "地铁")
		if fl := chatFollower(t, a, f.Account.ID, "wechat", "oRider2"); fl == nil || fl.Language != "zh-Hans" {
			t.Fatalf("follower from a Chinese command: %+v", fl)
		}
		// An encrypted message under a wrong msg_signature.
		c, _ := wechat.NewCipher(testAESKey, testAppID)
		enc, _ := c.Encrypt([]byte(wechattest.Text("oRider2", "3002", "help")))
		q2 := w.wxc.Query(time.Now(), "11", enc)
		q2.Set("msg_signature", strings.Repeat("a", 40))
		if ans, _ := w.wxc.Raw(q2, "<xml><Encrypt><![CDATA["+enc+"]]></Encrypt></xml>", c); ans.Status != 403 {
			t.Fatalf("bad msg_signature: %d", ans.Status)
		}

		// Unsubscribing ends the follow.
		w.wxc.Safe = false
		if ans := w.wechat(t, wechattest.Event("oRider1", "unsubscribe", "", time.Now().Unix())); ans.Body != "success" {
			t.Fatalf("unsubscribe answer: %q", ans.Body)
		}
		if fl := chatFollower(t, a, f.Account.ID, "wechat", "oRider1"); fl.Status != models.StatusUnsubscribed {
			t.Fatalf("after unsubscribe: %s", fl.Status)
		}
	})
}

func TestWeChatSafeModeOnly(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := startChat(t, dbURL, func(s *channel.Settings) { s.SetBool("safe_mode", true) })
		if ans := w.wechat(t, wechattest.Text("oA", "1", "help")); ans.Status != 403 {
			t.Fatalf("a plain message to a safe-mode account: %d", ans.Status)
		}
		w.wxc.Safe = true
		expect(t, replyText(t, w.wechat(t, wechattest.Text("oA", "2", "help"))), "stop")
		// An account with WeChat off has no callback.
		ctx := context.Background()
		if err := saveChat(ctx, w.a, w.f.Member(models.RoleOwner), w.f.Account, models.ChannelWeChat, settings(false, "app_id", testAppID)); err != nil {
			t.Fatal(err)
		}
		if ans := w.wechat(t, wechattest.Text("oA", "3", "help")); ans.Status != 404 {
			t.Fatalf("disabled channel: %d", ans.Status)
		}
	})
}

type httpAnswer struct {
	status int
	body   string
}

func getURL(t *testing.T, u string) httpAnswer {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return httpAnswer{res.StatusCode, string(b)}
}

func postTelegram(t *testing.T, w *chatWorld, secret, body string) httpAnswer {
	t.Helper()
	req, _ := http.NewRequest("POST", w.a.URL+"/bridge/telegram/metro", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return httpAnswer{res.StatusCode, string(b)}
}

func tgMessage(update int, chat int64, text string) string {
	b, _ := json.Marshal(map[string]any{"update_id": update, "message": map[string]any{"message_id": update, "date": time.Now().Unix(),
		"from": map[string]any{"id": chat, "is_bot": false, "first_name": "Ana", "language_code": "en"},
		"chat": map[string]any{"id": chat, "type": "private"}, "text": text}})
	return string(b)
}

func TestTelegramWebhook(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := startChat(t, dbURL, nil)
		a, f := w.a, w.f
		for _, secret := range []string{"", "wrong"} {
			if r := postTelegram(t, w, secret, tgMessage(1, 42, "/start stop-12")); r.status != 401 {
				t.Fatalf("secret %q: %d", secret, r.status)
			}
		}
		if n := countRows(t, a, "chat_messages", "1 = 1"); n != 0 {
			t.Fatalf("refused updates stored %d messages", n)
		}
		r := postTelegram(t, w, "tg-secret-1", tgMessage(2, 42, "/start stop-12"))
		var call struct {
			Method string `json:"method"`
			ChatID string `json:"chat_id"`
			Text   string `json:"text"`
		}
		if r.status != 200 || json.Unmarshal([]byte(r.body), &call) != nil || call.Method != "sendMessage" || call.ChatID != "42" {
			t.Fatalf("start: %d %s", r.status, r.body)
		}
		expect(t, call.Text, "Metro")
		if fl := chatFollower(t, a, f.Account.ID, "telegram", "42"); fl == nil || fl.Scene != "stop-12" || fl.Status != models.StatusActive {
			t.Fatalf("follower from /start: %+v", fl)
		}
		// Telegram redelivers an update it got no 200 for: once only.
		if r := postTelegram(t, w, "tg-secret-1", tgMessage(2, 42, "/start stop-12")); r.status != 200 || r.body != "" {
			t.Fatalf("redelivered update: %d %q", r.status, r.body)
		}
		// A group, a sticker: nothing to do, and Telegram must not retry.
		group := `{"update_id":3,"message":{"message_id":3,"chat":{"id":-5,"type":"group"},"date":1,"text":"hi"}}`
		if r := postTelegram(t, w, "tg-secret-1", group); r.status != 200 || r.body != "" {
			t.Fatalf("group message: %d %q", r.status, r.body)
		}
		for _, bad := range []string{"{", `{"update_id":"x"}`, "[]"} {
			if r := postTelegram(t, w, "tg-secret-1", bad); r.status != 400 {
				t.Fatalf("malformed %q: %d", bad, r.status)
			}
		}
		if r := postTelegram(t, w, "tg-secret-1", tgMessage(5, 42, strings.Repeat("x", 70<<10))); r.status != 413 {
			t.Fatalf("oversized: %d", r.status)
		}
		r = postTelegram(t, w, "tg-secret-1", tgMessage(4, 42, "/stop"))
		if r.status != 200 || !strings.Contains(r.body, "sendMessage") {
			t.Fatalf("stop: %d %s", r.status, r.body)
		}
		if fl := chatFollower(t, a, f.Account.ID, "telegram", "42"); fl.Status != models.StatusUnsubscribed {
			t.Fatalf("after /stop: %s", fl.Status)
		}
	})
}

func TestChatBroadcasts(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := startChat(t, dbURL, func(s *channel.Settings) { s.Set("template_id", "tpl-notice-1") })
		a, f := w.a, w.f
		a.StartWorkers(t)
		ctx := context.Background()
		// oNear wrote today: a customer-service message reaches them.
		// oFar follows but never wrote: only the template can.
		replyText(t, w.wechat(t, wechattest.Event("oNear", "subscribe", "", time.Now().Unix())))
		replyText(t, w.wechat(t, wechattest.Text("oNear", "1", "hello")))
		if _, err := a.Followers.SeedFollower(ctx, f.Account.ID, models.ChannelWeChat, "oFar", "", "en", nil, 0, ""); err != nil {
			t.Fatal(err)
		}
		// Telegram: 42 is rate-limited once, 43 blocked the bot.
		for i, chat := range []int64{42, 43} {
			postTelegram(t, w, "tg-secret-1", tgMessage(10+i, chat, "/start"))
		}
		w.tg.Flood(1, 1)
		w.tg.Block("43")

		b := publishAndWait(t, a, f, notice.Input{Kind: models.NoticeTransit, Translations: models.Texts("en", "title", "Line 12 diverted", "body", "Buses run via Park Road until 6 pm.")})
		if b.Sent != 3 || b.Failed != 1 {
			t.Fatalf("broadcast: %+v", b)
		}
		var custom, template int
		for _, s := range w.wx.Sent() {
			switch {
			case s.Kind == "custom" && s.To[0] == "oNear" && strings.Contains(s.Text, "Line 12 diverted"):
				custom++
			case s.Kind == "template" && s.To[0] == "oFar" && s.TemplateID == "tpl-notice-1" && strings.Contains(s.Data["first"], "Line 12"):
				template++
			default:
				t.Fatalf("unexpected WeChat message %+v", s)
			}
		}
		if custom != 1 || template != 1 {
			t.Fatalf("custom %d, template %d: %+v", custom, template, w.wx.Sent())
		}
		if s := w.tg.Sent(); len(s) != 1 || s[0].ChatID != "42" || !strings.Contains(s[0].Text, "Park Road") {
			t.Fatalf("telegram sent %+v", s)
		}
		if fl := chatFollower(t, a, f.Account.ID, "telegram", "43"); fl.Status != models.StatusUnsubscribed {
			t.Fatalf("a follower who blocked the bot: %s", fl.Status)
		}
		if fl := chatFollower(t, a, f.Account.ID, "telegram", "42"); fl.Status != models.StatusActive {
			t.Fatalf("a rate-limited follower: %s", fl.Status)
		}
	})
}

// Without a template, followers outside the 48-hour window get the notice
// through one mass send per language, in the same broadcast as the
// customer-service messages to those inside it.
func TestWeChatMassSend(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := startChat(t, dbURL, nil)
		a, f := w.a, w.f
		a.StartWorkers(t)
		ctx := context.Background()
		replyText(t, w.wechat(t, wechattest.Text("oNear", "1", "hello")))
		for _, who := range []struct{ id, lang string }{{"oFar1", "en"}, {"oFar2", "en"}, {"oFar3", "en"}, {"oZh", "zh"}} {
			if _, err := a.Followers.SeedFollower(ctx, f.Account.ID, models.ChannelWeChat, who.id, "", who.lang, nil, 0, ""); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := a.Followers.FollowFromChat(ctx, f.Account.ID, models.ChannelWeChat, "oNear", "en", "", nil); err != nil {
			t.Fatal(err)
		}
		b := publishAndWait(t, a, f, notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", "Typhoon signal 8", "body", "Services stop at 6 pm.")})
		// oNear: custom; oFar1-3: one mass send; oZh alone in its
		// language (the notice has no Chinese version, so it falls back
		// to English and joins the English mass send).
		var custom, mass int
		for _, s := range w.wx.Sent() {
			switch s.Kind {
			case "custom":
				if s.To[0] != "oNear" {
					t.Fatalf("custom message to %v", s.To)
				}
				custom++
			case "mass":
				mass++
				if len(s.To) != 4 || !strings.Contains(s.Text, "Typhoon signal 8") {
					t.Fatalf("mass send %+v", s)
				}
			default:
				t.Fatalf("unexpected %+v", s)
			}
		}
		if custom != 1 || mass != 1 || b.Sent != 5 || b.Failed != 0 {
			t.Fatalf("custom %d, mass %d, broadcast %+v", custom, mass, b)
		}
	})
}

// publishAndWait publishes a notice of the fixture account and waits for
// its broadcast to finish.
func publishAndWait(t *testing.T, a *apptest.App, f *apptest.Fixtures, in notice.Input) models.Broadcast {
	t.Helper()
	ctx := context.Background()
	boss := f.Member(models.RoleOwner)
	n, err := a.Notices.CreateNotice(ctx, boss, f.Account, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Notices.PublishNotice(ctx, boss, f.Account, n.ID, in); err != nil {
		t.Fatal(err)
	}
	return waitBroadcast(t, a, n.ID)
}
