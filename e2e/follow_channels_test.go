package e2e_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/bridge"
	smsbridge "github.com/plazahq/plaza/bridge/sms"
	"github.com/plazahq/plaza/bridge/sms/smstest"
	"github.com/plazahq/plaza/bridge/telegram"
	"github.com/plazahq/plaza/bridge/telegram/telegramtest"
	"github.com/plazahq/plaza/bridge/wechat"
	"github.com/plazahq/plaza/bridge/wechat/wechattest"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/mailer/smtpsink"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/channel"
	"github.com/plazahq/plaza/models/followcode"
)

// TestFollowByEachChannelFromAQLink: a rider opens a follow code's /q/
// link on a phone and is offered every channel the account has on: the
// scene's WeChat code, a Telegram link carrying the scene, the text to
// send with its sms: link, browser notifications and the e-mail form;
// the page passes axe-core in every interface language. The rider
// follows in the browser and by e-mail, a second rider by Telegram (the Telegram app sends
// the bot "/start <scene>", here through the fake Bot API's webhook
// delivery) and a third in WeChat, where the page is a tap away; each
// follower is the code's, and the code's page counts them. The poster
// prints the same ways, on one A4 page, and passes axe-core in every
// language too.
func TestFollowByEachChannelFromAQLink(t *testing.T) {
	chromium(t)
	apptest.Each(t, func(t *testing.T, dbURL string) {
		sink, err := smtpsink.Start("127.0.0.1:0", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer sink.Close()
		const botToken = "123456:AAEhBP0av28ZzW3pTTlx1Fkx9XWbjD0MEzo"
		tg := telegramtest.NewAPI(botToken, "MetroBot")
		t.Cleanup(tg.Close)
		smsAPI := smstest.NewAPI("AC0123456789abcdef0123456789abcdef", "sms-auth-token-1")
		t.Cleanup(smsAPI.Close)
		a := apptest.StartWith(t, dbURL, func(c *config.Config) { c.SMTPURL = sink.URL(); c.TelegramAPI = tg.URL })
		a.StartWorkers(t) // the confirmation mail
		f := apptest.Seed(t, a)
		ctx := context.Background()
		owner := f.Member(models.RoleOwner)

		// The account has every channel on, as its staff set them up.
		const aesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
		set := func(name string, kv ...string) {
			t.Helper()
			s := channel.Settings{Enabled: true, Values: map[string]string{}}
			for i := 0; i+1 < len(kv); i += 2 {
				s.Values[kv[i]] = kv[i+1]
			}
			if err := a.Channels.Save(ctx, owner, f.Account, name, a.Registry.Get(name).Schema(), s); err != nil {
				t.Fatalf("%s settings: %v", name, err)
			}
		}
		set(models.ChannelWeChat, wechat.FieldAppID, "wx1234567890abcdef", wechat.FieldAppSecret, "app-secret-1",
			wechat.FieldToken, "tok123", wechat.FieldAESKey, aesKey)
		set(models.ChannelTelegram, telegram.FieldBotToken, botToken, telegram.FieldBotName, "MetroBot")
		set(models.ChannelSMS, smsbridge.FieldBase, smsAPI.URL, smsbridge.FieldSID, "AC0123456789abcdef0123456789abcdef",
			smsbridge.FieldToken, "sms-auth-token-1", smsbridge.FieldFrom, "2123 4567", smsbridge.FieldRegion, "HK")
		if err := a.Channels.SetChannel(ctx, owner, f.Account, models.ChannelWebPush, true); err != nil {
			t.Fatal(err)
		}
		// The bot's webhook points at this Plaza, as "Point the bot at
		// Plaza" sets it.
		creds, err := a.Channels.Credentials(ctx, owner, f.Account, models.ChannelTelegram)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Registry.Get(models.ChannelTelegram).(bridge.Connector).Connect(ctx, creds, a.URL+"/bridge/telegram/metro"); err != nil {
			t.Fatal(err)
		}
		code, err := a.FollowCodes.CreateFollowCode(ctx, owner, f.Account, followcode.FollowCodeInput{Name: "Stop 1042, Harbour Road", Scene: "stop-1042"})
		if err != nil {
			t.Fatal(err)
		}
		// WeChat made the scene's code (the studio asks it; its fake is
		// in the handlers' tests).
		const wechatURL = "http://weixin.qq.com/q/02stop1042"
		if err := a.FollowCodes.SetWeChatCodeURL(ctx, owner, f.Account, code, wechatURL); err != nil {
			t.Fatal(err)
		}

		// A rider scans the poster with a phone: every channel is offered.
		rider := newPerson(t, "rider", a.URL, true)
		rider.open("/q/" + code.Code)
		rider.sees("Metro")
		rider.waitFor("the WeChat code to load", `(function () { const i = document.querySelector('img.follow-wechat-qr');
			return !!i && i.complete && i.naturalWidth > 0; })()`)
		rider.sees("Scan this code with WeChat")
		tgLink := rider.eval(`document.querySelector('a[data-channel="telegram"]').href`)
		if tgLink != "https://t.me/MetroBot?start=stop-1042" {
			rider.fail("find the Telegram link", fmt.Errorf("it is %q", tgLink))
		}
		rider.sees("Text START to +852 2123 4567.")
		if sms := rider.eval(`document.querySelector('a[href^="sms:"]').getAttribute('href')`); sms != "sms:+85221234567?body=START" {
			rider.fail("find the sms: link", fmt.Errorf("it is %q", sms))
		}
		rider.waitFor("the browser notifications button", `!document.querySelector('[data-webpush]').hidden`)
		if got := rider.text(`[data-webpush] button`); got != "Get notifications in this browser" {
			rider.fail("read the browser notifications button", fmt.Errorf("it reads %q", got))
		}
		rider.sees("By e-mail")
		rider.axe()
		rider.shoot("follow-page")
		for _, l := range []i18n.Lang{i18n.ZHHans, i18n.ZHHant, i18n.ES, i18n.AR, i18n.EN} {
			rider.switchLanguage(l.Tag(), l.Name())
			rider.waitFor("the WeChat code in "+l.Tag(), `!!document.querySelector('img.follow-wechat-qr') && !!document.querySelector('a[data-channel="telegram"]')`)
			rider.axe()
			rider.shoot("follow-page-" + l.Tag())
		}

		// The rider presses "Get notifications in this browser" (the push
		// service answers through the page's PushManager, as in
		// TestWebPushInChromium: Chromium's own needs Google's).
		if _, err := chromedp.CallBrowser(rider.ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: "notifications"}, Setting: browser.PermissionSettingGranted, Origin: a.URL}); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(rider.ctx, chromedp.Evaluate[bool](`(function () {
			PushManager.prototype.getSubscription = function () { return Promise.resolve(null); };
			PushManager.prototype.subscribe = function () {
				return Promise.resolve({ toJSON: function () { return {
					endpoint: 'https://push.example/send/stop-1042',
					keys: { p256dh: 'BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4',
						auth: 'BTBZMqHH6r4Tts7J_aSIgg' } }; } });
			};
			return true;
		}())`)); err != nil {
			t.Fatal(err)
		}
		rider.do("press the browser notifications button", chromedp.Click(`[data-webpush] button`))
		rider.waitFor("the done message", `document.querySelector('[data-push-status]').textContent.indexOf('Done') === 0`)

		// The rider follows by e-mail too.
		rider.do("give an address", chromedp.SendKeys("#f-address", "rider@example.org"))
		rider.submit(`#follow-form button[type=submit]`)
		rider.sees("Check your inbox")
		confirm := confirmRE.FindStringSubmatch(waitMail(t, sink, "rider@example.org", "Confirm").Text)
		if confirm == nil {
			t.Fatal("no confirmation link in the mail")
		}
		rider.open(confirm[1])
		rider.submit(`main form button[type=submit]`)
		rider.sees("Metro")

		// A second rider taps "Open in Telegram": the app opens the bot,
		// which gets "/start <scene>" when they press Start.
		u, err := url.Parse(tgLink)
		if err != nil {
			t.Fatal(err)
		}
		status, answer, err := tg.Deliver(telegramtest.Message(1, 4242, "en", "/start "+u.Query().Get("start")))
		if err != nil || status != 200 || !strings.Contains(answer, "Metro") {
			t.Fatalf("the bot's webhook: %d %s %v", status, answer, err)
		}

		// A third rider opens the link inside WeChat: one tap follows.
		wx := newPerson(t, "wechat rider", a.URL, true)
		wx.do("browse as WeChat", func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			_, err := cdp.Call(ctx, tg, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
				UserAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.47"})
			return chromedp.Void{}, err
		})
		wx.open("/q/" + code.Code)
		if got := wx.eval(`document.querySelector('a[data-channel="wechat"]').href`); got != wechatURL {
			wx.fail("find the WeChat button", fmt.Errorf("it leads to %q", got))
		}
		wx.sees("Follow in WeChat")
		wx.axe()
		wx.shoot("follow-page")
		// WeChat tells the account of the follow through the scene.
		caller := &wechattest.Caller{URL: a.URL + "/bridge/wechat/metro", Token: "tok123", AESKey: aesKey, AppID: "wx1234567890abcdef", Account: "gh_demo"}
		if ans, err := caller.Post(wechattest.Event("oRider1042", "subscribe", "qrscene_stop-1042", time.Now().Unix())); err != nil || ans.Status != 200 {
			t.Fatalf("WeChat's subscribe event: %+v %v", ans, err)
		}

		// Each follower came through the code.
		var browserFollower models.Follower
		if err := a.Store.DB().Where("channel = ?", models.ChannelWebPush).First(&browserFollower).Error; err != nil {
			t.Fatalf("no browser follower: %v", err)
		}
		for _, w := range []struct{ channel, address string }{
			{models.ChannelEmail, "rider@example.org"}, {models.ChannelTelegram, "4242"}, {models.ChannelWeChat, "oRider1042"},
			{models.ChannelWebPush, browserFollower.Address},
		} {
			fl, err := a.Followers.ChatFollower(ctx, f.Account.ID, w.channel, w.address)
			if err != nil || fl == nil || fl.Status != models.StatusActive || fl.CodeID == nil || *fl.CodeID != code.ID || fl.Scene != "stop-1042" {
				t.Fatalf("the %s follower: %+v %v; want active, through code %d", w.channel, fl, err, code.ID)
			}
		}

		// The code's page counts the four follows; the poster prints
		// every way to follow, on one page, in every language.
		editor := newPerson(t, "editor", a.URL, false)
		editor.login(f.ByRole[models.RoleEditor].Email, apptest.Password)
		codePage := fmt.Sprintf("/studio/orgs/%d/accounts/metro/codes/%d", f.Org.ID, code.ID)
		editor.open(codePage)
		if got := editor.eval(`[...document.querySelectorAll('dt')].find(d => d.textContent.trim() === 'Follows').nextElementSibling.textContent.trim()`); got != "4" {
			editor.fail("read the code's follows", fmt.Errorf("%q", got))
		}
		editor.open(codePage + "/poster")
		editor.sees("Stop 1042, Harbour Road")
		editor.sees("Scan in WeChat")
		editor.sees("t.me/MetroBot?start=stop-1042")
		editor.sees("Text START to +852 2123 4567.")
		editor.sees("Followers get Metro's notices as soon as they are published.")
		editor.axe()
		for _, l := range []i18n.Lang{i18n.ZHHans, i18n.ZHHant, i18n.ES, i18n.AR, i18n.EN} {
			editor.switchLanguage(l.Tag(), l.Name())
			editor.axe()
			editor.shoot("poster-" + l.Tag())
		}
		editor.do("switch to print media", func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
			return chromedp.Void{}, err
		})
		pdf, err := chromedp.Run(editor.ctx, func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
			yes := true
			res, err := cdp.Call(ctx, tg, page.PrintToPDF, page.PrintToPDFParams{PreferCSSPageSize: &yes, PrintBackground: &yes})
			return res.Data, err
		})
		if err != nil {
			editor.fail("print to PDF", err)
		}
		if n := len(pdfPageRE.FindAll(pdf, -1)); n != 1 {
			editor.fail("print on one page", fmt.Errorf("the poster prints on %d pages", n))
		}
	})
}
