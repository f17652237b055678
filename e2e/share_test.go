package e2e_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/bridge/telegram/telegramtest"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/mailer/smtpsink"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/channel"
	"github.com/plazahq/plaza/models/notice"
)

// inLanguage switches p's interface to tag and opens path.
func (p *person) inLanguage(tag, path string) {
	p.t.Helper()
	p.open("/lang/" + tag + "?next=" + url.QueryEscape(path))
	if got := p.eval(`document.documentElement.lang`); got != tag {
		p.fail("switch to "+tag, fmt.Errorf("the page is in %q", got))
	}
}

// meta reads a <meta> tag's content by its property or name ("" when the
// page has none).
func (p *person) meta(key string) string {
	p.t.Helper()
	return p.eval(fmt.Sprintf(`(document.querySelector('meta[property=%q], meta[name=%q]') || {content: ""}).content`, key, key))
}

// TestShareAndTestSend: a published notice's page carries the tags that
// make a shared link a card, and an editor sends the draft to their own
// address from the editor before publishing, then links their Telegram
// chat through the bot's link (the fake Bot API) and sends the test
// there; the pages pass axe-core in every interface language.
func TestShareAndTestSend(t *testing.T) {
	chromium(t)
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		sink, err := smtpsink.Start("127.0.0.1:0", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer sink.Close()
		const botToken = "123456:AAEhBP0av28ZzW3pTTlx1Fkx9XWbjD0MEzo"
		tg := telegramtest.NewAPI(botToken, "MetroBot")
		t.Cleanup(tg.Close)
		a := apptest.StartWith(t, dbURL, func(c *config.Config) { c.SMTPURL = sink.URL(); c.TelegramAPI = tg.URL })
		f := apptest.Seed(t, a)
		ctx := context.Background()
		boss := f.Member(models.RoleOwner)
		in := notice.Input{Kind: models.NoticeTransit,
			Translations: models.Texts("en", "title", "Line 12 diverted", "body", "Buses run via **Harbour Road** until Friday.").
				With("zh-Hans", "title", "12号线改道", "body", "巴士改经海港道行驶，直至星期五。")}
		live, err := a.Notices.CreateNotice(ctx, boss, f.Account, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.Notices.PublishNotice(ctx, boss, f.Account, live.ID, in); err != nil {
			t.Fatal(err)
		}
		draft, err := a.Notices.CreateNotice(ctx, boss, f.Account, notice.Input{Kind: models.NoticeGeneral,
			Translations: models.Texts("en", "title", "Pier 4 closed", "body", "Ferries leave from pier 5.")})
		if err != nil {
			t.Fatal(err)
		}

		// A citizen's link, as a chat app's preview reads it.
		page := fmt.Sprintf("/@metro/notices/%d", live.ID)
		citizen := newPerson(t, "citizen", a.URL, true)
		citizen.open(page)
		for key, want := range map[string]string{
			"og:title": "Line 12 diverted", "og:type": "article", "og:url": "http://plaza.test" + page,
			"og:description": "Buses run via Harbour Road until Friday.", "description": "Buses run via Harbour Road until Friday.",
			"twitter:card": "summary",
		} {
			if got := citizen.meta(key); got != want {
				citizen.fail("read "+key, fmt.Errorf("it is %q, want %q", got, want))
			}
		}
		citizen.inLanguage("zh-Hans", page)
		if got := citizen.meta("og:title"); got != "12号线改道" {
			citizen.fail("read the Chinese card", fmt.Errorf("og:title is %q", got))
		}

		// The account uses Telegram and WeChat: the page offers both, and
		// the script copies the link.
		for name, kv := range map[string]map[string]string{
			models.ChannelTelegram: {"bot_token": botToken, "secret_token": "tg-secret-1", "bot_name": "MetroBot"},
			models.ChannelWeChat:   {"app_id": "wx1234567890abcdef", "app_secret": "app-secret-1", "token": "tok123", "aes_key": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"},
		} {
			if err := a.Channels.Save(ctx, boss, f.Account, name, a.Registry.Get(name).Schema(), channel.Settings{Enabled: true, Values: kv}); err != nil {
				t.Fatal(err)
			}
		}
		// The bot's webhook points at this Plaza, as "Point the bot at
		// Plaza" sets it.
		creds, err := a.Channels.Credentials(ctx, boss, f.Account, models.ChannelTelegram)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Registry.Get(models.ChannelTelegram).(bridge.Connector).Connect(ctx, creds, a.URL+"/bridge/telegram/metro"); err != nil {
			t.Fatal(err)
		}
		citizen.inLanguage("en", page)
		citizen.waitFor("the copy button", `!document.querySelector("button[data-copy]").hidden`)
		if got := citizen.eval(`document.querySelector('a[href^="https://t.me/share/url"]').href`); !strings.Contains(got, url.QueryEscape("http://plaza.test"+page)) {
			citizen.fail("find the Telegram link", fmt.Errorf("it is %q", got))
		}
		citizen.waitFor("the WeChat code", `!!document.querySelector(".share-wechat svg")`)
		for _, l := range i18n.Langs() {
			citizen.inLanguage(l.Tag(), page)
			citizen.axe()
		}

		// The editor tests the draft before it goes to thousands.
		editor := newPerson(t, "editor", a.URL, false)
		editorUser := f.ByRole[models.RoleEditor]
		editor.login(editorUser.Email, apptest.Password)
		edit := fmt.Sprintf("/studio/orgs/%d/accounts/metro/notices/%d", f.Org.ID, draft.ID)
		editor.inLanguage("en", edit)
		editor.submit(`form.test-send button[type=submit]`)
		if got := editor.location(); got != edit {
			editor.fail("come back to the editor", fmt.Errorf("at %s", got))
		}
		if got := editor.text(".flash"); !strings.Contains(got, "A test was sent to your e-mail address") {
			editor.fail("read the confirmation", fmt.Errorf("the flash says %q", got))
		}
		msg := waitMail(t, sink, editorUser.Email, "[Test] Pier 4 closed")
		if !strings.Contains(msg.Text, "Ferries leave from pier 5.") {
			t.Errorf("the test mail is not the notice: %q", msg.Text)
		}
		// The editor links their Telegram chat: the link carries the
		// code, and Telegram sends the bot "/start <code>".
		editor.submit(`form.test-chat-link button[type=submit]`)
		editor.sees("It works once.")
		link := editor.eval(`document.querySelector('a[data-test-link="telegram"]').href`)
		payload, ok := strings.CutPrefix(link, "https://t.me/MetroBot?start=")
		if !ok || !strings.HasPrefix(payload, "plaza-") {
			editor.fail("find the Telegram link", fmt.Errorf("it is %q", link))
		}
		for _, l := range i18n.Langs() {
			editor.inLanguage(l.Tag(), edit)
			editor.axe()
		}
		status, body, err := tg.Deliver(telegramtest.Message(1, 4242, "en", "/start "+payload))
		if err != nil || status != 200 || !strings.Contains(body, "Tests from Metro will come here.") {
			t.Fatalf("the code in Telegram: %d %q %v", status, body, err)
		}
		editor.inLanguage("en", edit)
		editor.sees("My Telegram chat (4242)")
		editor.do("choose the chat", chromedp.Click(`form.test-send input[name=to][value^="chat-"]`))
		editor.submit(`form.test-send button[type=submit]`)
		if got := editor.text(".flash"); !strings.Contains(got, "A test was sent to your chat") {
			editor.fail("read the confirmation", fmt.Errorf("the flash says %q", got))
		}
		sent := tg.Sent()
		if len(sent) != 1 || sent[0].ChatID != "4242" || !strings.Contains(sent[0].Text, "[Test] Pier 4 closed") {
			t.Fatalf("Telegram got %+v", sent)
		}

		editor.open(edit + "/publish")
		if got := editor.text(".chat-length"); !strings.Contains(got, "Telegram:") || !strings.Contains(got, "WeChat:") {
			editor.fail("read the chat lengths", fmt.Errorf("they say %q", got))
		}
		editor.submit(`form.test-send button[type=submit]`)
		if got := editor.location(); got != edit+"/publish" {
			editor.fail("come back to the publish confirmation", fmt.Errorf("at %s", got))
		}
		for _, m := range sink.Messages() {
			if len(m.To) != 1 || m.To[0] != editorUser.Email {
				t.Errorf("a test went to %v", m.To)
			}
		}
		for _, l := range i18n.Langs() {
			for _, p := range []string{edit, edit + "/publish"} {
				editor.inLanguage(l.Tag(), p)
				editor.axe()
			}
		}
	})
}
