package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
)

// TestPublicPageHeaders: anonymous public pages are the same bytes for
// every reader of a language, carry no cookie, and can be cached and
// revalidated (ETag, Last-Modified, Cache-Control, Vary; If-None-Match
// gives 304); signed-in readers' pages stay private, as before.
func TestPublicPageHeaders(t *testing.T) {
	t.Parallel()
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		boss := f.Member(models.RoleOwner)
		in := notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", "Fares", "body", "Unchanged.")}
		n, err := a.Notices.CreateNotice(ctx, boss, f.Account, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.Notices.PublishNotice(ctx, boss, f.Account, n.ID, in); err != nil {
			t.Fatal(err)
		}
		staff := a.Client(t)
		staff.Login(f.ByRole[models.RoleEditor].Email, apptest.Password)
		for _, path := range []string{"/", "/accounts", "/alerts", "/projects", "/@metro", "/@metro/notices",
			fmt.Sprintf("/@metro/notices/%d", n.ID), "/@metro/alerts", "/@metro/projects"} {
			t.Run(path, func(t *testing.T) {
				first := sendWith(t, a, a.Client(t), "GET", path, nil, en)
				if first.Status != http.StatusOK {
					t.Fatalf("GET %s: %s", path, first)
				}
				h := first.Header
				if cc := h.Get("Cache-Control"); cc != "public, max-age=0, s-maxage=15, must-revalidate" {
					t.Errorf("Cache-Control %q", cc)
				}
				if v := h.Get("Vary"); v != "Accept-Language, Cookie" {
					t.Errorf("Vary %q", v)
				}
				etag := h.Get("ETag")
				if !strings.HasPrefix(etag, `"`) || len(etag) < 10 {
					t.Errorf("ETag %q: want a strong validator", etag)
				}
				if _, err := http.ParseTime(h.Get("Last-Modified")); err != nil {
					t.Errorf("Last-Modified %q: %v", h.Get("Last-Modified"), err)
				}
				if sc := h.Values("Set-Cookie"); len(sc) != 0 {
					t.Errorf("Set-Cookie %q on an anonymous page", sc)
				}
				// Another reader, the same bytes and validator.
				second := sendWith(t, a, a.Client(t), "GET", path, nil, en)
				if second.Body != first.Body || second.Header.Get("ETag") != etag {
					t.Errorf("two anonymous readers got different pages (ETag %q, %q)", etag, second.Header.Get("ETag"))
				}
				// Another language, another page.
				other := sendWith(t, a, a.Client(t), "GET", path, nil, zh)
				if other.Status != http.StatusOK || other.Header.Get("ETag") == etag || !strings.Contains(other.Body, `lang="zh-Hans"`) {
					t.Errorf("the Chinese page: %d, ETag %q", other.Status, other.Header.Get("ETag"))
				}
				// Revalidation.
				for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
					res := sendWith(t, a, a.Client(t), "GET", path, nil, map[string]string{"Accept-Language": "en", "If-None-Match": inm})
					if res.Status != http.StatusNotModified || res.Body != "" || res.Header.Get("ETag") != etag {
						t.Errorf("If-None-Match %s: %d, %d bytes, ETag %q; want 304", inm, res.Status, len(res.Body), res.Header.Get("ETag"))
					}
				}
				res := sendWith(t, a, a.Client(t), "GET", path, nil, map[string]string{"Accept-Language": "en", "If-None-Match": `"stale"`})
				if res.Status != http.StatusOK || res.Body != first.Body {
					t.Errorf("If-None-Match of another version: %d", res.Status)
				}
				// HEAD answers with the same headers.
				head := sendWith(t, a, a.Client(t), "HEAD", path, nil, en)
				if head.Status != http.StatusOK || head.Header.Get("ETag") != etag {
					t.Errorf("HEAD: %d, ETag %q", head.Status, head.Header.Get("ETag"))
				}
				// A signed-in reader's page is built for them and kept by
				// no shared cache.
				mine := sendWith(t, a, staff, "GET", path, nil, en)
				if mine.Status != http.StatusOK || strings.Contains(mine.Header.Get("Cache-Control"), "public") || mine.Header.Get("ETag") != "" {
					t.Errorf("signed in: %d, Cache-Control %q, ETag %q", mine.Status, mine.Header.Get("Cache-Control"), mine.Header.Get("ETag"))
				}
				if !strings.Contains(mine.Body, "X-CSRF-Token") {
					t.Error("a signed-in page lost its form token")
				}
			})
		}
		t.Run("a one-time notice is not kept", func(t *testing.T) {
			u, _ := url.Parse(a.URL)
			c := a.Client(t)
			c.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: "plaza_flash", Value: "flash.saved", Path: "/"}})
			res := sendWith(t, a, c, "GET", "/@metro", nil, en)
			if res.Status != http.StatusOK || res.Header.Get("ETag") != "" || strings.Contains(res.Header.Get("Cache-Control"), "public") {
				t.Fatalf("page with a flash: %d, ETag %q, Cache-Control %q", res.Status, res.Header.Get("ETag"), res.Header.Get("Cache-Control"))
			}
			if again := sendWith(t, a, a.Client(t), "GET", "/@metro", nil, en); strings.Contains(again.Body, `role="status"`) && !strings.Contains(res.Body, `role="status"`) {
				t.Fatal("the flash reached another reader")
			}
		})
		t.Run("an unknown account is not kept", func(t *testing.T) {
			res := sendWith(t, a, a.Client(t), "GET", "/@nobody", nil, en)
			if res.Status != http.StatusNotFound || res.Header.Get("ETag") != "" {
				t.Fatalf("unknown account: %d, ETag %q", res.Status, res.Header.Get("ETag"))
			}
		})
	})
}

// TestPublicPageCacheAcrossInstances: two instances on one database, as
// behind a load balancer. One keeps the public pages; a notice update and
// an account edit committed through the other (or by a service, as a job
// would) are on its pages at the next read of the version. The reader
// instance reads the version on every request here (apptest's setting);
// in production it reads it every pagecache.DefaultPoll, the stated bound.
func TestPublicPageCacheAcrossInstances(t *testing.T) {
	t.Parallel()
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		writer := apptest.Start(t, dbURL)
		reader := apptest.Start(t, dbURL)
		f := apptest.Seed(t, writer)
		ctx := context.Background()
		boss := f.Member(models.RoleOwner)
		in := notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", "Fares stay", "body", "Unchanged this year.")}
		n, err := writer.Notices.CreateNotice(ctx, boss, f.Account, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := writer.Notices.PublishNotice(ctx, boss, f.Account, n.ID, in); err != nil {
			t.Fatal(err)
		}
		page := fmt.Sprintf("/@metro/notices/%d", n.ID)
		get := func(path string) *apptest.Response {
			t.Helper()
			res := sendWith(t, reader, reader.Client(t), "GET", path, nil, en)
			if res.Status != http.StatusOK {
				t.Fatalf("GET %s: %s", path, res)
			}
			return res
		}
		before := get(page)
		expectBody(t, "notice", before, http.StatusOK, "Fares stay")
		if again := get(page); again.Header.Get("ETag") != before.Header.Get("ETag") {
			t.Fatal("the page changed with nothing changed")
		}
		expectBody(t, "account page", get("/@metro"), http.StatusOK, "Fares stay")

		// A notice update on the other instance.
		in.Translations = models.Texts("en", "title", "Fares rise", "body", "From March.")
		if _, _, err := writer.Notices.UpdateNotice(ctx, boss, f.Account, n.ID, in); err != nil {
			t.Fatal(err)
		}
		after := get(page)
		// (The old headline stays in the page's history of updates.)
		if !strings.Contains(after.Body, "<h1>Fares rise</h1>") || strings.Contains(after.Body, "<h1>Fares stay</h1>") {
			t.Fatal("the other instance served the notice from before its update")
		}
		if after.Header.Get("ETag") == before.Header.Get("ETag") {
			t.Fatal("the updated page kept its ETag")
		}
		// The reader's old validator is no longer matched.
		res := sendWith(t, reader, reader.Client(t), "GET", page, nil, map[string]string{"Accept-Language": "en", "If-None-Match": before.Header.Get("ETag")})
		if res.Status != http.StatusOK || !strings.Contains(res.Body, "Fares rise") {
			t.Fatalf("revalidating the old page: %d", res.Status)
		}
		expectBody(t, "account page after the update", get("/@metro"), http.StatusOK, "Fares rise")

		// An account edit through the other instance's studio form.
		owner := writer.Client(t)
		owner.Login(f.ByRole[models.RoleOwner].Email, apptest.Password)
		edit := owner.Post(fmt.Sprintf("/studio/orgs/%d/accounts/metro", f.Org.ID), url.Values{
			"name": {"Metro Transit Renamed"}, "category": {"transit"}, "languages": {"en"}, "default_lang": {"en"}, "topics": {""}})
		if edit.Status != http.StatusSeeOther {
			t.Fatalf("account edit: %s", edit)
		}
		expectBody(t, "account page after the edit", get("/@metro"), http.StatusOK, "Metro Transit Renamed")
		expectBody(t, "notice page after the edit", get(page), http.StatusOK, "Metro Transit Renamed")
		expectBody(t, "directory after the edit", get("/accounts"), http.StatusOK, "Metro Transit Renamed")
	})
}

// TestPublicPageCacheKeepsPages: with the production setting (the version
// read at most every DefaultPoll; an hour here, so that nothing depends on
// the clock) a change made outside this instance's requests is not seen
// before the next read, which shows the page is kept; a change made
// through this instance's own forms is seen at once.
func TestPublicPageCacheKeepsPages(t *testing.T) {
	t.Parallel()
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.StartOptions(t, dbURL, nil, apptest.PagePoll(time.Hour))
		f := apptest.Seed(t, a)
		ctx := context.Background()
		get := func() string {
			t.Helper()
			res := sendWith(t, a, a.Client(t), "GET", "/@metro", nil, en)
			if res.Status != http.StatusOK {
				t.Fatalf("GET /@metro: %s", res)
			}
			return res.Body
		}
		first := get()
		if err := a.Accounts.UpdateAccount(ctx, f.Member(models.RoleOwner), f.Account, models.AccountInput{
			Name: "Metro Quietly Renamed", Category: "transit", Languages: []string{"en"}, DefaultLang: "en"}); err != nil {
			t.Fatal(err)
		}
		if got := get(); got != first {
			t.Fatal("the page was built again within the poll interval: it is not kept")
		}
		// A form through this instance: the version is read again.
		owner := a.Client(t)
		owner.Login(f.ByRole[models.RoleOwner].Email, apptest.Password)
		edit := owner.Post(fmt.Sprintf("/studio/orgs/%d/accounts/metro", f.Org.ID), url.Values{
			"name": {"Metro Openly Renamed"}, "category": {"transit"}, "languages": {"en"}, "default_lang": {"en"}, "topics": {""}})
		if edit.Status != http.StatusSeeOther {
			t.Fatalf("account edit: %s", edit)
		}
		if got := get(); !strings.Contains(got, "Metro Openly Renamed") {
			t.Fatal("a change made through this instance was not seen at once")
		}
	})
}
