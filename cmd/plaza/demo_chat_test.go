package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/bridge/webhook"
	"github.com/plazahq/plaza/bridge/wechat/wechattest"
	"github.com/plazahq/plaza/config"
)

// The demo enables every chat channel of the transit account and prints
// what a person needs to post to each one as its platform would: each
// printed URL, token, key and secret works against a running Plaza.
func TestDemoChatChannels(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		const base = "http://demo.example.org"
		d := demoJSON(t, dbURL, base)
		c := d.Chat
		if c.Account != "citytransit" || c.WeChat.Token == "" || len(c.WeChat.EncodingAESKey) != 43 || c.Telegram.SecretToken == "" ||
			c.Webhook.Secret == "" || c.Webhook.Secret != d.Webhook.Secret {
			t.Fatalf("chat channels: %+v", c)
		}
		// The demo's credentials are sealed with the key it kept in the
		// database: the server must use the same one.
		a := apptest.StartWith(t, dbURL, func(cfg *config.Config) { cfg.SecretKey = "" })
		local := func(u string) string {
			if !strings.HasPrefix(u, base+"/bridge/") {
				t.Fatalf("channel URL %q is not under %s/bridge/", u, base)
			}
			return a.URL + strings.TrimPrefix(u, base)
		}

		// The generic webhook, signed with the printed secret.
		body := []byte(`{"id":"demo-1","from":"+8613900000001","type":"message","text":"help"}`)
		now := time.Now()
		req, _ := http.NewRequest("POST", local(c.Webhook.URL), bytes.NewReader(body))
		req.Header.Set("X-Plaza-Timestamp", strconv.FormatInt(now.Unix(), 10))
		req.Header.Set("X-Plaza-Signature", webhook.Sign([]byte(c.Webhook.Secret), now, body))
		if status, out := send(t, req); status != 200 || !strings.Contains(out, "STOP") {
			t.Fatalf("webhook: %d %s", status, out)
		}

		// WeChat, in safe mode, as its servers would post.
		wx := &wechattest.Caller{URL: local(c.WeChat.URL), Token: c.WeChat.Token, AESKey: c.WeChat.EncodingAESKey,
			AppID: c.WeChat.AppID, Account: "gh_citytransit", Safe: true}
		ans, err := wx.Post(wechattest.Text("oDemoUser", "1", "help"))
		if err != nil || ans.Status != 200 || ans.Reply == nil || !strings.Contains(ans.Reply.Content, "STOP") {
			t.Fatalf("wechat: %+v %v", ans, err)
		}

		// Telegram, with the secret-token header.
		req, _ = http.NewRequest("POST", local(c.Telegram.URL), strings.NewReader(
			`{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":77,"type":"private"},"text":"/start"}}`))
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", c.Telegram.SecretToken)
		status, out := send(t, req)
		var call struct{ Method, Text string }
		if status != 200 || json.Unmarshal([]byte(out), &call) != nil || call.Method != "sendMessage" || call.Text == "" {
			t.Fatalf("telegram: %d %s", status, out)
		}

		// The text the demo prints names every channel; running it again
		// leaves the inbox as it was: the two questions it seeds, plus
		// the telegram /start above (which opened no conversation).
		res := plaza(t, "", "demo", "--database-url", dbURL, "--base-url", base)
		db, _ := openStore(t, dbURL)
		var open []string
		if err := db.Gorm.Raw(`SELECT address FROM chat_conversations WHERE status = 'open' ORDER BY address`).Scan(&open).Error; err != nil {
			t.Fatal(err)
		}
		if strings.Join(open, ",") != "770001,oDemoRider0001" {
			t.Fatalf("open conversations after two demo runs: %v", open)
		}
		for _, want := range []string{"/bridge/webhook/citytransit", "/bridge/wechat/citytransit", "EncodingAESKey", "/bridge/telegram/citytransit", "X-Telegram-Bot-Api-Secret-Token"} {
			if !strings.Contains(res.stdout, want) {
				t.Fatalf("demo output lacks %q:\n%s", want, res.stdout)
			}
		}
	})
}

func send(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}
