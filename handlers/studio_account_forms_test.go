package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

// Tests for creating and editing accounts in the studio.

func TestStudioCreateAccount(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ed := stLogin(t, a, f.ByRole[models.RoleEditor])

		res := ed.Get(stPath(f.Org, "/accounts/new"))
		stStatus(t, "new account form", res, http.StatusOK)
		stHas(t, "new account form", res, "New official account", `name="handle"`)

		res = ed.Post(stPath(f.Org, "/accounts"), validAccountForm("  @Bus_Line "))
		stStatus(t, "create account", res, http.StatusSeeOther, stPath(f.Org, "/accounts/bus_line"))

		acc := stAccount(t, a, "bus_line")
		if acc == nil {
			t.Fatal("no account bus_line after creating @Bus_Line")
		}
		if acc.OrganizationID != f.Org.ID || acc.Name != "Bus Line 7" || acc.Translations.Get("zh-Hans", "name") != "七路公交" || acc.Category != "transit" ||
			acc.Languages != "en,zh-Hans" || acc.Translations.Get("en", "bio") != "Service news for line 7 & its night buses" || acc.AvatarMediaID != nil {
			t.Fatalf("stored account %+v", acc)
		}
		if n := stCount(t, a, "audit_log", "organization_id = ? AND user_id = ? AND action = ? AND target = ?",
			f.Org.ID, f.ByRole[models.RoleEditor].ID, "account.create", "@bus_line"); n != 1 {
			t.Fatalf("%d account.create audit entries for @bus_line by the editor, want 1", n)
		}

		res = ed.Get(res.Location)
		stStatus(t, "edit page after create", res, http.StatusOK)
		stHas(t, "edit page after create", res, "The account is created.", "Edit @bus_line", `href="/@bus_line"`)

		pub := a.Client(t)
		for _, p := range []string{"/@bus_line", "/@Bus_Line"} {
			res = pub.Get(p)
			stStatus(t, "public page "+p, res, http.StatusOK)
			stHas(t, "public page "+p, res, "Bus Line 7", "@bus_line", "Run by Metro Transit", "Service news for line 7 & its night buses")
		}
		res = ed.Get(stPath(f.Org, "/accounts"))
		stHas(t, "account list", res, "@bus_line", "@metro")

		// The studio's other account still exists untouched, and a second
		// create works after all that (no transaction left open).
		res = ed.Post(stPath(f.Org, "/accounts"), validAccountForm("night_bus"))
		stStatus(t, "second create", res, http.StatusSeeOther, stPath(f.Org, "/accounts/night_bus"))
		if n := stCount(t, a, "accounts", "organization_id = ?", f.Org.ID); n != 3 {
			t.Fatalf("%d accounts in Metro Transit, want 3", n)
		}
	})
}

func TestStudioCreateAccountBadInput(t *testing.T) {
	long := strings.Repeat("Long bio. ", 200) // 2,000 characters
	cases := []struct {
		name         string
		set          url.Values // fields replacing the valid form's
		drop         []string   // fields left out
		field, msgOf string
	}{
		{"empty handle", url.Values{"handle": {""}}, nil, "handle", "This field is required."},
		{"only an @", url.Values{"handle": {" @ "}}, nil, "handle", "This field is required."},
		{"handle of this organization's account", url.Values{"handle": {"metro"}}, nil, "handle", "This handle is already taken. Choose another."},
		{"same handle in capitals with @", url.Values{"handle": {"@METRO"}}, nil, "handle", "This handle is already taken. Choose another."},
		{"handle of the other organization's account", url.Values{"handle": {"harbour"}}, nil, "handle", "This handle is already taken. Choose another."},
		{"too short", url.Values{"handle": {"ab"}}, nil, "handle", "Use 3 to 30 lowercase letters, digits or _, starting with a letter."},
		{"too long", url.Values{"handle": {strings.Repeat("a", 31)}}, nil, "handle", "Use 3 to 30 lowercase letters, digits or _, starting with a letter."},
		{"spaces", url.Values{"handle": {"bus line"}}, nil, "handle", "Use 3 to 30 lowercase letters, digits or _, starting with a letter."},
		{"Chinese", url.Values{"handle": {"公交七路"}}, nil, "handle", "Use 3 to 30 lowercase letters, digits or _, starting with a letter."},
		{"hyphen", url.Values{"handle": {"a-b"}}, nil, "handle", "Use 3 to 30 lowercase letters, digits or _, starting with a letter."},
		{"hyphen, long enough", url.Values{"handle": {"bus-line"}}, nil, "handle", "Use 3 to 30 lowercase letters, digits or _, starting with a letter."},
		{"starts with a digit", url.Values{"handle": {"7bus"}}, nil, "handle", "Use 3 to 30 lowercase letters, digits or _, starting with a letter."},
		{"reserved", url.Values{"handle": {"admin"}}, nil, "handle", "This handle is reserved. Choose another."},
		{"reserved in capitals", url.Values{"handle": {"@Support"}}, nil, "handle", "This handle is reserved. Choose another."},
		{"empty name", url.Values{"name.en": {""}}, nil, "name.en", "This field is required."},
		{"blank name", url.Values{"name.en": {"   "}}, nil, "name.en", "This field is required."},
		{"name too long", url.Values{"name.en": {strings.Repeat("n", 81)}}, nil, "name.en", "This is too long."},
		{"no language", nil, []string{"languages"}, "languages", "Choose at least one language."},
		{"unknown language only", url.Values{"languages": {"xx-nope"}}, nil, "languages", "Choose at least one language."},
		{"unknown category", url.Values{"category": {"weather"}}, nil, "category", "Choose one of the options."},
		{"no category", nil, []string{"category"}, "category", "Choose one of the options."},
		{"2,000-character English bio", url.Values{"bio.en": {long}}, nil, "bio.en", "This is too long."},
		{"2,000-character Chinese bio", url.Values{"bio.zh-Hans": {strings.Repeat("长", 2000)}}, nil, "bio.zh-Hans", "This is too long."},
	}
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		if _, err := a.Accounts.CreateAccount(context.Background(), &models.Member{User: f.Outside, Org: f.Other, Role: models.RoleOwner},
			models.AccountInput{Handle: "harbour", Name: "Harbour", Category: "community", Languages: []string{"en"}}); err != nil {
			t.Fatal(err)
		}
		ed := stLogin(t, a, f.ByRole[models.RoleEditor])
		before := stSnapshot(t, a)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				form := validAccountForm("bus_line")
				for k, v := range tc.set {
					form[k] = v
				}
				for _, k := range tc.drop {
					form.Del(k)
				}
				res := ed.Post(stPath(f.Org, "/accounts"), form)
				stStatus(t, tc.name, res, http.StatusUnprocessableEntity)
				stHas(t, tc.name, res, "New official account", "Some fields need your attention.")
				stFieldError(t, tc.name, res, tc.field, tc.msgOf)
				stKept(t, tc.name, res, form, "handle", "name.en", "name.zh-Hans", "bio.en", "bio.zh-Hans")
				stUnchanged(t, tc.name, a, before)
				if stAccount(t, a, "bus_line") != nil {
					t.Fatal("an account was created")
				}
			})
		}
		// The refused attempts left nothing behind that blocks a good one.
		res := ed.Post(stPath(f.Org, "/accounts"), validAccountForm("bus_line"))
		stStatus(t, "valid create after the refused ones", res, http.StatusSeeOther, stPath(f.Org, "/accounts/bus_line"))
	})
}

func TestStudioEditAccount(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ed := stLogin(t, a, f.ByRole[models.RoleEditor])
		edit := stPath(f.Org, "/accounts/metro")

		res := ed.Get(edit)
		stStatus(t, "edit form", res, http.StatusOK)
		if stValue(t, res, "name.en") != "Metro" || stValue(t, res, "bio.en") != "Trains and buses" {
			t.Fatalf("edit form does not show the account\n%s", res)
		}
		if strings.Contains(res.Body, `name="handle"`) {
			t.Fatal("the edit form offers to change the handle")
		}

		t.Run("bad input changes nothing", func(t *testing.T) {
			before := stSnapshot(t, a)
			for _, tc := range []struct {
				name, field, msg string
				form             url.Values
			}{
				{"empty name", "name.en", "This field is required.", url.Values{"name.en": {""}, "bio.en": {"kept text"}, "category": {"transit"}, "languages": {"en"}}},
				{"unknown category", "category", "Choose one of the options.", url.Values{"name.en": {"Metro Rail"}, "bio.en": {"kept text"}, "category": {"spaceflight"}, "languages": {"en"}}},
				{"no language", "languages", "Choose at least one language.", url.Values{"name.en": {"Metro Rail"}, "bio.en": {"kept text"}, "category": {"transit"}}},
				{"long bio", "bio.en", "This is too long.", url.Values{"name.en": {"Metro Rail"}, "bio.en": {strings.Repeat("x", 1001)}, "category": {"transit"}, "languages": {"en"}}},
			} {
				res := ed.Post(edit, tc.form)
				stStatus(t, tc.name, res, http.StatusUnprocessableEntity)
				stHas(t, tc.name, res, "Edit @metro")
				stFieldError(t, tc.name, res, tc.field, tc.msg)
				stKept(t, tc.name, res, tc.form, "name.en", "bio.en")
				stUnchanged(t, tc.name, a, before)
			}
		})

		res = ed.Post(edit, url.Values{
			"handle": {"hijacked"}, "name.en": {"Metro Rail"}, "name.zh-Hans": {"地铁公司"}, "bio.en": {"New timetable from May"},
			"bio.zh-Hans": {"五月起执行新时刻表"}, "category": {"government"}, "languages": {"zh", "en"}, "default_lang": {"en"},
		})
		stStatus(t, "edit account", res, http.StatusSeeOther, edit)
		acc := stAccount(t, a, "metro")
		if acc == nil || acc.ID != f.Account.ID {
			t.Fatalf("account @metro is gone after an edit that posted a handle: %+v", acc)
		}
		if acc.Name != "Metro Rail" || acc.Translations.Get("zh-Hans", "name") != "地铁公司" || acc.Translations.Get("en", "bio") != "New timetable from May" || acc.Translations.Get("zh-Hans", "bio") != "五月起执行新时刻表" ||
			acc.Category != "government" || acc.Languages != "zh-Hans,en" {
			t.Fatalf("account after edit: %+v", acc)
		}
		if stAccount(t, a, "hijacked") != nil || stCount(t, a, "accounts", "") != 1 {
			t.Fatal("posting a handle field created or renamed an account")
		}
		if n := stAudits(t, a, f.Org.ID, "account.update"); n != 1 {
			t.Fatalf("%d account.update audit entries, want 1", n)
		}
		res = ed.Get(edit)
		stHas(t, "edit page after save", res, "Your changes are saved.")
		if stValue(t, res, "name.en") != "Metro Rail" {
			t.Fatal("edit page does not show the saved name")
		}
		res = a.Client(t).Get("/@metro")
		stStatus(t, "public page after edit", res, http.StatusOK)
		stHas(t, "public page after edit", res, "Metro Rail", "New timetable from May")
		stStatus(t, "public page of the posted handle", a.Client(t).Get("/@hijacked"), http.StatusNotFound)
	})
}

func TestStudioEditAccountOfAnotherOrganization(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		otherEditor := stJoin(t, a, f.Outside, f.Other, "editor@other.test", models.RoleEditor)
		png := stPNG(t, 8, 8)
		form := url.Values{"name.en": {"Taken over"}, "bio.en": {"pwned"}, "category": {"transit"}, "languages": {"en"}}
		for _, who := range []*models.User{otherEditor, f.Outside} {
			c := stLogin(t, a, who)
			before := stSnapshot(t, a)
			for _, org := range []*models.Organization{f.Org, f.Other} {
				// f.Org: not a member; f.Other: their own organization's id
				// with the other organization's handle in the URL.
				path := stPath(org, "/accounts/metro")
				what := who.Email + " on " + path
				stStatus(t, "GET "+what, c.Get(path), http.StatusNotFound)
				stStatus(t, "POST "+what, c.Post(path, form), http.StatusNotFound)
				stStatus(t, "avatar "+what, c.Upload(path+"/avatar", "avatar", "a.png", png), http.StatusNotFound)
			}
			stUnchanged(t, who.Email+" editing @metro", a, before)
		}
		res := a.Client(t).Get("/@metro")
		stHas(t, "public page", res, "Trains and buses")
		stLacks(t, "public page", res, "Taken over", "pwned")
	})
}
