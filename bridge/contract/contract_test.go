package contract_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/bridge/bridgetest/echo"
	"github.com/plazahq/plaza/bridge/contract"
	"github.com/plazahq/plaza/bridge/telegram/telegramtest"
	"github.com/plazahq/plaza/bridge/webhook"
	"github.com/plazahq/plaza/bridge/wechat/wechattest"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/channel"
)

const (
	appID  = "wx1234567890abcdef"
	aesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	bot    = "123456:AAEhBP0av28ZzW3pTTlx1Fkx9XWbjD0MEzo"
)

func post(t *testing.T, url string, body []byte, header map[string]string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestWeChat(t *testing.T) {
	contract.Run(t, func(t *testing.T) contract.Case {
		wx := wechattest.NewAPI(appID, "app-secret-1")
		t.Cleanup(wx.Close)
		return contract.Case{
			Name:      models.ChannelWeChat,
			Configure: func(c *config.Config) { c.WeChatAPI = wx.URL },
			Settings:  map[string]string{"app_id": appID, "app_secret": "app-secret-1", "token": "tok123", "aes_key": aesKey, "template_id": "tpl-1"},
			Address:   "oContract1",
			Delivered: func(*apptest.App) int { return len(wx.Sent()) },
			Follow: func(t *testing.T, _ *apptest.App, url string, n int, forged bool) (int, string) {
				c := &wechattest.Caller{URL: url, Token: "tok123", AESKey: aesKey, AppID: appID, Account: "gh_demo"}
				if forged {
					c.Token = "forged"
				}
				from := fmt.Sprintf("oPerson%d", n)
				ans, err := c.Post(wechattest.Event(from, "subscribe", "", time.Now().Unix()))
				if err != nil {
					t.Fatal(err)
				}
				return ans.Status, from
			},
		}
	})
}

func TestTelegram(t *testing.T) {
	contract.Run(t, func(t *testing.T) contract.Case {
		tg := telegramtest.NewAPI(bot, "MetroBot")
		t.Cleanup(tg.Close)
		return contract.Case{
			Name:      models.ChannelTelegram,
			Configure: func(c *config.Config) { c.TelegramAPI = tg.URL },
			Settings:  map[string]string{"bot_token": bot, "secret_token": "tg-secret-1", "bot_name": "MetroBot"},
			Address:   "770001",
			Delivered: func(*apptest.App) int { return len(tg.Sent()) },
			Follow: func(t *testing.T, _ *apptest.App, url string, n int, forged bool) (int, string) {
				from := strconv.Itoa(880000 + n)
				body := fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"date":%d,"from":{"id":%s,"language_code":"en"},"chat":{"id":%s,"type":"private"},"text":"/start"}}`,
					n, n, time.Now().Unix(), from, from)
				secret := "tg-secret-1"
				if forged {
					secret = "forged"
				}
				return post(t, url, []byte(body), map[string]string{"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret}), from
			},
		}
	})
}

func TestWebhook(t *testing.T) {
	contract.Run(t, func(t *testing.T) contract.Case {
		var got atomic.Int32
		rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got.Add(1) }))
		t.Cleanup(rcv.Close)
		return contract.Case{
			Name: models.ChannelWebhook,
			Save: func(t *testing.T, a *apptest.App, owner *models.Member, acc *models.Account) []string {
				ctx := context.Background()
				if err := a.Channels.SaveWebhook(ctx, owner, acc, channel.WebhookInput{Enabled: true, URL: rcv.URL}); err != nil {
					t.Fatal(err)
				}
				w, err := a.Channels.Webhook(ctx, owner, acc)
				if err != nil || w.URL != rcv.URL || !w.Enabled || w.Secret == "" {
					t.Fatalf("read the webhook back: %+v %v", w, err)
				}
				return []string{w.Secret}
			},
			Address:   "+85291234567",
			Delivered: func(*apptest.App) int { return int(got.Load()) },
			Follow: func(t *testing.T, a *apptest.App, url string, n int, forged bool) (int, string) {
				ctx := context.Background()
				pa, err := a.Accounts.AccountByHandle(ctx, "metro")
				if err != nil {
					t.Fatal(err)
				}
				_, secret, err := a.Channels.WebhookEndpoint(ctx, pa.Account.ID)
				if err != nil {
					t.Fatal(err)
				}
				if forged {
					secret = []byte("whsec_forged")
				}
				from := fmt.Sprintf("+8529100000%d", n)
				body := []byte(`{"id":"f` + strconv.Itoa(n) + `","from":"` + from + `","type":"follow"}`)
				now := time.Now()
				return post(t, url, body, map[string]string{"Content-Type": "application/json",
					"X-Plaza-Timestamp": strconv.FormatInt(now.Unix(), 10), "X-Plaza-Signature": webhook.Sign(secret, now, body)}), from
			},
		}
	})
}

func TestEcho(t *testing.T) {
	contract.Run(t, func(t *testing.T) contract.Case {
		return contract.Case{
			Name: echo.Name,
			// The one registration line.
			Register:  func(r *bridge.Registry, d app.ChannelDeps) { r.Add(echo.New(d.Settings)) },
			Settings:  map[string]string{"name": "Metro echo", "key": "echo-key-1"},
			Address:   "someone",
			Delivered: func(a *apptest.App) int { return len(a.Registry.Get(echo.Name).(*echo.Channel).Sent()) },
			Follow: func(t *testing.T, _ *apptest.App, url string, n int, forged bool) (int, string) {
				from := fmt.Sprintf("person-%d", n)
				key := "echo-key-1"
				if forged {
					key = "forged"
				}
				return post(t, url, []byte(`{"from":"`+from+`","type":"follow"}`), map[string]string{"X-Echo-Key": key}), from
			},
		}
	})
}
