package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

// Tests that odd input to the public pages never makes them fail.

// TestOddInputNeverFails throws what people (and scanners) type at every
// public URL: nothing of it may be a server error.
func TestOddInputNeverFails(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 8000)
	gets := []string{
		"/accounts?q=" + long,
		"/accounts?q=" + strings.Repeat(url.QueryEscape("地"), 2000),
		"/accounts?q=%FF%FE",
		"/accounts?q=%C3%28",
		"/accounts?q=%ED%A0%80", // a UTF-16 surrogate
		"/accounts?q=%00",
		"/accounts?q=a%00b",
		"/accounts?q=%25%25%25",
		"/accounts?q=%5C%5C%25_",
		"/accounts?q=%27%20OR%201%3D1--",
		"/accounts?q=%3Cscript%3Ealert(1)%3C/script%3E",
		"/accounts?q=" + url.QueryEscape("\u202e\u200b\ufeff"),
		"/accounts?q=a&q=b&q=c",
		"/accounts?category=%FF",
		"/accounts?category=" + long,
		"/accounts?page=-1",
		"/accounts?page=%FF",
		"/accounts?page=" + strings.Repeat("9", 400),
		"/accounts?q=%",
		"/accounts?%%%=%%%",
		"/?q=%FF&page=-1",
		"/@foo%20bar",
		"/@%FF",
		"/@%00",
		"/@%C3%28",
		"/@" + long,
		"/@%2e%2e%2fadmin",
		"/@metro%2Fx",
		"/@" + url.PathEscape("地铁"),
		"/@metro?page=-1",
		"/lang/%FF",
		"/lang/zh?next=%FF",
		"/lang/zh?next=%00",
		"/lang/zh?next=/%0d%0aSet-Cookie:%20x=y",
		"/lang/zh?next=" + long,
		"/invite/%FF",
		"/invite/%00",
		"/invite/" + long,
		"/invite/..%2F..%2Fetc%2Fpasswd",
		"/media/abc",
		"/media/-1",
		"/media/" + strings.Repeat("9", 40),
		"/media/%FF",
		"/login?next=%FF",
		"/login?next=" + long,
		"/studio/orgs/%FF",
		"/studio/orgs/" + strings.Repeat("9", 40),
		"/static/..%2F..%2Fgo.mod",
		"/%FF",
	}
	posts := []struct {
		path string
		form url.Values
	}{
		{"/login", url.Values{"email": {"\xff\xfe@metro.test"}, "password": {"x"}}},
		{"/login", url.Values{"email": {"a\x00b@metro.test"}, "password": {"\x00"}}},
		{"/login", url.Values{"email": {long + "@metro.test"}, "password": {long}}},
		{"/login", url.Values{"email": {"editor@metro.test"}, "password": {"\xff"}, "next": {"\xff"}}},
		{"/login", url.Values{"email": {"@"}, "password": {""}}},
		{"/invite/nonsense", url.Values{"name": {"\xff"}, "password": {"\x00"}}},
		{"/invite/%FF", url.Values{"name": {"x"}}},
		{"/logout", url.Values{"x": {"\xff"}}},
	}
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		c := a.Client(t)
		for _, path := range gets {
			res := sendWith(t, a, c, "GET", path, nil, nil)
			if res.Status >= 500 {
				t.Errorf("GET %.120s: %s", path, res)
			}
		}
		for _, p := range posts {
			res := c.Post(p.path, p.form)
			if res.Status >= 500 {
				t.Errorf("POST %s %q: %s", p.path, p.form, res)
			}
		}
		// Odd headers and cookies.
		u, _ := url.Parse(a.URL)
		odd := a.Client(t)
		odd.HTTP.Jar.SetCookies(u, []*http.Cookie{
			{Name: "plaza_session", Value: long[:99], Path: "/"},
			{Name: "plaza_csrf", Value: "short", Path: "/"},
			{Name: "plaza_lang", Value: "xx", Path: "/"},
			{Name: "plaza_flash", Value: "no.such.key", Path: "/"},
		})
		for _, hdr := range []map[string]string{
			{"Accept-Language": long},
			{"Accept-Language": "zh-CN;q=abc, *;q=-1"},
			{"Accept": "application/json;q=0.1, text/html"},
			{"X-Forwarded-For": "not-an-ip, ::::"},
			{"Referer": "::not a url::"},
			{"User-Agent": long},
		} {
			for _, path := range []string{"/", "/accounts?q=x", "/@metro", "/nope"} {
				if res := sendWith(t, a, odd, "GET", path, nil, hdr); res.Status >= 500 {
					t.Errorf("GET %s with %v: %s", path, hdr, res)
				}
			}
		}
		// A signed-in staff member's odd input to the same public pages.
		staff := a.Client(t)
		staff.Login(f.ByRole[models.RoleViewer].Email, apptest.Password)
		for _, path := range gets[:12] {
			if res := sendWith(t, a, staff, "GET", path, nil, nil); res.Status >= 500 {
				t.Errorf("GET %.120s signed in: %s", path, res)
			}
		}
		// The refusal is a page of the site, still signed in.
		expectBody(t, "NUL in a search", staff.Get("/accounts?q=a%00b"), http.StatusBadRequest,
			"Something is wrong with the request", "Sign out")
		// None of it changed the data.
		if n := rowCount(t, a, "accounts", ""); n != 1 {
			t.Fatalf("%d accounts after the odd input, want 1", n)
		}
		if n := rowCount(t, a, "users", ""); n != 6 {
			t.Fatalf("%d users after the odd input, want the 6 fixtures", n)
		}

		// Headers end up in the database too: the client address in the
		// sign-in limit and the browser's name in the session.
		for _, hdr := range []map[string]string{
			{"X-Forwarded-For": "\xff\xfe"},
			{"X-Real-Ip": "\xff"},
			{"User-Agent": "\xff\xfe browser"},
			{"User-Agent": strings.Repeat("a", 299) + "地铁"}, // cut at 300 bytes, inside a character
		} {
			c := a.Client(t)
			form := url.Values{"email": {f.ByRole[models.RoleEditor].Email}, "password": {apptest.Password}, "_csrf": {c.CSRF()}}
			res := sendWith(t, a, c, "POST", "/login", strings.NewReader(form.Encode()), hdr)
			if res.Status != http.StatusSeeOther {
				t.Errorf("sign-in with %q: %s", hdr, res)
				continue
			}
			if r := c.Get("/studio"); r.Status != http.StatusOK {
				t.Errorf("session after a sign-in with %q: %s", hdr, r)
			}
			// Signing in changed the form token.
			form.Set("password", "wrong password")
			form.Set("_csrf", c.CSRF())
			if res := sendWith(t, a, c, "POST", "/login", strings.NewReader(form.Encode()), hdr); res.Status != http.StatusUnauthorized {
				t.Errorf("failed sign-in with %q: %s", hdr, res)
			}
		}

		// Text no database can store, in a form that would otherwise be
		// accepted, is refused with a 4xx and stores nothing.
		_, token, err := a.Orgs.CreateInvite(t.Context(), f.Admin, f.Org.ID, "odd@metro.test", models.RoleViewer)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"\xff\xfe", "Nora\x00"} {
			res := a.Client(t).Post("/invite/"+token, url.Values{"name": {name}, "password": {"a long enough password"}})
			expectBody(t, fmt.Sprintf("invite with name %q", name), res, http.StatusBadRequest,
				"Plaza could not understand what was sent, so nothing was changed.")
		}
		c2 := a.Client(t)
		form := url.Values{"name": {"\xff"}, "password": {"a long enough password"}, "_csrf": {c2.CSRF()}}
		expectBody(t, "invalid bytes in Chinese", sendWith(t, a, c2, "POST", "/invite/"+token, strings.NewReader(form.Encode()), zh),
			http.StatusBadRequest, "Plaza 无法识别提交的内容，未做任何更改。")
		if n := rowCount(t, a, "users", "email = ?", "odd@metro.test"); n != 0 {
			t.Fatal("a name with invalid bytes created a user")
		}
		expectBody(t, "the invite still works", a.Client(t).Get("/invite/"+token), http.StatusOK, "Create my account and join")
	})
}
