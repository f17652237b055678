package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/bridge/wechat/wechattest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/followcode"
)

func TestChatSettingsPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := startChat(t, dbURL, nil)
		a, f := w.a, w.f
		c := a.Client(t)
		c.Login(f.ByRole[models.RoleEditor].Email, apptest.Password)
		page := fmt.Sprintf("/studio/orgs/%d/accounts/metro/chat", f.Org.ID)

		// The signing secrets (Token, EncodingAESKey, secret_token) are
		// for owners' eyes only: the editor who sets the channel up sees
		// that they are set.
		owner := a.Client(t)
		owner.Login(f.ByRole[models.RoleOwner].Email, apptest.Password)
		if r := owner.Get(page); r.Status != 200 || !strings.Contains(r.Body, "tok123") || !strings.Contains(r.Body, testAESKey) ||
			!strings.Contains(r.Body, "tg-secret-1") {
			t.Fatalf("settings page for the owner: %s", r)
		}
		r := c.Get(page)
		if r.Status != 200 || !strings.Contains(r.Body, "http://plaza.test/bridge/wechat/metro") || strings.Contains(r.Body, "tok123") ||
			strings.Contains(r.Body, testAESKey) || strings.Contains(r.Body, "tg-secret-1") || !strings.Contains(r.Body, "Only owners see it") ||
			!strings.Contains(r.Body, "http://plaza.test/bridge/telegram/metro") {
			t.Fatalf("settings page for an editor: %s", r)
		}
		// The webhook's panel points to where its settings are, in words,
		// never a raw message key.
		if !strings.Contains(r.Body, "Set its URL and signing secret under Delivery and feeds") || strings.Contains(r.Body, "chat.webhook_settings") {
			t.Fatalf("webhook panel: %s", r)
		}
		// Secrets are never shown, and stored encrypted.
		if strings.Contains(r.Body, "app-secret-1") || strings.Contains(r.Body, testBot) {
			t.Fatal("the settings page shows a secret")
		}
		var stored string
		if err := a.DB.Gorm.Raw("SELECT config || secret FROM account_channels WHERE channel = 'wechat'").Scan(&stored).Error; err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, "app-secret-1") || strings.Contains(stored, "tok123") || strings.Contains(stored, testAESKey) {
			t.Fatalf("secrets stored in the clear: %s", stored)
		}

		// A bad AppID is refused with the field marked and the rest kept.
		r = c.Post(page+"/wechat", url.Values{"enabled": {"on"}, "app_id": {"12345"}, "token": {"tok123"}, "aes_key": {testAESKey}, "template_id": {"tpl"}})
		if r.Status != 422 || !strings.Contains(r.Body, "starts with wx") || !strings.Contains(r.Body, `value="tpl"`) {
			t.Fatalf("bad AppID: %s", r)
		}
		// Saving without retyping the AppSecret keeps it.
		r = c.Post(page+"/wechat", url.Values{"enabled": {"on"}, "app_id": {testAppID}, "token": {"tok123"}, "aes_key": {testAESKey}, "template_id": {"tpl-2"}})
		if r.Status != 303 {
			t.Fatalf("save: %s", r)
		}
		if r := c.Post(page+"/wechat/test", nil); r.Status != 200 || !strings.Contains(r.Body, "Connection works: AppID "+testAppID) {
			t.Fatalf("test connection: %s", r)
		}
		if r := c.Post(page+"/wechat", url.Values{"enabled": {"on"}, "app_id": {testAppID}, "app_secret": {"wrong-secret"}, "token": {"tok123"}, "aes_key": {testAESKey}}); r.Status != 303 {
			t.Fatalf("save a wrong secret: %s", r)
		}
		if r := c.Post(page+"/wechat/test", nil); r.Status != 200 || !strings.Contains(r.Body, "The test failed") || !strings.Contains(r.Body, "WeChat refused the AppID or AppSecret") || strings.Contains(r.Body, "40125") {
			t.Fatalf("test with a wrong secret: %s", r)
		}

		// Telegram: test, then point the bot at Plaza.
		if r := c.Post(page+"/telegram/test", nil); !strings.Contains(r.Body, "Connection works: @MetroBot") {
			t.Fatalf("telegram test: %s", r)
		}
		if r := c.Post(page+"/telegram/connect", nil); !strings.Contains(r.Body, "Telegram now sends") {
			t.Fatalf("telegram connect: %s", r)
		}
		if u, s := w.tg.Webhook(); u != "http://plaza.test/bridge/telegram/metro" || s != "tg-secret-1" {
			t.Fatalf("setWebhook got %q %q", u, s)
		}

		// Welcome message and keyword replies answer on every channel.
		if r := c.Post(page+"/welcome", url.Values{"welcome.en": {"Welcome aboard Metro!"}, "welcome.zh-Hans": {"欢迎关注地铁！"}}); r.Status != 303 {
			t.Fatalf("welcome: %s", r)
		}
		if r := c.Post(page+"/keywords", url.Values{"keyword": {""}, "match": {"exact"}, "reply": {"x"}}); r.Status != 422 {
			t.Fatalf("empty keyword: %s", r)
		}
		// A reply in an language the account does not publish in.
		if r := c.Post(page+"/keywords", url.Values{"keyword": {"票价"}, "match": {"contains"}, "reply.zh-Hant": {"單程票 2 元。"}}); r.Status != 422 {
			t.Fatalf("a reply in zh-Hant: %s", r)
		}
		// Too long: the form comes back with what was typed and the error
		// beside that language's reply.
		if r := c.Post(page+"/keywords", url.Values{"keyword": {"票价"}, "match": {"contains"}, "reply.en": {strings.Repeat("a", 2001)}, "reply.zh-Hans": {"单程票 2 元。"}}); r.Status != 422 ||
			!strings.Contains(r.Body, `aria-describedby="e-reply.en reply-hint"`) || !strings.Contains(r.Body, "单程票 2 元。</textarea>") {
			t.Fatalf("a reply too long: %s", r)
		}
		if r := c.Post(page+"/keywords", url.Values{"keyword": {"票价"}, "match": {"contains"}, "reply.zh-Hans": {"单程票 2 元。"}}); r.Status != 303 {
			t.Fatalf("keyword: %s", r)
		}
		expect(t, replyText(t, w.wechat(t, wechattest.Event("oNew", "subscribe", "", time.Now().Unix()))), "Welcome aboard Metro!")
		w.wxc.Safe = false
		expect(t, replyText(t, w.wechat(t, wechattest.Text("oZh", "9001", "请问票价多少"))), "单程票 2 元")
		// A rule with only a Chinese reply answers an English speaker in
		// Chinese: the follower's language, else the account's default,
		// else any.
		expect(t, replyText(t, w.wechat(t, wechattest.Text("oNew", "9002", "票价"))), "单程票 2 元")
		r = c.Get(page)
		if !strings.Contains(r.Body, "票价") || !strings.Contains(r.Body, `name="reply.en"`) || !strings.Contains(r.Body, `name="reply.zh-Hans"`) ||
			!strings.Contains(r.Body, `lang="zh-Hans" dir="ltr">简体中文</span>`) {
			t.Fatalf("keyword list: %s", r)
		}
		kws, _ := a.Chats.ChatKeywords(context.Background(), f.Account.ID)
		if r := c.Post(fmt.Sprintf("%s/keywords/%d/delete", page, kws[0].ID), nil); r.Status != 303 {
			t.Fatalf("delete keyword: %s", r)
		}
		if kws, _ := a.Chats.ChatKeywords(context.Background(), f.Account.ID); len(kws) != 0 {
			t.Fatal("keyword not deleted")
		}
		// Moderators and viewers do not manage channels.
		mc := a.Client(t)
		mc.Login(f.ByRole[models.RoleModerator].Email, apptest.Password)
		if r := mc.Get(page); r.Status != 403 {
			t.Fatalf("moderator on settings: %d", r.Status)
		}
	})
}

func TestInbox(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := startChat(t, dbURL, nil)
		a, f := w.a, w.f
		c := a.Client(t)
		c.Login(f.ByRole[models.RoleModerator].Email, apptest.Password)
		inbox := fmt.Sprintf("/studio/orgs/%d/accounts/metro/inbox", f.Org.ID)

		if r := c.Get(inbox); r.Status != 200 || !strings.Contains(r.Body, "Nothing waiting") {
			t.Fatalf("empty inbox: %s", r)
		}
		// Two people write: one on Telegram, one on WeChat; a command
		// alone opens no conversation.
		postTelegram(t, w, "tg-secret-1", tgMessage(1, 42, "/start"))
		postTelegram(t, w, "tg-secret-1", tgMessage(2, 42, "Bus 12 skipped my stop"))
		replyText(t, w.wechat(t, wechattest.Text("oOld", "1", "Lost umbrella on line 3")))
		replyText(t, w.wechat(t, wechattest.Text("oCmd", "2", "help")))
		r := c.Get(inbox)
		if r.Status != 200 || !strings.Contains(r.Body, "Bus 12 skipped my stop") || !strings.Contains(r.Body, "Lost umbrella") ||
			strings.Contains(r.Body, "oCmd") || !strings.Contains(r.Body, "1 new") {
			t.Fatalf("inbox: %s", r)
		}
		if r := c.Get(inbox + "?q=umbrella"); !strings.Contains(r.Body, "oOld") || strings.Contains(r.Body, "Bus 12") {
			t.Fatalf("search: %s", r)
		}
		list, _, err := a.Chats.Inbox(context.Background(), f.Member(models.RoleOwner), f.Account, models.InboxFilter{Status: "open"})
		if err != nil || len(list) != 2 {
			t.Fatalf("open conversations: %v %v", list, err)
		}
		var tg, wx models.Conversation
		for _, cv := range list {
			if cv.Channel == "telegram" {
				tg = cv
			} else {
				wx = cv
			}
		}
		conv := fmt.Sprintf("%s/%d", inbox, tg.ID)
		r = c.Get(conv)
		if r.Status != 200 || !strings.Contains(r.Body, "Bus 12 skipped my stop") || !strings.Contains(r.Body, "/messages?after=") {
			t.Fatalf("thread: %s", r)
		}
		if n := countRows(t, a, "chat_conversations", "id = ? AND unread = 0", tg.ID); n != 1 {
			t.Fatal("opening a conversation marks it read")
		}
		// A new message appears through the thread's poller.
		var last int64
		if err := a.DB.Gorm.Raw("SELECT MAX(id) FROM chat_messages WHERE address = '42'").Scan(&last).Error; err != nil {
			t.Fatal(err)
		}
		postTelegram(t, w, "tg-secret-1", tgMessage(3, 42, "It was the 8:15"))
		r = c.Get(fmt.Sprintf("%s/messages?after=%d", conv, last))
		if r.Status != 200 || !strings.Contains(r.Body, "It was the 8:15") || strings.Contains(r.Body, "skipped my stop") {
			t.Fatalf("poll: %s", r)
		}

		// A reply goes out through Telegram and joins the thread.
		if r := c.Post(conv+"/reply", url.Values{"text": {""}}); r.Status != 422 {
			t.Fatalf("empty reply: %s", r)
		}
		if r := c.Post(conv+"/reply", url.Values{"text": {"Sorry! We have told the depot."}}); r.Status != 303 {
			t.Fatalf("reply: %s", r)
		}
		if s := w.tg.Sent(); len(s) != 1 || s[0].ChatID != "42" || s[0].Text != "Sorry! We have told the depot." {
			t.Fatalf("telegram got %+v", s)
		}
		if r := c.Get(conv); !strings.Contains(r.Body, "Sorry! We have told the depot.") || !strings.Contains(r.Body, "moderator@metro.test") {
			t.Fatalf("thread after reply: %s", r)
		}
		// When the platform refuses, the text is kept and staff are told.
		w.tg.Block("42")
		r = c.Post(conv+"/reply", url.Values{"text": {"Are you still there?"}})
		if r.Status != http.StatusBadGateway || !strings.Contains(r.Body, "Are you still there?") || !strings.Contains(r.Body, "blocked") {
			t.Fatalf("refused reply: %s", r)
		}

		// Assign to a colleague, then close.
		modID := f.ByRole[models.RoleModerator].ID
		if r := c.Post(conv+"/assign", url.Values{"assignee": {fmt.Sprint(f.Outside.ID)}}); r.Status != 422 {
			t.Fatalf("assign to someone outside: %s", r)
		}
		if r := c.Post(conv+"/assign", url.Values{"assignee": {fmt.Sprint(modID)}}); r.Status != 303 {
			t.Fatalf("assign: %s", r)
		}
		if r := c.Get(inbox + "?status=mine"); !strings.Contains(r.Body, "<strong>42</strong>") || strings.Contains(r.Body, "oOld") {
			t.Fatalf("mine: %s", r)
		}
		if r := c.Post(conv+"/status", url.Values{"status": {"closed"}}); r.Status != 303 {
			t.Fatalf("close: %s", r)
		}
		if r := c.Get(inbox); strings.Contains(r.Body, "<strong>42</strong>") {
			t.Fatalf("a closed conversation is still open: %s", r)
		}
		if r := c.Get(inbox + "?status=closed"); !strings.Contains(r.Body, "<strong>42</strong>") {
			t.Fatalf("closed list: %s", r)
		}

		// WeChat: past the 48-hour window the studio says why no reply
		// can go out, and nothing is sent.
		wconv := fmt.Sprintf("%s/%d", inbox, wx.ID)
		if err := a.DB.Gorm.Exec("UPDATE chat_conversations SET last_inbound_at = ? WHERE id = ?", time.Now().Add(-49*time.Hour), wx.ID).Error; err != nil {
			t.Fatal(err)
		}
		if r := c.Get(wconv); !strings.Contains(r.Body, "48 hours") || strings.Contains(r.Body, `name="text"`) {
			t.Fatalf("closed window page: %s", r)
		}
		if r := c.Post(wconv+"/reply", url.Values{"text": {"Found it!"}}); r.Status != 422 {
			t.Fatalf("reply outside the window: %s", r)
		}
		if len(w.wx.Sent()) != 0 {
			t.Fatalf("WeChat got %+v", w.wx.Sent())
		}
		// Within the window the reply is a customer-service message.
		if err := a.DB.Gorm.Exec("UPDATE chat_conversations SET last_inbound_at = ? WHERE id = ?", time.Now().Add(-47*time.Hour), wx.ID).Error; err != nil {
			t.Fatal(err)
		}
		if r := c.Post(wconv+"/reply", url.Values{"text": {"Found it! At the desk."}}); r.Status != 303 {
			t.Fatalf("reply within the window: %s", r)
		}
		if s := w.wx.Sent(); len(s) != 1 || s[0].Kind != "custom" || s[0].To[0] != "oOld" {
			t.Fatalf("WeChat got %+v", s)
		}
		// Editors do not read the inbox.
		ec := a.Client(t)
		ec.Login(f.ByRole[models.RoleEditor].Email, apptest.Password)
		if r := ec.Get(inbox); r.Status != 403 {
			t.Fatalf("editor on inbox: %d", r.Status)
		}
	})
}

func TestWeChatFollowCode(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := startChat(t, dbURL, nil)
		a, f := w.a, w.f
		code, err := a.FollowCodes.CreateFollowCode(context.Background(), f.Member(models.RoleEditor), f.Account,
			followcode.FollowCodeInput{Name: "Stop 12 shelter", Scene: "stop-12"})
		if err != nil {
			t.Fatal(err)
		}
		c := a.Client(t)
		c.Login(f.ByRole[models.RoleEditor].Email, apptest.Password)
		page := fmt.Sprintf("/studio/orgs/%d/accounts/metro/codes/%d", f.Org.ID, code.ID)
		if r := c.Get(page); !strings.Contains(r.Body, "Get a WeChat code for this scene") {
			t.Fatalf("code page: %s", r)
		}
		if r := c.Get(page + "/wechat.png"); r.Status != 404 {
			t.Fatalf("image before the code exists: %d", r.Status)
		}
		if r := c.Post(page+"/wechat", nil); r.Status != 303 {
			t.Fatalf("get code: %s", r)
		}
		r := c.Get(page)
		if !strings.Contains(r.Body, "http://weixin.qq.com/q/") || !strings.Contains(r.Body, "/wechat.png") {
			t.Fatalf("code page after: %s", r)
		}
		if r := c.Get(page + "/wechat.png"); r.Status != 200 || !strings.HasPrefix(r.Body, "\x89PNG") {
			t.Fatalf("image: %d", r.Status)
		}
		// Someone who scans it in WeChat arrives with the scene.
		replyText(t, w.wechat(t, wechattest.Event("oShelter", "subscribe", "qrscene_stop-12", time.Now().Unix())))
		if fl := chatFollower(t, a, f.Account.ID, "wechat", "oShelter"); fl == nil || fl.Scene != "stop-12" {
			t.Fatalf("follower: %+v", fl)
		}
		// WeChat refusing is shown, not a 500: here the token expired and
		// the secret saved since is wrong, so it cannot be renewed.
		w.wx.ExpireToken()
		if err := saveChat(context.Background(), a, f.Member(models.RoleOwner), f.Account, models.ChannelWeChat,
			settings(true, "app_id", testAppID, "app_secret", "wrong")); err != nil {
			t.Fatal(err)
		}
		other, _ := a.FollowCodes.CreateFollowCode(context.Background(), f.Member(models.RoleEditor), f.Account,
			followcode.FollowCodeInput{Name: "Depot", Scene: "depot"})
		r = c.Post(fmt.Sprintf("/studio/orgs/%d/accounts/metro/codes/%d/wechat", f.Org.ID, other.ID), nil)
		if r.Status != http.StatusBadGateway || !strings.Contains(r.Body, "WeChat refused the AppID or AppSecret") || strings.Contains(r.Body, "40125") {
			t.Fatalf("refused: %s", r)
		}
	})
}
