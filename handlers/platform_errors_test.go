package handlers_test

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/bridge/wechat/wechattest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/channel"
)

// onScreen checks a page staff see after a platform failed: the short
// translated reason is there, and neither a secret nor the platform's own
// words are.
func onScreen(t *testing.T, what string, r *apptest.Response, status int, reason string, never ...string) {
	t.Helper()
	if r.Status != status || !strings.Contains(r.Body, reason) {
		t.Fatalf("%s: want %d with %q\n%s", what, status, reason, r)
	}
	for _, s := range never {
		if strings.Contains(r.Body, s) {
			t.Fatalf("%s: the page shows %q\n%s", what, s, r)
		}
	}
}

// TestPlatformErrorsOnScreen: a failed reply or connection test shows a
// short translated reason with the next step, never the platform's error,
// which can carry the AppSecret or bot token in the URL it called.
func TestPlatformErrorsOnScreen(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := startChat(t, dbURL, nil)
		a, f := w.a, w.f
		ctx := context.Background()
		owner := f.Member(models.RoleOwner)
		mod := a.Client(t)
		mod.Login(f.ByRole[models.RoleModerator].Email, apptest.Password)
		ed := a.Client(t)
		ed.Login(f.ByRole[models.RoleEditor].Email, apptest.Password)
		chat := fmt.Sprintf("/studio/orgs/%d/accounts/metro/chat", f.Org.ID)
		inbox := fmt.Sprintf("/studio/orgs/%d/accounts/metro/inbox", f.Org.ID)

		replyText(t, w.wechat(t, wechattest.Text("oAsker", "501", "Is line 2 running?")))
		postTelegram(t, w, "tg-secret-1", tgMessage(1, 77, "Is the 8:15 late?"))
		list, _, err := a.Chats.Inbox(ctx, owner, f.Account, models.InboxFilter{Status: "open"})
		if err != nil || len(list) != 2 {
			t.Fatalf("conversations: %v %v", list, err)
		}
		conv := map[string]string{}
		for _, c := range list {
			conv[c.Channel] = fmt.Sprintf("%s/%d/reply", inbox, c.ID)
		}
		reply := url.Values{"text": {"Yes, on time."}}

		// WeChat refuses the AppSecret (errcode 40125 at the token endpoint).
		wrong := settings(true, "app_id", testAppID, "app_secret", "wrong-secret-9f8e", "token", "tok123", "aes_key", testAESKey)
		if err := saveChat(ctx, a, owner, f.Account, models.ChannelWeChat, wrong); err != nil {
			t.Fatal(err)
		}
		onScreen(t, "WeChat reply, AppSecret refused", mod.Post(conv["wechat"], reply), 502,
			"WeChat refused the AppID or AppSecret: check them under Chat channels → Test connection.",
			"wrong-secret-9f8e", "40125", "invalid appsecret")

		// WeChat cannot be reached: Go's error holds the token URL, with
		// the AppSecret in its query.
		w.wx.Close()
		onScreen(t, "WeChat reply, API unreachable", mod.Post(conv["wechat"], reply), 502,
			"WeChat could not be reached", "wrong-secret-9f8e", "cgi-bin", "dial tcp", "connection refused")
		onScreen(t, "WeChat test, API unreachable", ed.Post(chat+"/wechat/test", nil), 200,
			"The test failed: WeChat could not be reached", "wrong-secret-9f8e", "cgi-bin", "dial tcp")

		// Telegram refuses a revoked bot token (HTTP 401).
		revoked := "654321:AAFrevokedTokenrevokedTokenrevoked0"
		if err := saveChat(ctx, a, owner, f.Account, models.ChannelTelegram, settings(true, "bot_token", revoked, "secret_token", "tg-secret-1")); err != nil {
			t.Fatal(err)
		}
		onScreen(t, "Telegram reply, token refused", mod.Post(conv["telegram"], reply), 502,
			"Telegram refused the bot token", revoked, "Unauthorized", "401")
		onScreen(t, "Telegram test, token refused", ed.Post(chat+"/telegram/test", nil), 200,
			"The test failed: Telegram refused the bot token", revoked, "Unauthorized")
		onScreen(t, "Telegram connect, token refused", ed.Post(chat+"/telegram/connect", nil), 200,
			"Telegram refused the bot token", revoked, "Unauthorized")

		// A webhook whose URL carries a token, on a port nothing answers.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		hook := "http://" + ln.Addr().String() + "/hook?token=hook-secret-55"
		ln.Close()
		if err := a.Channels.SaveWebhook(ctx, owner, f.Account, channel.WebhookInput{Enabled: true, URL: hook}); err != nil {
			t.Fatal(err)
		}
		onScreen(t, "webhook test, receiver down", ed.Post(chat+"/webhook/test", nil), 200,
			"The test failed: The webhook receiver could not be reached (could not connect)", "hook-secret-55", "dial tcp")

		// The same in Chinese.
		zh := a.Client(t)
		zh.Login(f.ByRole[models.RoleModerator].Email, apptest.Password)
		zh.Get("/lang/zh?next=/")
		onScreen(t, "WeChat reply in Chinese", zh.Post(conv["wechat"], reply), 502, "无法连接微信", "wrong-secret-9f8e", "cgi-bin")
	})
}
