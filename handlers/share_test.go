package handlers_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
)

// metaTags reads a page's <meta name|property=… content=…> tags.
func metaTags(body string) map[string]string {
	out := map[string]string{}
	re := regexp.MustCompile(`<meta (?:name|property)="([^"]+)" content="([^"]*)"`)
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		out[m[1]] = html.UnescapeString(m[2])
	}
	return out
}

// TestShareTags: a shared link to a notice, an account or a project shows
// as a card: Open Graph and description tags with the page's title, a
// plain-text description cut short, its absolute address and a picture
// (the account's avatar once it has one).
func TestShareTags(t *testing.T) {
	t.Parallel()
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		boss := f.Member(models.RoleOwner)
		long := "**Line 12** is diverted via Harbour Road.\n\n" + strings.Repeat("Buses skip the stops on Queen Street. ", 12)
		in := notice.Input{Kind: models.NoticeTransit,
			Translations: models.Texts("en", "title", "Line 12 diverted", "body", long).With("zh-Hans", "title", "12号线改道", "body", "12号线改经海港道行驶。")}
		d, err := a.Notices.CreateNotice(ctx, boss, f.Account, in)
		if err != nil {
			t.Fatal(err)
		}
		n, _, err := a.Notices.PublishNotice(ctx, boss, f.Account, d.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		page := fmt.Sprintf("/@metro/notices/%d", n.ID)
		c := a.Client(t)

		res := sendWith(t, a, c, "GET", page, nil, en)
		expectBody(t, "notice", res, http.StatusOK)
		m := metaTags(res.Body)
		desc := m["og:description"]
		for _, want := range []struct{ key, value string }{
			{"og:title", "Line 12 diverted"},
			{"og:type", "article"},
			{"og:url", "http://plaza.test" + page},
			{"og:site_name", "Plaza"},
			{"twitter:card", "summary"},
			{"twitter:title", "Line 12 diverted"},
			{"description", desc},
			{"twitter:description", desc},
		} {
			if m[want.key] != want.value {
				t.Errorf("notice %s = %q, want %q", want.key, m[want.key], want.value)
			}
		}
		if !strings.HasPrefix(desc, "Line 12 is diverted via Harbour Road. Buses skip") || strings.Contains(desc, "*") ||
			!strings.HasSuffix(desc, "…") || len([]rune(desc)) > 201 {
			t.Errorf("notice description is not the body's plain text cut short: %q", desc)
		}
		if _, ok := m["og:image"]; ok {
			t.Errorf("an account without an avatar has og:image %q", m["og:image"])
		}

		zhm := metaTags(sendWith(t, a, c, "GET", page, nil, zh).Body)
		if zhm["og:title"] != "12号线改道" || zhm["og:description"] != "12号线改经海港道行驶。" {
			t.Errorf("Chinese reader's card: %q / %q", zhm["og:title"], zhm["og:description"])
		}

		if err := a.Media.SetAvatar(ctx, boss, f.Account, stPNG(t, 64, 64)); err != nil {
			t.Fatal(err)
		}
		acc := stAccount(t, a, "metro")
		avatar := "http://plaza.test/media/" + *acc.AvatarPublicID
		m = metaTags(sendWith(t, a, c, "GET", page, nil, en).Body)
		if m["og:image"] != avatar || m["twitter:image"] != avatar {
			t.Errorf("notice image %q, want the avatar %q", m["og:image"], avatar)
		}

		m = metaTags(sendWith(t, a, c, "GET", "/@metro", nil, en).Body)
		if m["og:type"] != "profile" || m["og:url"] != "http://plaza.test/@metro" || m["og:image"] != avatar || m["og:title"] == "" {
			t.Errorf("account card: %v", m)
		}

		p := openProject(t, a, f, "")
		m = metaTags(sendWith(t, a, c, "GET", fmt.Sprintf("/@metro/projects/%d", p.ID), nil, en).Body)
		if m["og:title"] != p.Title("en") || m["og:url"] != fmt.Sprintf("http://plaza.test/@metro/projects/%d", p.ID) {
			t.Errorf("project card: %v", m)
		}

		// Pages that are no one thing to share have no card.
		if m := metaTags(sendWith(t, a, c, "GET", "/accounts", nil, en).Body); m["og:title"] != "" {
			t.Errorf("directory has a card: %v", m)
		}
	})
}

// TestShareWays: a public notice offers its absolute address to copy (a
// plain link, the copy button left to the script), and share links only
// for the chat apps the account has on: Telegram's share URL, and for
// WeChat, which has no web share URL, a QR code of the address.
func TestShareWays(t *testing.T) {
	t.Parallel()
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		boss := f.Member(models.RoleOwner)
		in := notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", "Pier 4 & 5 closed", "body", "Use pier 6.")}
		d, err := a.Notices.CreateNotice(ctx, boss, f.Account, in)
		if err != nil {
			t.Fatal(err)
		}
		n, _, err := a.Notices.PublishNotice(ctx, boss, f.Account, d.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		page := fmt.Sprintf("/@metro/notices/%d", n.ID)
		abs := "http://plaza.test" + page
		c := a.Client(t)

		res := sendWith(t, a, c, "GET", page, nil, en)
		expectBody(t, "e-mail only", res, http.StatusOK, "Share this notice", `<a href="`+abs+`" dir="ltr">`+abs+`</a>`,
			`data-copy="`+abs+`" hidden>Copy link</button>`)
		for _, absent := range []string{"t.me/share", "share-wechat"} {
			if strings.Contains(res.Body, absent) {
				t.Errorf("an account without chat apps offers %q", absent)
			}
		}

		if err := saveChat(ctx, a, boss, f.Account, models.ChannelTelegram, settings(true, "bot_token", testBot, "secret_token", "tg-secret-1")); err != nil {
			t.Fatal(err)
		}
		res = sendWith(t, a, c, "GET", page, nil, en)
		tg := "https://t.me/share/url?" + url.Values{"url": {abs}, "text": {"Pier 4 & 5 closed"}}.Encode()
		expectBody(t, "with Telegram", res, http.StatusOK, `href="`+html.EscapeString(tg)+`"`, "Share on Telegram")
		if strings.Contains(res.Body, "share-wechat") {
			t.Error("WeChat offered without the WeChat channel")
		}

		ws := settings(true, "app_id", testAppID, "app_secret", "app-secret-1", "token", "tok123", "aes_key", testAESKey)
		if err := saveChat(ctx, a, boss, f.Account, models.ChannelWeChat, ws); err != nil {
			t.Fatal(err)
		}
		expectBody(t, "with WeChat", sendWith(t, a, c, "GET", page, nil, zh), http.StatusOK,
			`<figure class="share-wechat"><svg`, "<title>"+abs+"</title>", "用微信扫一扫，分享此通知。", "分享到 Telegram")
	})
}
