package handlers_test

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/models"
)

var en = map[string]string{"Accept-Language": "en-GB,en;q=0.9"}

// listed reports the handles whose cards are on a page.
func listed(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<h3><a href="/@([a-z0-9_]+)">`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

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
			{Handle: "cityparks", Name: "Green Spaces", NameZh: "城市绿地", BioEn: "Parks are 100% open", Category: "environment", Languages: []string{"en", "zh"}},
			{Handle: "harbor", Name: "Harbor Safety", NameZh: "港口安全", BioEn: "Boats and tides", Category: "safety", Languages: []string{"en"}},
		} {
			if _, err := a.Store.CreateAccount(t.Context(), owner, in); err != nil {
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
			`<html lang="zh-Hans">`, "城市官方账号", "推荐关注", "地铁", "城市绿地")

		tests := []struct {
			name, query string
			want        []string
			text        string
		}{
			{"everything", "", []string{"metro", "cityparks", "harbor"}, "3 accounts"},
			{"by name", "q=green", []string{"cityparks"}, "1 accounts"},
			{"by name, other case", "q=HARBOR+safety", []string{"harbor"}, ""},
			{"by handle", "q=cityparks", []string{"cityparks"}, ""},
			{"by handle with @", "q=%40cityparks", []string{"cityparks"}, ""},
			{"by handle with @ and capitals", "q=%40CityParks", []string{"cityparks"}, ""},
			{"by Chinese name", "q=" + url.QueryEscape("地铁"), []string{"metro"}, ""},
			{"by part of a Chinese name", "q=" + url.QueryEscape("绿地"), []string{"cityparks"}, ""},
			{"by bio", "q=tides", []string{"harbor"}, ""},
			{"by organization", "q=metro+transit", []string{"metro", "cityparks", "harbor"}, ""},
			{"surrounding spaces", "q=++green++", []string{"cityparks"}, ""},
			{"category", "category=environment", []string{"cityparks"}, "1 accounts"},
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
			_, err := a.Store.CreateAccount(t.Context(), owner, models.AccountInput{
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
		if err := a.Store.SetVerified(t.Context(), f.Admin, f.Org.ID, true); err != nil {
			t.Fatal(err)
		}
		expectBody(t, "verified account", sendWith(t, a, c, "GET", "/@metro", nil, en), http.StatusOK, badge, "Verified")
		expectBody(t, "verified account in Chinese", sendWith(t, a, c, "GET", "/@metro", nil, zh), http.StatusOK, badge, "已认证")
		expectBody(t, "verified in the directory", c.Get("/accounts"), http.StatusOK, badge)
		expectBody(t, "verified on the home page", c.Get("/"), http.StatusOK, badge)
		if err := a.Store.SetVerified(t.Context(), f.Admin, f.Org.ID, false); err != nil {
			t.Fatal(err)
		}
		if r := c.Get("/@metro"); strings.Contains(r.Body, badge) {
			t.Fatal("the badge stays after verification is removed")
		}

		// An account of another, verified organization does not lend its
		// badge to metro.
		other := &models.Member{User: f.Outside, Org: f.Other, Role: models.RoleOwner}
		if _, err := a.Store.CreateAccount(t.Context(), other, models.AccountInput{
			Handle: "helpers", Name: "Helpers", Category: "charity", Languages: []string{"en"},
		}); err != nil {
			t.Fatal(err)
		}
		if err := a.Store.SetVerified(t.Context(), f.Admin, f.Other.ID, true); err != nil {
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
			{"/accounts", 200, "Search accounts", "搜索公众号"},
			{"/@metro", 200, "This account has not published any notices yet.", "该账号尚未发布任何通知。"},
			{"/login", 200, "Sign in to Plaza", "登录 Plaza"},
			{"/invite/nonsense", 410, "This invitation cannot be used", "该邀请无法使用"},
			{"/no/such/page", 404, "Page not found", "页面不存在"},
		}
		for _, p := range pages {
			t.Run(p.path, func(t *testing.T) {
				c := a.Client(t)
				expectBody(t, p.path+" in English", sendWith(t, a, c, "GET", p.path, nil, en), p.status, `<html lang="en">`, p.en, "中文")
				expectBody(t, p.path+" in Chinese", sendWith(t, a, c, "GET", p.path, nil, zh), p.status, `<html lang="zh-Hans">`, p.zhText, "English")
				expectBody(t, p.path+" with no preference", c.Get(p.path), p.status, `<html lang="en">`, p.en)
				expectBody(t, p.path+" with an odd header", sendWith(t, a, c, "GET", p.path, nil, map[string]string{"Accept-Language": "!!;q=x,,"}),
					p.status, `<html lang="en">`)
				expectBody(t, p.path+" preferring Chinese of Taiwan", sendWith(t, a, c, "GET", p.path, nil, map[string]string{"Accept-Language": "fr, zh-TW;q=0.8"}),
					p.status, p.zhText)
			})
		}

		t.Run("switch", func(t *testing.T) {
			c := a.Client(t)
			// The page links to the switch with the page it is on.
			expectBody(t, "switch link", sendWith(t, a, c, "GET", "/accounts?q=metro", nil, en), http.StatusOK,
				`href="/lang/zh?next=%2Faccounts%3Fq%3Dmetro"`)
			res := c.Get("/lang/zh?next=/accounts")
			if res.Status != http.StatusSeeOther || res.Location != "/accounts" {
				t.Fatalf("switch to Chinese: %s", res)
			}
			ck := cookieFrom(res, "plaza_lang")
			if ck == nil || ck.Value != "zh" || ck.Path != "/" || ck.MaxAge < 30*24*3600 || ck.SameSite != http.SameSiteLaxMode {
				t.Fatalf("language cookie %v", ck)
			}
			// The choice beats the browser's header from now on.
			expectBody(t, "after switching", sendWith(t, a, c, "GET", "/accounts", nil, en), http.StatusOK, `<html lang="zh-Hans">`, "官方账号目录")
			expectBody(t, "after switching, login", sendWith(t, a, c, "GET", "/login", nil, en), http.StatusOK, "登录 Plaza")
			res = c.Get("/lang/en?next=" + url.QueryEscape("/@metro"))
			if res.Status != http.StatusSeeOther || res.Location != "/@metro" {
				t.Fatalf("switch back: %s", res)
			}
			expectBody(t, "after switching back", sendWith(t, a, c, "GET", "/@metro", nil, zh), http.StatusOK, `<html lang="en">`, "<h1>Metro</h1>")
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
			expectBody(t, "bad cookie", sendWith(t, a, c, "GET", "/", nil, zh), http.StatusOK, `<html lang="zh-Hans">`)
		})
	})
}

func TestHealthAndMetrics(t *testing.T) {
	t.Parallel()
	const token = "metrics-token-for-the-test"
	apptest.Each(t, func(t *testing.T, dbURL string) {
		a := apptest.StartWith(t, dbURL, func(c *config.Config) { c.MetricsToken = token })
		c := a.Client(t)
		expectBody(t, "healthz", c.Get("/healthz"), http.StatusOK, "ok")
		expectBody(t, "readyz", c.Get("/readyz"), http.StatusOK, "ready")
		c.Get("/")
		c.Get("/invite/secret-token-value")

		// Per-route traffic and errors are the operator's: no token, no
		// metrics.
		for _, hdr := range []map[string]string{nil, {"Authorization": "Bearer wrong-token"}, {"Authorization": token}} {
			if res := sendWith(t, a, c, "GET", "/metrics", nil, hdr); res.Status != http.StatusUnauthorized || strings.Contains(res.Body, "plaza_http") {
				t.Fatalf("/metrics with %v: %s\nwant 401 and no metrics", hdr, res)
			}
		}

		// A client may send any method string; each would be a series
		// kept until restart. They all become OTHER.
		for i := range 50 {
			sendWith(t, a, c, fmt.Sprintf("X%dRANDOM", i), "/", nil, nil)
		}
		res := sendWith(t, a, c, "GET", "/metrics", nil, map[string]string{"Authorization": "Bearer " + token})
		expectBody(t, "metrics", res, http.StatusOK, "# TYPE plaza_http_requests_total counter",
			`plaza_http_requests_total{method="GET",route="/",status="200"} 1`,
			`plaza_http_requests_total{method="GET",route="/invite/:token",status="410"} 1`,
			"plaza_http_request_duration_seconds_bucket", "go_goroutines")
		if strings.Contains(res.Body, "secret-token-value") {
			t.Fatal("an invite token leaked into the metrics")
		}
		if !regexp.MustCompile(`plaza_http_requests_total\{method="OTHER",route="/",status="\d+"\} 50\n`).MatchString(res.Body) {
			t.Errorf("the 50 requests with made-up methods are not counted as OTHER:\n%s", res.Body)
		}
		if strings.Contains(res.Body, "RANDOM") {
			t.Fatal("a client's method string became a label value")
		}

		// Without a token /metrics is not on the public listener at all;
		// the operator's own listener serves it (see TestServe).
		b := apptest.Start(t, dbURL)
		bc := b.Client(t)
		if res := bc.Get("/metrics"); res.Status != http.StatusNotFound {
			t.Fatalf("/metrics without a configured token: %s\nwant 404", res)
		}

		// A second instance whose database goes away is not ready, and
		// says so; the first is unaffected.
		if err := b.DB.Close(); err != nil {
			t.Fatal(err)
		}
		expectBody(t, "readyz without a database", bc.Get("/readyz"), http.StatusServiceUnavailable, "database unavailable")
		expectBody(t, "healthz without a database", bc.Get("/healthz"), http.StatusOK, "ok")
		expectBody(t, "readyz of the other instance", c.Get("/readyz"), http.StatusOK, "ready")
	})
}

func TestStaticServesFilesNotFolders(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		c := a.Client(t)
		for path, want := range map[string]int{
			"/static/css/plaza.css":  http.StatusOK,
			"/static/js/htmx.min.js": http.StatusOK,
			"/static/":               http.StatusNotFound,
			"/static/css/":           http.StatusNotFound,
			"/static/css":            http.StatusNotFound,
			"/static/js/../css/":     http.StatusNotFound,
		} {
			res := c.Get(path)
			if res.Status != want {
				t.Errorf("GET %s: %s\nwant %d", path, res, want)
			}
			if want == http.StatusNotFound && (strings.Contains(res.Body, ">plaza.css</a>") || strings.Contains(res.Body, `href="css/"`)) {
				t.Errorf("GET %s lists the folder:\n%s", path, res.Body)
			}
		}
	})
}

func TestNotFoundAndTooLarge(t *testing.T) {
	t.Parallel()
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		c := a.Client(t)

		for _, path := range []string{"/no/such/page", "/studio/nope/x", "/static/no-such-file.css.map.x", "/accounts/extra"} {
			res := c.Get(path)
			if res.Status != http.StatusNotFound {
				t.Fatalf("%s: %s", path, res)
			}
			if path == "/static/no-such-file.css.map.x" {
				continue // served by the file server
			}
			if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("%s: Content-Type %q, want an HTML page", path, res.Header.Get("Content-Type"))
			}
			expectBody(t, path, res, http.StatusNotFound, "<!doctype html>", "Page not found", "We could not find that page.", `<a href="/">Go to the home page</a>`)
		}
		// A way back is offered only to a page of this site.
		res := sendWith(t, a, c, "GET", "/nope", nil, map[string]string{"Referer": a.URL + "/accounts?q=x"})
		expectBody(t, "404 with a same-site referer", res, http.StatusNotFound, `<a href="/accounts?q=x">Back to the previous page</a>`)
		res = sendWith(t, a, c, "GET", "/nope", nil, map[string]string{"Referer": "https://evil.example/phish"})
		if strings.Contains(res.Body, "evil.example") || strings.Contains(res.Body, "Back to the previous page") {
			t.Fatal("the error page links back to another site")
		}
		// API-style clients get JSON.
		res = sendWith(t, a, c, "GET", "/no/such/page", nil, map[string]string{"Accept": "application/json"})
		if res.Status != http.StatusNotFound || !strings.Contains(res.Body, `"error"`) {
			t.Fatalf("JSON 404: %s", res)
		}

		// Over 1 MB to an ordinary form: 413, a page that says so, and
		// nothing changed.
		owner := a.Client(t)
		owner.Login(f.ByRole[models.RoleOwner].Email, apptest.Password)
		settings := fmt.Sprintf("/studio/orgs/%d/settings", f.Org.ID)
		big := func() string {
			return url.Values{"_csrf": {owner.CSRF()}, "name": {"Renamed By A Huge Post"}, "kind": {"ngo"},
				"padding": {strings.Repeat("x", 1<<20+10)}}.Encode()
		}
		unchanged := func(t *testing.T) {
			t.Helper()
			org, err := a.Store.OrganizationByID(t.Context(), f.Org.ID)
			if err != nil {
				t.Fatal(err)
			}
			if org.Name != "Metro Transit" || org.Kind != models.KindAgency {
				t.Fatalf("an oversized post changed the organization: %+v", org)
			}
		}
		for _, tt := range []struct {
			name string
			body func() io.Reader
			hdr  map[string]string
		}{
			{"with a length", func() io.Reader { return strings.NewReader(big()) }, nil},
			{"streamed", func() io.Reader { return io.MultiReader(strings.NewReader(big())) }, nil},
			{"streamed with the header token", func() io.Reader { return io.MultiReader(strings.NewReader(big())) },
				map[string]string{"X-CSRF-Token": owner.CSRF()}},
			{"with a length, in Chinese", func() io.Reader { return strings.NewReader(big()) }, zh},
		} {
			t.Run(tt.name, func(t *testing.T) {
				res := sendWith(t, a, owner, "POST", settings, tt.body(), tt.hdr)
				want := "What you sent is too large, so nothing was changed."
				if tt.hdr["Accept-Language"] != "" {
					want = "提交的内容过大，未做任何更改。"
				}
				expectBody(t, tt.name, res, http.StatusRequestEntityTooLarge, want)
				unchanged(t)
			})
		}
		// The login form too: no attempt is counted, nobody signed in.
		sessions := rowCount(t, a, "sessions", "")
		form := url.Values{"_csrf": {c.CSRF()}, "email": {f.Admin.Email}, "password": {apptest.Password}, "pad": {strings.Repeat("y", 2<<20)}}
		expectBody(t, "huge login", sendWith(t, a, c, "POST", "/login", strings.NewReader(form.Encode()), nil),
			http.StatusRequestEntityTooLarge, "What you sent is too large")
		if n := rowCount(t, a, "sessions", ""); n != sessions {
			t.Fatal("an oversized login signed someone in")
		}
		if n := rowCount(t, a, "rate_limits", ""); n != 0 {
			t.Fatalf("an oversized login was counted (%d rate-limit rows)", n)
		}
	})
}

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
		_, token, err := a.Store.CreateInvite(t.Context(), f.Admin, f.Org.ID, "odd@metro.test", models.RoleViewer)
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

// HEAD answers like GET, without a body, as monitors expect.
func TestHeadAnswersLikeGet(t *testing.T) {
	a := apptest.Start(t, apptest.SQLiteURL(t))
	apptest.Seed(t, a)
	for _, tt := range []struct {
		path   string
		status int
	}{{"/", 200}, {"/accounts", 200}, {"/@metro", 200}, {"/@nobody", 404}, {"/healthz", 200}} {
		req, _ := http.NewRequest(http.MethodHead, a.URL+tt.path, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tt.status || len(body) != 0 {
			t.Errorf("HEAD %s: %d with %d bytes, want %d and none", tt.path, res.StatusCode, len(body), tt.status)
		}
		if tt.status == 200 && !strings.HasPrefix(res.Header.Get("Content-Type"), "text/") && tt.path != "/healthz" {
			t.Errorf("HEAD %s: Content-Type %q", tt.path, res.Header.Get("Content-Type"))
		}
	}
	// A form's POST-only route is still not a page.
	req, _ := http.NewRequest(http.MethodHead, a.URL+"/logout", nil)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("HEAD /logout: %v %v", res, err)
	}
}
