package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/apitoken"
	"github.com/plazahq/plaza/models/project"
)

// A project in English (its default), Spanish and traditional Chinese:
// each reader gets their language when the project has it; a reader of
// a language it lacks gets the default with a line that says so, the
// content marked with its lang (and dir), and links to the versions it
// has. A reader of simplified Chinese gets the default, never the other
// script.
func TestProjectLanguagesOnThePublicPage(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		owner := f.Member(models.RoleOwner)
		p := trilingualProject(t, a, f)
		if _, err := a.Projects.AddProjectQuestion(ctx, owner, f.Account, p.ID, models.QuestionInput{Kind: models.QuestionSingle,
			Translations: models.Translations{"en": {"label": "How do you travel?", "options": "Bus\nWalk"},
				"es": {"label": "¿Cómo viaja?", "options": "Autobús\nA pie"}}}); err != nil {
			t.Fatal(err)
		}
		anon := a.Client(t)
		page := fmt.Sprintf("/@metro/projects/%d", p.ID)
		for _, c := range []struct {
			lang, title, summary, note string
			fallback                   bool
			absent                     []string
		}{
			{"en", "Harbour Bridge", "A new bridge.", "Tell us by Friday", false, []string{"Puente", "海港大橋"}},
			{"es", "Puente del puerto", "Un puente nuevo.", "Díganos antes del viernes", false, []string{"Harbour Bridge</h1>"}},
			{"zh-Hant", "海港大橋", "一座新橋。", "Tell us by Friday", false, []string{"Harbour Bridge</h1>"}},
			{"zh-Hans", "Harbour Bridge", "A new bridge.", "Tell us by Friday", true, []string{"海港大橋</h1>"}},
			{"ar", "Harbour Bridge", "A new bridge.", "Tell us by Friday", true, []string{"Puente del puerto</h1>"}},
		} {
			r := anon.Get(page + "?lang=" + c.lang)
			if r.Status != 200 || !strings.Contains(r.Body, c.title+"</h1>") || !strings.Contains(r.Body, c.summary) || !strings.Contains(r.Body, c.note) {
				t.Fatalf("%s reader: %s", c.lang, r)
			}
			for _, no := range c.absent {
				if strings.Contains(r.Body, no) {
					t.Fatalf("%s reader is shown %q: %s", c.lang, no, r)
				}
			}
			line := i18n.T(i18n.UILang(c.lang), "lang.not_available", i18n.NameOf(c.lang), i18n.NameOf("en"))
			if got := strings.Contains(r.Body, line); got != c.fallback {
				t.Fatalf("%s reader: fallback line %q shown %v: %s", c.lang, line, got, r)
			}
			if c.fallback && !regexp.MustCompile(`<h1[^>]* lang="en"`).MatchString(r.Body) {
				t.Fatalf("%s reader: the English title is not marked as English: %s", c.lang, r)
			}
			// Links to the other versions, each named in itself.
			for _, other := range []string{"en", "es", "zh-Hant"} {
				link := fmt.Sprintf(`href="%s?lang=%s" hreflang="%s" lang="%s"`, page, other, other, other)
				if shown := other == c.lang || (c.fallback && other == "en"); strings.Contains(r.Body, link) == shown {
					t.Fatalf("%s reader: link to %s shown %v: %s", c.lang, other, !shown, r)
				}
			}
		}
		// Arabic pages are right to left; the English content says it is
		// left to right.
		if r := anon.Get(page + "?lang=ar"); !strings.Contains(r.Body, `<h1 dir="ltr" lang="en">`) || !strings.Contains(r.Body, `dir="rtl"`) {
			t.Fatalf("rtl page: %s", r)
		}
		// The question in the reader's language, the values the default's.
		r := anon.Get(page + "?lang=es")
		for _, want := range []string{"¿Cómo viaja?", `value="Bus"`, "Autobús", `name="content_lang" value="es"`} {
			if !strings.Contains(r.Body, want) {
				t.Fatalf("Spanish form lacks %q: %s", want, r)
			}
		}
		// The answer keeps the reader's tag.
		if r := anon.Post(page+"/feedback", url.Values{"stance": {"support"}, "consent": {"on"}, "content_lang": {"zh-Hant"}}); r.Status != 303 {
			t.Fatalf("answer: %s", r)
		}
		if rows := feedbackRows(t, a, p.ID); len(rows) != 1 || rows[0].Lang != "zh-Hant" {
			t.Fatalf("stored language: %+v", rows)
		}
		// The lists: the reader's language, or the default said as such.
		if r := anon.Get("/@metro/projects?lang=es"); !strings.Contains(r.Body, "Puente del puerto") {
			t.Fatalf("Spanish list: %s", r)
		}
		if r := anon.Get("/projects?lang=ar"); !strings.Contains(r.Body, `lang="en"`) || !strings.Contains(r.Body, "Harbour Bridge") ||
			!strings.Contains(r.Body, i18n.T(i18n.AR, "lang.shown_in", "English")) {
			t.Fatalf("Arabic list: %s", r)
		}
	})
}

// The API returns a project's texts by language and default_lang; what
// it returns, read back as an Input and saved, is the same project.
func TestAPIProjectTranslationsRoundTrip(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		owner := f.Member(models.RoleOwner)
		p := trilingualProject(t, a, f)
		if _, err := a.Projects.SetProjectResult(ctx, owner, f.Account, p.ID, map[string]string{"es": "La mayoría **apoya**.", "en": "Most **support** it."}); err != nil {
			t.Fatal(err)
		}
		_, token, err := a.APITokens.Create(ctx, owner, "Map", []string{apitoken.ScopeProjectsRead})
		if err != nil {
			t.Fatal(err)
		}
		api := newAPIClient(t, a, token)
		r := api.do("GET", fmt.Sprintf("/projects/%d", p.ID), nil)
		var in project.Input
		var got struct {
			OfficialSummary map[string]string `json:"official_summary"`
			Timeline        []struct {
				Translations models.Translations `json:"translations"`
			} `json:"timeline"`
			Legacy *string `json:"title_en"`
		}
		if err := json.Unmarshal([]byte(r.Body), &got); err != nil || r.Status != 200 {
			t.Fatalf("%d %s: %v", r.Status, r.Body, err)
		}
		if err := json.Unmarshal([]byte(r.Body), &in); err != nil {
			t.Fatal(err)
		}
		want := models.Translations{
			"en":      {"title": "Harbour Bridge", "summary": "A new bridge.", "body": "## Why\n\nTraffic."},
			"es":      {"title": "Puente del puerto", "summary": "Un puente nuevo."},
			"zh-Hant": {"title": "海港大橋", "summary": "一座新橋。"},
		}
		if in.DefaultLang != "en" || !reflect.DeepEqual(in.Translations, want) || got.Legacy != nil ||
			!reflect.DeepEqual(got.OfficialSummary, map[string]string{"en": "Most **support** it.", "es": "La mayoría **apoya**."}) {
			t.Fatalf("api: %s", r.Body)
		}
		if n := got.Timeline[len(got.Timeline)-1].Translations; n.Get("es", "note") != "Díganos antes del viernes" || n.Get("en", "note") != "Tell us by Friday" {
			t.Fatalf("timeline: %s", r.Body)
		}
		// Back in: the same texts, the official summary untouched.
		in.Translations.Set("es", "body", "## Por qué")
		saved, err := a.Projects.SaveProject(ctx, owner, f.Account, p.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		want.Set("es", "body", "## Por qué")
		want.Set("en", "result", "Most **support** it.")
		want.Set("es", "result", "La mayoría **apoya**.")
		var stored models.Project
		if err := a.Store.DB().First(&stored, saved.ID).Error; err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(stored.Translations, want) || stored.DefaultLang != "en" {
			t.Fatalf("stored: %v %q", stored.Translations, stored.DefaultLang)
		}
		// A language the account does not publish in is refused.
		in.Translations.Set("fr", "title", "Pont")
		if _, err := a.Projects.SaveProject(ctx, owner, f.Account, p.ID, in); err == nil {
			t.Fatal("saved a French version for an account without French")
		} else if v, ok := models.AsValidation(err); !ok || v.Fields["title.fr"] != "err.not_account_language" {
			t.Fatalf("fr: %v", err)
		}
	})
}

// trilingualProject makes the fixture account publish in English,
// Spanish and traditional Chinese and gives it a public project in the
// three, English its default, with an open consultation whose timeline
// note is in English and Spanish.
func trilingualProject(t *testing.T, a *apptest.App, f *apptest.Fixtures) *models.Project {
	t.Helper()
	ctx := context.Background()
	owner := f.Member(models.RoleOwner)
	// TODO(i18n-merge): through the account form once it takes any language.
	if err := a.Store.DB().Model(&models.Account{}).Where("id = ?", f.Account.ID).Update("languages", "en,es,zh-Hant").Error; err != nil {
		t.Fatal(err)
	}
	f.Account.Languages = "en,es,zh-Hant"
	closes := a.Store.Now().Add(7 * 24 * time.Hour)
	p, err := a.Projects.CreateProject(ctx, owner, f.Account, project.Input{DefaultLang: "en", Translations: models.Translations{
		"en":      {"title": "Harbour Bridge", "summary": "A new bridge.", "body": "## Why\n\nTraffic."},
		"es":      {"title": "Puente del puerto", "summary": "Un puente nuevo."},
		"zh-Hant": {"title": "海港大橋", "summary": "一座新橋。"},
	}, Public: true, ClosesAt: &closes}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Projects.SetProjectStatus(ctx, owner, f.Account, p.ID, models.StatusChange{Status: models.ProjectConsultation,
		Notes: models.Translations{"en": {"note": "Tell us by Friday"}, "es": {"note": "Díganos antes del viernes"}}}, nil); err != nil {
		t.Fatal(err)
	}
	return p
}

// The studio's forms have a fieldset per account language, the project's
// default first, each named in its own language, its inputs named
// field.<tag> with lang and dir, a missing title marked; what they send
// is stored per language.
func TestProjectStudioLanguageFieldsets(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		p := trilingualProject(t, a, f)
		if err := a.Store.DB().Model(&models.Account{}).Where("id = ?", f.Account.ID).Update("languages", "en,es,zh-Hant,ar").Error; err != nil {
			t.Fatal(err)
		}
		c := a.Client(t)
		c.Login(f.ByRole[models.RoleOwner].Email, apptest.Password)
		page := fmt.Sprintf("/studio/orgs/%d/accounts/metro/projects/%d", f.Org.ID, p.ID)
		r := c.Get(page)
		for _, want := range []string{
			`<legend><span lang="es" dir="ltr">Español</span>`, `<legend><span lang="ar" dir="rtl">العربية</span>`,
			`name="title.zh-Hant" value="海港大橋" dir="ltr" lang="zh-Hant"`, `name="title.ar" value="" dir="rtl" lang="ar"`,
			`name="note.es"`, `name="label.ar"`, `name="options.zh-Hant"`, `name="result.es"`,
			i18n.T(i18n.EN, "lang.missing"),
		} {
			if r.Status != 200 || !strings.Contains(r.Body, want) {
				t.Fatalf("studio page lacks %q: %s", want, r)
			}
		}
		// The default language's fieldset comes first.
		if i, j := strings.Index(r.Body, `name="title.en"`), strings.Index(r.Body, `name="title.es"`); i < 0 || j < i {
			t.Fatalf("default first: %d %d", i, j)
		}
		// Only the Arabic title is missing.
		if n := strings.Count(r.Body, `<span class="badge missing">`); n < 1 {
			t.Fatalf("no missing mark: %s", r)
		}
		closes := a.Store.Now().Add(72 * time.Hour).Format("2006-01-02T15:04")
		if r := c.Post(page, url.Values{"default_lang": {"es"}, "title.es": {"Puente"}, "title.ar": {"جسر"}, "summary.ar": {"جسر جديد"},
			"title.en": {"Bridge"}, "closes_at": {closes}}); r.Status != 303 {
			t.Fatalf("save: %s", r)
		}
		var stored models.Project
		if err := a.Store.DB().First(&stored, p.ID).Error; err != nil {
			t.Fatal(err)
		}
		want := models.Translations{"es": {"title": "Puente"}, "ar": {"title": "جسر", "summary": "جسر جديد"}, "en": {"title": "Bridge"}}
		if stored.DefaultLang != "es" || !reflect.DeepEqual(stored.Translations, want) {
			t.Fatalf("stored %q %v", stored.DefaultLang, stored.Translations)
		}
		// A language the account stops listing still shows, and saving
		// it is refused until it is emptied.
		if err := a.Store.DB().Model(&models.Account{}).Where("id = ?", f.Account.ID).Update("languages", "en,es").Error; err != nil {
			t.Fatal(err)
		}
		if r := c.Get(page); !strings.Contains(r.Body, `name="title.ar" value="جسر"`) {
			t.Fatalf("a version the account no longer lists is hidden: %s", r)
		}
		if r := c.Post(page, url.Values{"default_lang": {"es"}, "title.es": {"Puente"}, "title.ar": {"جسر"}, "closes_at": {closes}}); r.Status != 422 ||
			!strings.Contains(r.Body, `id="e-title.ar"`) {
			t.Fatalf("saved a version the account does not list: %s", r)
		}
		if r := c.Post(page, url.Values{"default_lang": {"es"}, "title.es": {"Puente"}, "title.ar": {""}, "closes_at": {closes}}); r.Status != 303 {
			t.Fatalf("emptied: %s", r)
		}
		// A body without its title in a language is refused, on that field.
		if r := c.Post(page, url.Values{"default_lang": {"es"}, "title.es": {"Puente"}, "body.en": {"Body"}, "closes_at": {closes}}); r.Status != 422 ||
			!strings.Contains(r.Body, `id="e-title.en"`) {
			t.Fatalf("body without title: %s", r)
		}
		// Choices: as many in each language.
		if r := c.Post(page+"/questions", url.Values{"q_kind": {"single"}, "label.es": {"¿Cómo?"}, "options.es": {"Autobús\nA pie"},
			"options.en": {"Bus"}}); r.Status != 422 || !strings.Contains(r.Body, `id="e-options.en"`) {
			t.Fatalf("choices: %s", r)
		}
	})
}
