package handlers_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/bridge/sms"
	"github.com/plazahq/plaza/bridge/sms/smstest"
	"github.com/plazahq/plaza/bridge/wechat/wechattest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/followcode"
)

// everyChannel is the chat world with the account's Telegram bot named,
// SMS and browser notifications on too, and a follow code for stop 1042
// whose WeChat scene code staff made.
func everyChannel(t *testing.T, dbURL string) (*chatWorld, *followcode.FollowCode) {
	t.Helper()
	w := startChat(t, dbURL, nil)
	ctx := context.Background()
	owner := w.f.Member(models.RoleOwner)
	if err := saveChat(ctx, w.a, owner, w.f.Account, models.ChannelTelegram,
		settings(true, "bot_token", testBot, "secret_token", "tg-secret-1", "bot_name", "MetroBot")); err != nil {
		t.Fatal(err)
	}
	api := smstest.NewAPI(testSMSSID, testSMSToken)
	t.Cleanup(api.Close)
	if err := saveChat(ctx, w.a, owner, w.f.Account, models.ChannelSMS, settings(true,
		sms.FieldBase, api.URL, sms.FieldSID, testSMSSID, sms.FieldToken, testSMSToken, sms.FieldFrom, "2123 4567", sms.FieldRegion, "HK")); err != nil {
		t.Fatal(err)
	}
	enableWebPush(t, w.a, w.f)
	code, err := w.a.FollowCodes.CreateFollowCode(ctx, owner, w.f.Account, followcode.FollowCodeInput{Name: "Stop 1042", Scene: "stop-1042"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.a.FollowCodes.SetWeChatCodeURL(ctx, owner, w.f.Account, code, "http://weixin.qq.com/q/02stop1042"); err != nil {
		t.Fatal(err)
	}
	return w, code
}

const (
	androidUA = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/124.0 Mobile Safari/537.36"
	wechatUA  = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.47"
)

// TestFollowPageOffersEveryChannel: a follow code's page offers every
// channel the account has on, each carrying the code's scene where the
// channel can (Telegram's start=, WeChat's scene code); the account's
// own follow page offers them without a scene; inside WeChat the WeChat
// code is a tap away; a channel turned off is not offered.
func TestFollowPageOffersEveryChannel(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		w, code := everyChannel(t, dbURL)
		a := w.a
		tests := []struct {
			name, path, ua string
			want, not      []string
		}{
			{"a code's page", "/q/" + code.Code, androidUA,
				[]string{"In WeChat", "Scan this code with WeChat", `src="/q/` + code.Code + `/wechat.png"`, `alt="WeChat code to follow`,
					"In Telegram", "Open a chat with @MetroBot", `href="https://t.me/MetroBot?start=stop-1042"`,
					"Text START to +852 2123 4567.", `href="sms:+85221234567?body=START"`, "data-webpush", `id="follow-form"`,
					`name="code" value="` + code.Code + `"`},
				[]string{"Follow in WeChat"}},
			{"a code's page in WeChat", "/q/" + code.Code, wechatUA,
				[]string{`href="http://weixin.qq.com/q/02stop1042"`, "Follow in WeChat", "press and hold", `src="/q/` + code.Code + `/wechat.png"`},
				[]string{"Scan this code with WeChat"}},
			{"the account's page", "/@metro/follow", androidUA,
				[]string{"Search for", "in WeChat", `href="https://t.me/MetroBot"`, "Text START", "data-webpush", `id="follow-form"`},
				[]string{"wechat.png", "start="}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				status, body := getPage(t, a, tt.path, tt.ua)
				if status != http.StatusOK {
					t.Fatalf("status %d", status)
				}
				for _, s := range tt.want {
					if !strings.Contains(body, s) {
						t.Errorf("the page lacks %q", s)
					}
				}
				for _, s := range tt.not {
					if strings.Contains(body, s) {
						t.Errorf("the page has %q", s)
					}
				}
			})
		}

		// The WeChat code's picture is the code's, and no scan.
		scans := codeCount(t, a, &followcode.Scan{}, "code_id = ?", code.ID)
		res, err := http.Get(a.URL + "/q/" + code.Code + "/wechat.png")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("WeChat code picture: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
		if n := codeCount(t, a, &followcode.Scan{}, "code_id = ?", code.ID); n != scans {
			t.Fatalf("the picture counted a scan: %d, was %d", n, scans)
		}
		other, err := a.FollowCodes.CreateFollowCode(context.Background(), w.f.Member(models.RoleOwner), w.f.Account,
			followcode.FollowCodeInput{Name: "Plain", Scene: "plain"})
		if err != nil {
			t.Fatal(err)
		}
		for path, want := range map[string]int{"/q/" + other.Code + "/wechat.png": 404, "/q/nosuchcode/wechat.png": 404} {
			if res, err := http.Get(a.URL + path); err != nil || res.StatusCode != want {
				t.Fatalf("%s: %v %v, want %d", path, res, err, want)
			}
		}
		// Without the WeChat code, a code's page says to search.
		if _, body := getPage(t, a, "/q/"+other.Code, androidUA); !strings.Contains(body, "Search for") || !strings.Contains(body, "start=plain") {
			t.Fatalf("a code without a WeChat code: %s", body)
		}

		// Channels turned off are not offered, nor their pictures.
		ctx := context.Background()
		owner := w.f.Member(models.RoleOwner)
		for _, ch := range []string{models.ChannelWeChat, models.ChannelTelegram} {
			if err := saveChatEnabled(ctx, a, owner, w.f.Account, ch, false); err != nil {
				t.Fatal(err)
			}
		}
		_, body := getPage(t, a, "/q/"+code.Code, androidUA)
		for _, s := range []string{"In WeChat", "In Telegram", "t.me/"} {
			if strings.Contains(body, s) {
				t.Fatalf("a channel turned off is offered (%q)", s)
			}
		}
		if res, err := http.Get(a.URL + "/q/" + code.Code + "/wechat.png"); err != nil || res.StatusCode != 404 {
			t.Fatalf("WeChat code picture with WeChat off: %v %v", res, err)
		}
	})
}

// saveChatEnabled turns a chat channel's saved settings on or off.
func saveChatEnabled(ctx context.Context, a *apptest.App, m *models.Member, acc *models.Account, name string, on bool) error {
	s, err := a.Channels.Credentials(ctx, m, acc, name)
	if err != nil {
		return err
	}
	s.Enabled = on
	return saveChat(ctx, a, m, acc, name, *s)
}

// TestCodeConversionCountsFollowsThroughIt: a follow through a code's
// scene in a chat app (Telegram's /start <scene>, WeChat's scene code)
// is a scan of the code and a follow credited to it; a person who stops
// and follows again through the code is still one follow of it; coming
// back by a plain FOLLOW credits no code; a scene no code has credits
// nothing. So conversion is the people who followed through the code over
// its scans: 3 of 4 here, where counting its follow events, as before,
// gave 4 of 4 (501 twice).
func TestCodeConversionCountsFollowsThroughIt(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		w, code := everyChannel(t, dbURL)
		a, f := w.a, w.f
		tg := func(update int, chat int64, text string) {
			t.Helper()
			if r := postTelegram(t, w, "tg-secret-1", tgMessage(update, chat, text)); r.status != 200 {
				t.Fatalf("telegram %q: %d %s", text, r.status, r.body)
			}
		}
		tg(1, 501, "/start stop-1042")
		fl := chatFollower(t, a, f.Account.ID, models.ChannelTelegram, "501")
		if fl == nil || fl.Status != models.StatusActive || fl.CodeID == nil || *fl.CodeID != code.ID || fl.Scene != "stop-1042" {
			t.Fatalf("follower through the Telegram link: %+v", fl)
		}
		tg(2, 501, "STOP")
		tg(3, 501, "/start stop-1042") // back through the code, within the hour
		tg(4, 502, "/start stop-1042")
		tg(5, 502, "STOP")
		tg(6, 502, "/start") // back without the code
		if fl := chatFollower(t, a, f.Account.ID, models.ChannelTelegram, "502"); fl.Status != models.StatusActive || fl.CodeID != nil || fl.Scene != "" {
			t.Fatalf("a follower back by a plain /start: %+v", fl)
		}
		tg(7, 503, "/start nowhere")
		if fl := chatFollower(t, a, f.Account.ID, models.ChannelTelegram, "503"); fl.CodeID != nil {
			t.Fatalf("a scene no code has credited code %v", *fl.CodeID)
		}
		replyText(t, w.wechat(t, wechattest.Event("oRider1", "subscribe", "qrscene_stop-1042", time.Now().Unix())))
		if fl := chatFollower(t, a, f.Account.ID, models.ChannelWeChat, "oRider1"); fl.CodeID == nil || *fl.CodeID != code.ID {
			t.Fatalf("follower through the WeChat scene code: %+v", fl)
		}
		// A follower who scans again: a scan, no follow.
		replyText(t, w.wechat(t, wechattest.Event("oRider2", "subscribe", "", time.Now().Unix())))
		replyText(t, w.wechat(t, wechattest.Event("oRider2", "SCAN", "stop-1042", time.Now().Unix()+1)))

		var devices []string
		a.DB.Gorm.Model(&followcode.Scan{}).Where("code_id = ?", code.ID).Order("device").Pluck("device", &devices)
		if strings.Join(devices, ",") != "telegram,telegram,wechat,wechat" {
			t.Fatalf("scans recorded: %v", devices)
		}
		// The scans' rate-limit keys hold no chat address, only keyed
		// digests.
		var keys []string
		a.DB.Gorm.Model(&models.RateLimit{}).Pluck("key", &keys)
		for _, k := range keys {
			if strings.Contains(k, "oRider") || strings.Contains(k, "telegram:50") {
				t.Errorf("rate-limit key %q holds a chat address", k)
			}
		}
		stats, err := a.FollowCodes.FollowCodeByID(context.Background(), f.Member(models.RoleViewer), f.Account, code.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stats.Scans != 4 || stats.Follows != 3 || stats.Conversion() != 0.75 {
			t.Fatalf("scans %d, follows %d, conversion %.2f; want 4, 3 (501, 502, oRider1), 0.75", stats.Scans, stats.Follows, stats.Conversion())
		}
		c := a.Client(t)
		c.Login(f.ByRole[models.RoleViewer].Email, apptest.Password)
		page := c.Get(codeURL(f, code.ID, ""))
		if s, fo, cv := codeStat(t, page.Body, "Scans"), codeStat(t, page.Body, "Follows"), codeStat(t, page.Body, "Conversion"); s != "4" || fo != "3" || cv != "75.0%" {
			t.Fatalf("page shows scans %s, follows %s, conversion %s", s, fo, cv)
		}
		expect(t, page.Body, `data-device="telegram">Telegram (a follow link): 2<`, `data-device="wechat">WeChat (its scene code): 2<`)
	})
}

// TestPosterPrintsTheWaysToFollow: a code's poster names its scene, says
// what a follower gets, and prints the other ways to follow: WeChat's
// scene code, the Telegram link with the scene, the text to send; a
// poster of an account with only e-mail and browsers prints none of them.
func TestPosterPrintsTheWaysToFollow(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		w, code := everyChannel(t, dbURL)
		c := w.a.Client(t)
		c.Login(w.f.ByRole[models.RoleViewer].Email, apptest.Password)
		r := c.Get(codeURL(w.f, code.ID, "/poster"))
		if r.Status != http.StatusOK {
			t.Fatalf("poster: %s", r)
		}
		expect(t, r.Body, `<p class="poster-scene">Stop 1042</p>`, "notices as soon as they are published", `class="poster-qr poster-qr-ways"`,
			`<title>http://weixin.qq.com/q/02stop1042</title>`, "Scan in WeChat", "In Telegram, open:",
			`<span class="poster-link">t.me/MetroBot?start=stop-1042</span>`, "Text START to +852 2123 4567.")
		if n := strings.Count(r.Body, "<svg"); n < 2 {
			t.Fatalf("%d codes on the poster, want the code and WeChat's", n)
		}

		ctx := context.Background()
		for _, ch := range []string{models.ChannelWeChat, models.ChannelTelegram, models.ChannelSMS} {
			if err := saveChatEnabled(ctx, w.a, w.f.Member(models.RoleOwner), w.f.Account, ch, false); err != nil {
				t.Fatal(err)
			}
		}
		other, err := w.a.FollowCodes.CreateFollowCode(ctx, w.f.Member(models.RoleOwner), w.f.Account,
			followcode.FollowCodeInput{Name: "Counter", Scene: "counter"})
		if err != nil {
			t.Fatal(err)
		}
		r = c.Get(codeURL(w.f, other.ID, "/poster"))
		expect(t, r.Body, `<p class="poster-scene">Counter</p>`, "notices as soon as they are published")
		for _, s := range []string{"poster-ways", "poster-qr-ways", "t.me/", "Text START"} {
			if strings.Contains(r.Body, s) {
				t.Fatalf("an e-mail-only poster prints %q", s)
			}
		}
	})
}

// TestTelegramTestConnectionNamesTheBot: staff who leave the bot's name
// empty get it from Telegram (getMe) at "Test connection", so the
// follow page can link to the bot; a name staff typed is kept.
func TestTelegramTestConnectionNamesTheBot(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		w := startChat(t, dbURL, nil) // the bot is saved without its name
		a, f := w.a, w.f
		if _, body := getPage(t, a, "/@metro/follow", androidUA); strings.Contains(body, "t.me/") {
			t.Fatal("a bot without a name is linked to")
		}
		c := a.Client(t)
		c.Login(f.ByRole[models.RoleEditor].Email, apptest.Password)
		test := "/studio/orgs/" + strconv.FormatInt(f.Org.ID, 10) + "/accounts/metro/chat/telegram/test"
		if r := c.Post(test, nil); r.Status != http.StatusOK || !strings.Contains(r.Body, "@MetroBot") || !strings.Contains(r.Body, `value="MetroBot"`) {
			t.Fatalf("test connection: %s", r)
		}
		if _, body := getPage(t, a, "/@metro/follow", androidUA); !strings.Contains(body, `href="https://t.me/MetroBot"`) {
			t.Fatal("the follow page does not link to the bot Telegram named")
		}
		ctx := context.Background()
		owner := f.Member(models.RoleOwner)
		if err := saveChat(ctx, a, owner, f.Account, models.ChannelTelegram,
			settings(true, "bot_token", testBot, "secret_token", "tg-secret-1", "bot_name", "MetroAlertsBot")); err != nil {
			t.Fatal(err)
		}
		c.Post(test, nil)
		if s, err := a.Channels.Credentials(ctx, owner, f.Account, models.ChannelTelegram); err != nil || s.Get("bot_name") != "MetroAlertsBot" {
			t.Fatalf("the typed name after a test: %v %v", s, err)
		}
	})
}

// TestBrowserFollowFromACodesPage: a browser subscribing on a follow
// code's page is the code's follower, as one by e-mail is; a code of
// another account, or none, credits nothing.
func TestBrowserFollowFromACodesPage(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		w, code := everyChannel(t, dbURL)
		a := w.a
		c := a.Client(t)
		if r := c.Get("/q/" + code.Code); r.Status != http.StatusOK {
			t.Fatalf("the code's page: %s", r)
		}
		key := vapidKey(t, c)
		for _, tt := range []struct {
			name, code string
			want       *int64
		}{
			{"from the code's page", code.Code, &code.ID},
			{"a code that is not", "nosuchcode", nil},
			{"none", "", nil},
		} {
			push := newFakePush(t, key)
			status, out := postJSON(t, c, a.URL, "/@metro/follow/webpush", map[string]any{"subscription": push.subscription(), "language": "en",
				"topics": []string{}, "code": tt.code}, true)
			if status != http.StatusOK {
				t.Fatalf("%s: %d %v", tt.name, status, out)
			}
			var fl models.Follower
			if err := a.Store.DB().Where("channel = ?", models.ChannelWebPush).Order("id DESC").First(&fl).Error; err != nil {
				t.Fatal(err)
			}
			if (fl.CodeID == nil) != (tt.want == nil) || fl.CodeID != nil && *fl.CodeID != *tt.want {
				t.Fatalf("%s: the follower's code %v, want %v", tt.name, fl.CodeID, tt.want)
			}
			if tt.want != nil && (fl.Scene != "stop-1042" || fl.Source != "qr") {
				t.Fatalf("%s: scene %q, source %q", tt.name, fl.Scene, fl.Source)
			}
		}
		stats, err := a.FollowCodes.FollowCodeByID(context.Background(), w.f.Member(models.RoleViewer), w.f.Account, code.ID)
		if err != nil || stats.Follows != 1 {
			t.Fatalf("the code's follows: %+v %v", stats, err)
		}
	})
}
