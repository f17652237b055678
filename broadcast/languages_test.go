package broadcast_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/bridge/telegram/telegramtest"
	"github.com/plazahq/plaza/bridge/wechat/wechattest"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/mailer/smtpsink"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/channel"
	"github.com/plazahq/plaza/models/notice"
)

// webhookPayload is what a webhook receiver reads of a notice.
type webhookPayload struct {
	Recipient struct {
		FollowerID int64  `json:"follower_id"`
		Language   string `json:"language"`
	} `json:"recipient"`
	Notice struct {
		Language string `json:"language"`
		Subject  string `json:"subject"`
		Title    string `json:"title"`
		Text     string `json:"text"`
	} `json:"notice"`
}

// TestEachChannelSendsTheFollowersLanguage publishes a notice in English
// (the default), Spanish and Traditional Chinese to followers of every
// language of the account on every channel that runs here (e-mail to an
// SMTP sink, a webhook, WeChat's and Telegram's stand-ins): each gets the
// notice in their language; a reader of Simplified Chinese, which the
// notice lacks, gets the default (English), not the other script; a
// reader of Arabic, a language of the account the notice is not written
// in, gets English too.
func TestEachChannelSendsTheFollowersLanguage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		sink, err := smtpsink.Start("127.0.0.1:0", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer sink.Close()
		wx := wechattest.NewAPI("wx1234567890abcdef", "app-secret-1")
		defer wx.Close()
		tg := telegramtest.NewAPI("123456:AAEhBP0av28ZzW3pTTlx1Fkx9XWbjD0MEzo", "MetroBot")
		defer tg.Close()
		var mu sync.Mutex
		hooks := map[int64]webhookPayload{}
		rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var p webhookPayload
			if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			mu.Lock()
			hooks[p.Recipient.FollowerID] = p
			mu.Unlock()
		}))
		defer rcv.Close()

		// The receivers listen on loopback, which apptest.Config's
		// outbound policy lets through.
		a := apptest.StartWith(t, dbURL, func(c *config.Config) {
			c.SMTPURL, c.WeChatAPI, c.TelegramAPI = sink.URL(), wx.URL, tg.URL
		})
		a.StartWorkers(t)
		fx := apptest.Seed(t, a)
		owner := fx.Member(models.RoleOwner)
		acc := fx.Account
		langs := []string{"en", "es", "zh-Hant", "zh-Hans", "ar"}
		if err := a.Accounts.UpdateAccount(ctx, owner, acc, models.AccountInput{Handle: acc.Handle, Name: acc.Name, Category: acc.Category,
			Languages: langs, DefaultLang: "en", Texts: acc.Translations, Topics: acc.Topics}); err != nil {
			t.Fatal(err)
		}
		if err := a.Channels.SaveWebhook(ctx, owner, acc, channel.WebhookInput{Enabled: true, URL: rcv.URL}); err != nil {
			t.Fatal(err)
		}
		for name, values := range map[string]map[string]string{
			models.ChannelWeChat: {"app_id": wx.AppID, "app_secret": wx.AppSecret, "token": "tok123",
				"aes_key": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "template_id": "tpl-1"},
			models.ChannelTelegram: {"bot_token": tg.Token, "secret_token": "tg-secret-1"},
		} {
			if err := a.Channels.Save(ctx, owner, acc, name, a.Registry.Get(name).Schema(), channel.Settings{Enabled: true, Values: values}); err != nil {
				t.Fatalf("save %s: %v", name, err)
			}
		}

		// One follower per language per channel.
		type reader struct {
			f    *models.Follower
			want string // the language they should get
		}
		var readers []reader
		channels := []string{models.ChannelEmail, models.ChannelWebhook, models.ChannelWeChat, models.ChannelTelegram}
		for ci, ch := range channels {
			for li, l := range langs {
				addr := map[string]string{
					models.ChannelEmail:    fmt.Sprintf("reader-%s@example.org", strings.ToLower(l)),
					models.ChannelWebhook:  fmt.Sprintf("+8529100%02d%02d", ci, li),
					models.ChannelWeChat:   "oReader-" + l,
					models.ChannelTelegram: fmt.Sprintf("77%02d%02d", ci, li),
				}[ch]
				f, err := a.Followers.SeedFollower(ctx, acc.ID, ch, addr, "", l, nil, 0, "")
				if err != nil {
					t.Fatalf("follower %s on %s: %v", l, ch, err)
				}
				want := l
				if l == "zh-Hans" || l == "ar" {
					want = "en"
				}
				readers = append(readers, reader{f, want})
			}
		}

		titles := map[string]string{"en": "Line 12 diverted", "es": "Línea 12 desviada", "zh-Hant": "12號線改道"}
		bodies := map[string]string{"en": "Buses use Main Street.", "es": "Los autobuses usan la calle Mayor.", "zh-Hant": "巴士改經大街。"}
		in := notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", titles["en"], "body", bodies["en"]).
			With("es", "title", titles["es"], "body", bodies["es"]).
			With("zh-Hant", "title", titles["zh-Hant"], "body", bodies["zh-Hant"])}
		e := &env{t: t, app: a, fx: fx, ctx: ctx}
		n, b := e.publish(in)
		if n.DefaultLang != "en" || len(n.Languages()) != 3 {
			t.Fatalf("notice: %+v", n)
		}
		b = e.waitStatus(b.ID, models.BroadcastDone, 30*time.Second)
		if b.Total != int64(len(readers)) || b.Sent != b.Total {
			t.Fatalf("broadcast %+v, want %d sent", b, len(readers))
		}

		mails := map[string]smtpsink.Message{}
		for _, m := range sink.Messages() {
			mails[m.To[0]] = m
		}
		wxSent := map[string]wechattest.Sent{}
		for _, s := range wx.Sent() {
			wxSent[s.To[0]] = s
		}
		tgSent := map[string]telegramtest.Sent{}
		for _, s := range tg.Sent() {
			tgSent[s.ChatID] = s
		}
		mu.Lock()
		defer mu.Unlock()
		for _, r := range readers {
			f, want := r.f, r.want
			title := titles[want]
			who := fmt.Sprintf("%s follower in %s", f.Channel, f.Language)
			switch f.Channel {
			case models.ChannelEmail:
				m, ok := mails[f.Address]
				if !ok {
					t.Errorf("%s: no mail", who)
					continue
				}
				if m.Subject != title || m.Header.Get("Content-Language") != want || !strings.Contains(m.Text, bodies[want]) {
					t.Errorf("%s: subject %q, Content-Language %q, want %q in %s", who, m.Subject, m.Header.Get("Content-Language"), title, want)
				}
			case models.ChannelWebhook:
				p, ok := hooks[f.ID]
				if !ok {
					t.Errorf("%s: no webhook call", who)
					continue
				}
				if p.Notice.Language != want || p.Notice.Title != title || p.Notice.Subject != title || p.Recipient.Language != f.Language ||
					!strings.Contains(p.Notice.Text, bodies[want]) {
					t.Errorf("%s: webhook got %+v, want %q in %s", who, p, title, want)
				}
			case models.ChannelWeChat:
				s, ok := wxSent[f.Address]
				if !ok {
					t.Errorf("%s: no WeChat message", who)
					continue
				}
				if s.Kind != "template" || s.Data["keyword2"] != title || s.Data["first"] != title || !strings.Contains(s.Data["remark"], bodies[want]) {
					t.Errorf("%s: WeChat got %+v, want %q", who, s, title)
				}
			case models.ChannelTelegram:
				s, ok := tgSent[f.Address]
				if !ok {
					t.Errorf("%s: no Telegram message", who)
					continue
				}
				if !strings.HasPrefix(s.Text, title+"\n\n") || !strings.Contains(s.Text, bodies[want]) {
					t.Errorf("%s: Telegram got %q, want %q", who, s.Text, title)
				}
			}
		}
		if len(mails) != len(langs) || len(hooks) != len(langs) || len(wxSent) != len(langs) || len(tgSent) != len(langs) {
			t.Errorf("messages: %d mails, %d webhook calls, %d WeChat, %d Telegram; want %d each", len(mails), len(hooks), len(wxSent), len(tgSent), len(langs))
		}
	})
}
