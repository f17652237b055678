package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

// TestNoticeInTheAccountsLanguages: the editor has a section per account
// language and marks the missing ones; publishing with versions missing
// says how many followers get the default language instead; each reader
// gets their version, or the default with a line saying so.
func TestNoticeInTheAccountsLanguages(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		if err := a.DB.Gorm.Exec(`UPDATE accounts SET languages = 'en,es,zh-Hant,ar' WHERE id = ?`, f.Account.ID).Error; err != nil {
			t.Fatal(err)
		}
		for i, lang := range []string{"en", "es", "zh-Hant", "zh-Hant", "ar"} {
			if _, err := a.Followers.SeedFollower(ctx, f.Account.ID, models.ChannelEmail, fmt.Sprintf("l%d@example.org", i), "", lang, nil, 0, ""); err != nil {
				t.Fatal(err)
			}
		}
		c := a.Client(t)
		c.Login(f.ByRole[models.RoleEditor].Email, apptest.Password)
		base := fmt.Sprintf("/studio/orgs/%d/accounts/metro/notices", f.Org.ID)

		r := c.Get(base + "/new")
		for _, want := range []string{`name="title.es"`, `name="body.zh-Hant"`, `name="title.ar" value="" dir="rtl" lang="ar"`, `href="#lang-zh-Hant"`, ">繁體中文</a>", "Español"} {
			if r.Status != 200 || !strings.Contains(r.Body, want) {
				t.Fatalf("editor lacks %s: %s", want, r)
			}
		}
		// A version without its default is refused, with the text kept.
		r = c.Post(base, url.Values{"kind": {"general"}, "title.es": {"Ascensor fuera de servicio"}, "action": {"save"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Give a title in the account&#39;s default language") ||
			!strings.Contains(r.Body, "Ascensor fuera de servicio") {
			t.Fatalf("no default: %s", r)
		}
		r = c.Post(base, url.Values{"kind": {"general"}, "title.en": {"Lift out of service"}, "body.en": {"Use the ramp."},
			"title.es": {"Ascensor fuera de servicio"}, "body.es": {"Use la rampa."}, "action": {"publish"}})
		if r.Status != http.StatusSeeOther || !strings.HasSuffix(r.Location, "/publish") {
			t.Fatalf("save: %s", r)
		}
		// Two zh-Hant followers and one ar follower will read English.
		r = c.Get(r.Location)
		for _, want := range []string{"3 followers will get this notice in English, the default language", ">繁體中文</span>: 2", ">العربية</span>: 1", "Add the missing versions first"} {
			if r.Status != 200 || !strings.Contains(r.Body, want) {
				t.Fatalf("confirmation lacks %q: %s", want, r)
			}
		}
		if strings.Contains(r.Body, ">Español</span>:") {
			t.Fatalf("the Spanish follower has a version: %s", r)
		}
		var n models.Notice
		if err := a.Store.DB().Where("account_id = ?", f.Account.ID).Order("id DESC").First(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n.DefaultLang != "en" || n.Translations.Get("es", "body") != "Use la rampa." || n.Translations.Has("zh-Hant", "title") {
			t.Fatalf("stored %+v", n)
		}
	})
}
