package handlers_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

func sameHandles(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	seen := map[string]bool{}
	for _, h := range got {
		seen[h] = true
	}
	for _, h := range want {
		if !seen[h] {
			return false
		}
	}
	return true
}

func TestHomeAndDirectory(t *testing.T) {
	t.Parallel()
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		owner := f.Member(models.RoleOwner)
		for _, in := range []models.AccountInput{
			{Handle: "cityparks", Name: "Green Spaces", Texts: models.Texts("en", "bio", "Parks are 100% open").With("zh-Hans", "name", "城市绿地"), Category: "environment", Languages: []string{"en", "zh"}},
			{Handle: "harbor", Name: "Harbor Safety", Texts: models.Texts("en", "bio", "Boats and tides").With("zh-Hans", "name", "港口安全"), Category: "safety", Languages: []string{"en"}},
		} {
			if _, err := a.Accounts.CreateAccount(t.Context(), owner, in); err != nil {
				t.Fatal(err)
			}
		}
		c := a.Client(t)

		home := sendWith(t, a, c, "GET", "/", nil, en)
		expectBody(t, "home", home, http.StatusOK, "Official accounts for your city", "Accounts to follow", "Metro", "@metro", "Trains and buses")
		if got := listed(home.Body); !sameHandles(got, []string{"metro", "cityparks", "harbor"}) {
			t.Fatalf("home lists %v", got)
		}
		expectBody(t, "home in Chinese", sendWith(t, a, c, "GET", "/", nil, zh), http.StatusOK,
			`<html lang="zh-Hans" dir="ltr">`, "城市官方账号", "推荐关注", "地铁", "城市绿地")

		tests := []struct {
			name, query string
			want        []string
			text        string
		}{
			{"everything", "", []string{"metro", "cityparks", "harbor"}, "3 accounts"},
			{"by name", "q=green", []string{"cityparks"}, "1 account<"},
			{"by name, other case", "q=HARBOR+safety", []string{"harbor"}, ""},
			{"by handle", "q=cityparks", []string{"cityparks"}, ""},
			{"by handle with @", "q=%40cityparks", []string{"cityparks"}, ""},
			{"by handle with @ and capitals", "q=%40CityParks", []string{"cityparks"}, ""},
			{"by Chinese name", "q=" + url.QueryEscape("地铁"), []string{"metro"}, ""},
			{"by part of a Chinese name", "q=" + url.QueryEscape("绿地"), []string{"cityparks"}, ""},
			{"by bio", "q=tides", []string{"harbor"}, ""},
			{"by organization", "q=metro+transit", []string{"metro", "cityparks", "harbor"}, ""},
			{"surrounding spaces", "q=++green++", []string{"cityparks"}, ""},
			{"category", "category=environment", []string{"cityparks"}, "1 account<"},
			{"category and query", "category=safety&q=boats", []string{"harbor"}, ""},
			{"unknown category is ignored", "category=bogus", []string{"metro", "cityparks", "harbor"}, ""},
			{"no match", "q=zzzz", nil, "No account matches your search. Try another word or category."},
			{"no match in category", "q=harbor&category=environment", nil, "No account matches your search."},
			// LIKE wildcards typed by a person are plain characters.
			{"percent is literal", "q=%25", []string{"cityparks"}, ""},
			{"100% is literal", "q=100%25", []string{"cityparks"}, ""},
			{"percent as a wildcard would match metro", "q=metro%25", nil, "No account matches"},
			{"underscore is literal", "q=_", nil, "No account matches"},
			{"underscore as a wildcard would match metro", "q=m_tro", nil, "No account matches"},
			{"backslash is literal", "q=%5C", nil, "No account matches"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := c.Get("/accounts?" + tt.query)
				expectBody(t, tt.query, res, http.StatusOK, "Official accounts", tt.text)
				if got := listed(res.Body); !sameHandles(got, tt.want) {
					t.Fatalf("%q lists %v, want %v", tt.query, got, tt.want)
				}
				if len(tt.want) == 0 {
					expectBody(t, "empty state", res, http.StatusOK, `<a href="/accounts">Show all accounts</a>`)
				}
			})
		}
		// The search box keeps what was typed.
		expectBody(t, "search box", c.Get("/accounts?q=Green&category=environment"), http.StatusOK,
			`value="Green"`, `<option value="environment" selected>`)
		expectBody(t, "directory in Chinese", sendWith(t, a, c, "GET", "/accounts?q=zzzz", nil, zh), http.StatusOK,
			"官方账号目录", "没有符合条件的账号", "共 0 个账号")

		// With no accounts at all, the pages say so.
		if err := a.DB.Gorm.Exec("DELETE FROM accounts").Error; err != nil {
			t.Fatal(err)
		}
		expectBody(t, "empty home", c.Get("/"), http.StatusOK, "No official accounts yet. Once an organization creates one, it appears here.")
		expectBody(t, "empty directory", c.Get("/accounts"), http.StatusOK, "No official accounts yet.")
		expectBody(t, "empty home in Chinese", sendWith(t, a, c, "GET", "/", nil, zh), http.StatusOK, "暂时还没有官方账号")
	})
}

func TestDirectoryPagination(t *testing.T) {
	t.Parallel()
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		owner := f.Member(models.RoleOwner)
		for i := 1; i <= 30; i++ {
			_, err := a.Accounts.CreateAccount(t.Context(), owner, models.AccountInput{
				Handle: fmt.Sprintf("bulk%02d", i), Name: fmt.Sprintf("Bulk %02d", i), Category: "community", Languages: []string{"en"},
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		c := a.Client(t)
		nextLink := regexp.MustCompile(`<a href="([^"]*)" rel="next">`)
		prevLink := regexp.MustCompile(`<a href="([^"]*)" rel="prev">`)

		// 31 accounts (the fixture's metro and 30 more), 25 a page, by name.
		p1 := c.Get("/accounts")
		expectBody(t, "page 1", p1, http.StatusOK, "31 accounts", "Page 1 of 2", "Next →")
		if got := listed(p1.Body); len(got) != models.DefaultPageSize || got[0] != "bulk01" || got[24] != "bulk25" {
			t.Fatalf("page 1 lists %v", got)
		}
		if prevLink.MatchString(p1.Body) {
			t.Fatal("page 1 has a Previous link")
		}
		m := nextLink.FindStringSubmatch(p1.Body)
		if m == nil || html.UnescapeString(m[1]) != "/accounts?page=2" {
			t.Fatalf("Next link %v", m)
		}
		p2 := c.Get(html.UnescapeString(m[1]))
		expectBody(t, "page 2", p2, http.StatusOK, "Page 2 of 2", "← Previous")
		if got := listed(p2.Body); !sameHandles(got, []string{"bulk26", "bulk27", "bulk28", "bulk29", "bulk30", "metro"}) {
			t.Fatalf("page 2 lists %v", got)
		}
		if nextLink.MatchString(p2.Body) {
			t.Fatal("the last page has a Next link")
		}
		if m := prevLink.FindStringSubmatch(p2.Body); m == nil || html.UnescapeString(m[1]) != "/accounts?page=1" {
			t.Fatalf("Previous link %v", m)
		}
		expectBody(t, "page 2 in Chinese", sendWith(t, a, c, "GET", "/accounts?page=2", nil, zh), http.StatusOK,
			"第 2 页，共 2 页", "← 上一页")

		// The links keep the search.
		s1 := c.Get("/accounts?q=bulk&category=community")
		expectBody(t, "search page 1", s1, http.StatusOK, "30 accounts", "Page 1 of 2")
		m = nextLink.FindStringSubmatch(s1.Body)
		if m == nil {
			t.Fatal("no Next link on a search of 30")
		}
		next, err := url.Parse(html.UnescapeString(m[1]))
		if err != nil || next.Path != "/accounts" || next.Query().Get("q") != "bulk" || next.Query().Get("category") != "community" || next.Query().Get("page") != "2" {
			t.Fatalf("Next link of a search: %q", m[1])
		}
		s2 := c.Get(next.RequestURI())
		if got := listed(s2.Body); !sameHandles(got, []string{"bulk26", "bulk27", "bulk28", "bulk29", "bulk30"}) {
			t.Fatalf("search page 2 lists %v", got)
		}

		// Odd page numbers are the first page; a page past the end is
		// empty, not an error.
		for _, p := range []string{"abc", "-1", "0", "1.5", "1e3", "99999999999999999999999", "2x"} {
			res := c.Get("/accounts?page=" + p)
			expectBody(t, "page="+p, res, http.StatusOK, "Page 1 of 2")
			if got := listed(res.Body); len(got) == 0 || got[0] != "bulk01" {
				t.Fatalf("page=%s lists %v, want the first page", p, got)
			}
		}
		res := c.Get("/accounts?page=99")
		expectBody(t, "page past the end", res, http.StatusOK, "31 accounts")
		if got := listed(res.Body); len(got) != 0 {
			t.Fatalf("page 99 lists %v", got)
		}
	})
}

func TestAccountPage(t *testing.T) {
	t.Parallel()
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		c := a.Client(t)
		const badge = `class="badge verified"`

		res := sendWith(t, a, c, "GET", "/@metro", nil, en)
		expectBody(t, "account page", res, http.StatusOK, "<h1>Metro</h1>", "@metro", "Trains and buses", "Run by Metro Transit", "Public agency", "Notices")
		if strings.Contains(res.Body, badge) {
			t.Fatal("an unverified organization's account shows the Verified badge")
		}
		expectBody(t, "account page in Chinese", sendWith(t, a, c, "GET", "/@metro", nil, zh), http.StatusOK,
			"<h1>地铁</h1>", "运营机构：Metro Transit", "政府机构", "Trains and buses")
		expectBody(t, "uppercase handle", c.Get("/@METRO"), http.StatusOK, "<h1>Metro</h1>")
		expectBody(t, "mixed-case handle", c.Get("/@Metro"), http.StatusOK, "<h1>Metro</h1>")

		for _, path := range []string{"/@nobody", "/@", "/@metro2", "/@metro/", "/@%20metro"} {
			r := c.Get(path)
			expectBody(t, path, r, http.StatusNotFound, "Page not found", "<html")
		}
		expectBody(t, "unknown handle in Chinese", sendWith(t, a, c, "GET", "/@nobody", nil, zh), http.StatusNotFound, "页面不存在")

		// Verification shows the badge on the account page and in the
		// directory; removing it takes the badge away.
		if err := a.Orgs.SetVerified(t.Context(), f.Admin, f.Org.ID, true); err != nil {
			t.Fatal(err)
		}
		expectBody(t, "verified account", sendWith(t, a, c, "GET", "/@metro", nil, en), http.StatusOK, badge, "Verified")
		expectBody(t, "verified account in Chinese", sendWith(t, a, c, "GET", "/@metro", nil, zh), http.StatusOK, badge, "已认证")
		expectBody(t, "verified in the directory", c.Get("/accounts"), http.StatusOK, badge)
		expectBody(t, "verified on the home page", c.Get("/"), http.StatusOK, badge)
		if err := a.Orgs.SetVerified(t.Context(), f.Admin, f.Org.ID, false); err != nil {
			t.Fatal(err)
		}
		if r := c.Get("/@metro"); strings.Contains(r.Body, badge) {
			t.Fatal("the badge stays after verification is removed")
		}

		// An account of another, verified organization does not lend its
		// badge to metro.
		other := &models.Member{User: f.Outside, Org: f.Other, Role: models.RoleOwner}
		if _, err := a.Accounts.CreateAccount(t.Context(), other, models.AccountInput{
			Handle: "helpers", Name: "Helpers", Category: "charity", Languages: []string{"en"},
		}); err != nil {
			t.Fatal(err)
		}
		if err := a.Orgs.SetVerified(t.Context(), f.Admin, f.Other.ID, true); err != nil {
			t.Fatal(err)
		}
		expectBody(t, "other org's account", c.Get("/@helpers"), http.StatusOK, badge, "Run by Other Org")
		if r := c.Get("/@metro"); strings.Contains(r.Body, badge) {
			t.Fatal("metro shows a badge that belongs to another organization")
		}
		// Verified organizations come first in the directory.
		if got := listed(c.Get("/accounts").Body); len(got) != 2 || got[0] != "helpers" {
			t.Fatalf("directory order %v: want the verified account first", got)
		}
	})
}

func TestLanguage(t *testing.T) {
	t.Parallel()
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		apptest.Seed(t, a)

		// Every public page in both languages.
		pages := []struct {
			path       string
			status     int
			en, zhText string
		}{
			{"/", 200, "Official accounts for your city", "城市官方账号"},
			{"/accounts", 200, "Search accounts", "搜索官方账号"},
			{"/@metro", 200, "This account has not published any notices yet.", "该账号尚未发布任何通知。"},
			{"/login", 200, "Sign in to Plaza", "登录 Plaza"},
			{"/invite/nonsense", 410, "This invitation cannot be used", "该邀请无法使用"},
			{"/no/such/page", 404, "Page not found", "页面不存在"},
		}
		for _, p := range pages {
			t.Run(p.path, func(t *testing.T) {
				c := a.Client(t)
				expectBody(t, p.path+" in English", sendWith(t, a, c, "GET", p.path, nil, en), p.status, `<html lang="en" dir="ltr">`, p.en, "中文")
				expectBody(t, p.path+" in Chinese", sendWith(t, a, c, "GET", p.path, nil, zh), p.status, `<html lang="zh-Hans" dir="ltr">`, p.zhText, "English")
				expectBody(t, p.path+" with no preference", c.Get(p.path), p.status, `<html lang="en" dir="ltr">`, p.en)
				expectBody(t, p.path+" with an odd header", sendWith(t, a, c, "GET", p.path, nil, map[string]string{"Accept-Language": "!!;q=x,,"}),
					p.status, `<html lang="en" dir="ltr">`)
				// Taiwan reads Traditional Chinese, which has its own texts.
				expectBody(t, p.path+" preferring Chinese of Taiwan", sendWith(t, a, c, "GET", p.path, nil, map[string]string{"Accept-Language": "fr, zh-TW;q=0.8"}),
					p.status, `<html lang="zh-Hant" dir="ltr">`)
				expectBody(t, p.path+" in Arabic", sendWith(t, a, c, "GET", p.path, nil, map[string]string{"Accept-Language": "ar-EG"}),
					p.status, `<html lang="ar" dir="rtl">`)
				expectBody(t, p.path+" in Spanish", sendWith(t, a, c, "GET", p.path, nil, map[string]string{"Accept-Language": "es-MX,es;q=0.9"}),
					p.status, `<html lang="es" dir="ltr">`)
			})
		}

		t.Run("switch", func(t *testing.T) {
			c := a.Client(t)
			// The page links to the switch with the page it is on.
			// Every language is offered, each in its own name and script.
			expectBody(t, "switch links", sendWith(t, a, c, "GET", "/accounts?q=metro", nil, en), http.StatusOK,
				`href="/lang/zh-Hans?next=%2Faccounts%3Fq%3Dmetro"`, `lang="zh-Hant" hreflang="zh-Hant" dir="ltr">繁體中文</a>`,
				`>Español</a>`, `lang="ar" hreflang="ar" dir="rtl">العربية</a>`, `<span aria-current="true" lang="en" dir="ltr">English</span>`)
			// Public pages name their address in each language.
			expectBody(t, "hreflang alternates", sendWith(t, a, c, "GET", "/accounts", nil, en), http.StatusOK,
				`<link rel="alternate" hreflang="ar" href="/accounts?lang=ar">`, `<link rel="alternate" hreflang="zh-Hant" href="/accounts?lang=zh-Hant">`)
			expectBody(t, "?lang= picks the language", sendWith(t, a, c, "GET", "/accounts?lang=ar", nil, en), http.StatusOK,
				`<html lang="ar" dir="rtl">`)
			// Plain zh, as links made before there were two Chinese scripts
			// say, is Simplified Chinese.
			res := c.Get("/lang/zh?next=/accounts")
			if res.Status != http.StatusSeeOther || res.Location != "/accounts" {
				t.Fatalf("switch to Chinese: %s", res)
			}
			ck := cookieFrom(res, "plaza_lang")
			if ck == nil || ck.Value != "zh-Hans" || ck.Path != "/" || ck.MaxAge < 30*24*3600 || ck.SameSite != http.SameSiteLaxMode {
				t.Fatalf("language cookie %v", ck)
			}
			// The choice beats the browser's header from now on.
			expectBody(t, "after switching", sendWith(t, a, c, "GET", "/accounts", nil, en), http.StatusOK, `<html lang="zh-Hans" dir="ltr">`, "官方账号目录")
			expectBody(t, "after switching, login", sendWith(t, a, c, "GET", "/login", nil, en), http.StatusOK, "登录 Plaza")
			res = c.Get("/lang/en?next=" + url.QueryEscape("/@metro"))
			if res.Status != http.StatusSeeOther || res.Location != "/@metro" {
				t.Fatalf("switch back: %s", res)
			}
			expectBody(t, "after switching back", sendWith(t, a, c, "GET", "/@metro", nil, zh), http.StatusOK, `<html lang="en" dir="ltr">`, "<h1>Metro</h1>")
		})

		t.Run("switch targets", func(t *testing.T) {
			for _, tt := range []struct{ next, want string }{
				{"", "/"},
				{"/accounts?q=a&category=transit", "/accounts?q=a&category=transit"},
				{"https://evil.example", "/"},
				{"//evil.example/x", "/"},
				{`/\evil.example`, "/"},
				{"javascript:alert(1)", "/"},
				{"accounts", "/"},
				{"/x\r\nSet-Cookie: a=b", "/"},
			} {
				res := a.Client(t).Get("/lang/zh?next=" + url.QueryEscape(tt.next))
				if res.Status != http.StatusSeeOther || res.Location != tt.want {
					t.Fatalf("next=%q: %s; want 303 to %q", tt.next, res, tt.want)
				}
			}
			for _, code := range []string{"xx", "fr", "zz-zh", "english"} {
				c := a.Client(t)
				res := c.Get("/lang/" + code + "?next=/accounts")
				expectBody(t, "/lang/"+code, res, http.StatusNotFound, "Page not found")
				if ck := cookieFrom(res, "plaza_lang"); ck != nil {
					t.Fatalf("/lang/%s set a language cookie %v", code, ck)
				}
			}
			// A region is understood as its language.
			if res := a.Client(t).Get("/lang/zh-CN?next=/"); res.Status != http.StatusSeeOther {
				t.Fatalf("/lang/zh-CN: %s", res)
			}
		})

		t.Run("a broken cookie falls back to the header", func(t *testing.T) {
			c := a.Client(t)
			u, _ := url.Parse(a.URL)
			c.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: "plaza_lang", Value: "klingon", Path: "/"}})
			expectBody(t, "bad cookie", sendWith(t, a, c, "GET", "/", nil, zh), http.StatusOK, `<html lang="zh-Hans" dir="ltr">`)
		})
	})
}

// TestHomeListsOpenConsultations: the home page says what people can
// have a say on (the UX review found nothing about consultations there):
// the consultations taking answers, with when they close, and a link to
// every project; a decided project is not among them.
func TestHomeListsOpenConsultations(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		c := a.Client(t)
		if r := c.Get("/"); r.Status != http.StatusOK || strings.Contains(r.Body, "Have your say") {
			t.Fatalf("home without consultations: %s", r)
		}
		p := openProject(t, a, f, "")
		r := c.Get("/")
		for _, want := range []string{`<h2 id="consult-h">Have your say</h2>`, fmt.Sprintf(`href="/@metro/projects/%d"`, p.ID), ">Harbour Bridge</a>",
			"Open for comment", "closes in", `<a href="/projects">All projects and consultations</a>`} {
			if r.Status != http.StatusOK || !strings.Contains(r.Body, want) {
				t.Fatalf("home lacks %q: %s", want, r)
			}
		}
		if _, err := a.Projects.SetProjectStatus(t.Context(), f.Member(models.RoleOwner), f.Account, p.ID, models.StatusChange{Status: models.ProjectDecided}, nil); err != nil {
			t.Fatal(err)
		}
		if r := c.Get("/"); strings.Contains(r.Body, "Have your say") {
			t.Fatalf("a decided project is still open on the home page: %s", r)
		}
	})
}
