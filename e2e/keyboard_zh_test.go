package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

// TestKeyboardPublishTraditionalChinese: an editor of an account written
// in English and Traditional Chinese switches the interface to 繁體中文
// and, with the keyboard alone, writes a notice in both languages and
// publishes it; the public page in Traditional Chinese shows its title.
func TestKeyboardPublishTraditionalChinese(t *testing.T) {
	chromium(t)
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		a.StartWorkers(t) // the broadcast runs
		f := apptest.Seed(t, a)
		ctx := context.Background()
		acc, err := a.Accounts.CreateAccount(ctx, f.Member(models.RoleOwner), models.AccountInput{
			Handle: "harbourferry", Category: "transit", Languages: []string{"en", "zh-Hant"}, DefaultLang: "en",
			Texts: models.Texts("en", "name", "Harbour Ferry", "bio", "Ferries across the harbour.").
				With("zh-Hant", "name", "港口渡輪", "bio", "橫渡港口的渡輪。"),
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Followers.SeedFollower(ctx, acc.ID, models.ChannelEmail, "rider@example.org", "", "zh-Hant", nil, 0, ""); err != nil {
			t.Fatal(err)
		}
		org := fmt.Sprintf("/studio/orgs/%d", f.Org.ID)
		editor := newPerson(t, "editor", a.URL, false)
		editor.login(f.ByRole[models.RoleEditor].Email, apptest.Password)

		// Keyboard only: the language switch, then the editor from its top
		// to a published notice.
		editor.open(org + "/accounts/harbourferry/notices/new")
		editor.tabTo(`nav.lang-switch a[hreflang="zh-Hant"]`)
		editor.do("press Enter", chromedp.KeyEvent("\r"), chromedp.Sleep(200*time.Millisecond), chromedp.WaitReady("body"))
		if got := editor.eval(`document.documentElement.lang`); got != "zh-Hant" {
			editor.fail("switch to 繁體中文", fmt.Errorf("the page is in %q", got))
		}
		editor.tabTo(`[id="f-title.en"]`)
		editor.do("type the title", chromedp.KeyEvent("Pier 4 closed"))
		editor.tabTo(`[id="f-body.en"]`)
		editor.do("type the text", chromedp.KeyEvent("Ferries leave from pier 5."))
		editor.tabTo(`[id="f-title.zh-Hant"]`)
		editor.do("type the title in Traditional Chinese", chromedp.KeyEvent("四號碼頭關閉"))
		editor.tabTo(`[id="f-body.zh-Hant"]`)
		editor.do("type the text in Traditional Chinese", chromedp.KeyEvent("渡輪改由五號碼頭開出。"))
		editor.tabTo(`button[value=publish]`)
		editor.do("press Enter", chromedp.KeyEvent("\r"), chromedp.Sleep(200*time.Millisecond), chromedp.WaitReady("body"))
		editor.sees("1")
		editor.axe()
		editor.tabTo(`main form button[type=submit]`)
		editor.do("press Enter", chromedp.KeyEvent("\r"), chromedp.Sleep(200*time.Millisecond), chromedp.WaitReady("body"))
		editor.waitFor("the broadcast to finish", `!!document.querySelector('#progress') && !document.querySelector('#progress').hasAttribute('hx-get')`)
		editor.axe()
		var n models.Notice
		a.Store.DB().Where("account_id = ?", acc.ID).Order("id DESC").First(&n)
		if n.Status != models.NoticePublished || n.Translations.Get("zh-Hant", "title") != "四號碼頭關閉" ||
			n.Translations.Get("zh-Hant", "body") != "渡輪改由五號碼頭開出。" || n.Translations.Get("en", "title") != "Pier 4 closed" {
			t.Fatalf("keyboard-published notice: %+v", n)
		}

		// The public page in Traditional Chinese shows the Chinese version.
		citizen := newPerson(t, "citizen", a.URL, true)
		citizen.open(fmt.Sprintf("/@harbourferry/notices/%d?lang=zh-Hant", n.ID))
		if got := strings.TrimSpace(citizen.text("article h1")); got != "四號碼頭關閉" {
			citizen.fail("read the notice in Traditional Chinese", fmt.Errorf("its title is %q", got))
		}
		if got := citizen.eval(`document.documentElement.lang + " " + document.querySelector('article').lang`); got != "zh-Hant zh-Hant" {
			citizen.fail("read the notice in Traditional Chinese", fmt.Errorf("page and notice languages: %q", got))
		}
		citizen.sees("渡輪改由五號碼頭開出。")
		citizen.axe()
	})
}
