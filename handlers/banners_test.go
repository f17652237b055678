package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
)

// publishWarning publishes a safety notice of severity on the fixtures'
// account, in force from starts (nil: now) until ends (nil: further notice).
func publishWarning(t *testing.T, a *apptest.App, f *apptest.Fixtures, title, severity string, starts, ends *time.Time) *models.Notice {
	t.Helper()
	ctx := context.Background()
	boss := f.Member(models.RoleOwner)
	in := notice.Input{Kind: models.NoticeSafety, Translations: models.Texts("en", "title", title, "body", "Stay indoors."),
		CapCategory: "Met", CapEvent: "Typhoon", Urgency: "Immediate", Severity: severity, Certainty: "Observed",
		EffectiveAt: starts, ExpiresAt: ends}
	d, err := a.Notices.CreateNotice(ctx, boss, f.Account, in)
	if err != nil {
		t.Fatal(err)
	}
	n, _, err := a.Notices.PublishNotice(ctx, boss, f.Account, d.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// bannerOf is the warnings' band of a page ("" when it has none).
func bannerOf(body string) string {
	i := strings.Index(body, `<section class="warning-banners"`)
	if i < 0 {
		return ""
	}
	j := strings.Index(body[i:], "</section>")
	if j < 0 {
		return body[i:]
	}
	return body[i : i+j]
}

// TestWarningBannerOnPublicPages: a Severe or Extreme warning in force is
// a banner on every public page (kept or not, anonymous or signed in),
// and not in the studio; a Moderate one is not.
func TestWarningBannerOnPublicPages(t *testing.T) {
	t.Parallel()
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		publishWarning(t, a, f, "Heat", "Moderate", nil, nil)
		n := publishWarning(t, a, f, "Typhoon signal 8", "Severe", nil, nil)
		staff := a.Client(t)
		staff.Login(f.ByRole[models.RoleEditor].Email, apptest.Password)
		banner := fmt.Sprintf(`<a href="/@metro/notices/%d"`, n.ID)
		for _, path := range []string{"/", "/accounts", "/alerts", "/projects", "/@metro", "/@metro/notices",
			fmt.Sprintf("/@metro/notices/%d", n.ID), "/@metro/alerts", "/@metro/projects", "/@metro/follow", "/login", "/@nobody"} {
			for _, who := range []struct {
				name string
				c    *apptest.Client
			}{{"anonymous", a.Client(t)}, {"anonymous again", a.Client(t)}, {"signed in", staff}} {
				res := sendWith(t, a, who.c, "GET", path, nil, en)
				if res.Status == http.StatusSeeOther {
					continue // the sign-in page of someone signed in
				}
				b := bannerOf(res.Body)
				if !strings.Contains(b, `class="warning-banner severity-severe"`) || !strings.Contains(b, banner) ||
					!strings.Contains(b, "Until further notice") {
					t.Errorf("%s %s (%d): no Severe banner", who.name, path, res.Status)
				}
				if strings.Contains(b, "Heat") {
					t.Errorf("%s %s: a Moderate warning has a banner", who.name, path)
				}
			}
		}
		if res := staff.Get("/studio"); strings.Contains(res.Body, "warning-banner") {
			t.Error("the studio shows the banner")
		}

		// The all-clear takes it off the kept pages at once, and a new
		// warning is on them at once.
		if _, _, err := a.Notices.EndNotice(context.Background(), f.Member(models.RoleOwner), f.Account, n.ID, models.EndAllClear); err != nil {
			t.Fatal(err)
		}
		if b := bannerOf(sendWith(t, a, a.Client(t), "GET", "/", nil, en).Body); b != "" {
			t.Errorf("the banner stayed after the all-clear: %s", b)
		}
		publishWarning(t, a, f, "Landslide", "Extreme", nil, nil)
		if b := bannerOf(sendWith(t, a, a.Client(t), "GET", "/", nil, en).Body); !strings.Contains(b, "Landslide") || !strings.Contains(b, "Extreme warning") {
			t.Errorf("a new warning has no banner: %q", b)
		}
	})
}

// TestWarningBannerEndsOnKeptPages: a kept page carries the banner of the
// warnings in force when it was built, and is kept no longer than the
// next change of that list by the clock alone: a warning ending, another
// starting, with no row changed (the expiry job has not run; the cache's
// TTL is an hour here). Its ETag and Last-Modified change with it, so a
// reader's If-None-Match gets the new page, not a 304.
func TestWarningBannerEndsOnKeptPages(t *testing.T) {
	t.Parallel()
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.StartOptions(t, dbURL, nil, func(o *app.Options) { o.Pages.TTL = time.Hour })
		f := apptest.Seed(t, a)
		at := a.Store.Now().Truncate(time.Second).Add(3 * time.Second)
		publishWarning(t, a, f, "Typhoon signal 8", "Severe", nil, &at)
		publishWarning(t, a, f, "Storm surge", "Extreme", &at, nil)
		paths := []string{"/", "/alerts", "/@metro", "/projects"}
		etags := map[string]string{}
		modified := map[string]string{}
		for _, path := range paths {
			first := sendWith(t, a, a.Client(t), "GET", path, nil, en)
			kept := sendWith(t, a, a.Client(t), "GET", path, nil, map[string]string{"Accept-Language": "en", "If-None-Match": first.Header.Get("ETag")})
			if first.Status != http.StatusOK || kept.Status != http.StatusNotModified {
				t.Fatalf("%s: %d then %d; want 200 then 304 from the cache", path, first.Status, kept.Status)
			}
			if b := bannerOf(first.Body); !strings.Contains(b, "Typhoon signal 8") || strings.Contains(b, "Storm surge") {
				t.Fatalf("%s before %v: want the Severe banner only", path, at)
			}
			etags[path], modified[path] = first.Header.Get("ETag"), first.Header.Get("Last-Modified")
		}
		for !a.Store.Now().After(at.Add(100 * time.Millisecond)) {
			time.Sleep(50 * time.Millisecond)
		}
		for _, path := range paths {
			res := sendWith(t, a, a.Client(t), "GET", path, nil, map[string]string{"Accept-Language": "en", "If-None-Match": etags[path]})
			if res.Status != http.StatusOK {
				t.Fatalf("%s after %v with the old ETag: %d, want the new page", path, at, res.Status)
			}
			if b := bannerOf(res.Body); strings.Contains(b, "Typhoon signal 8") || !strings.Contains(b, `class="warning-banner severity-extreme"`) {
				t.Errorf("%s after %v: the ended warning stayed or the new one is missing", path, at)
			}
			if res.Header.Get("ETag") == etags[path] || res.Header.Get("Last-Modified") == modified[path] {
				t.Errorf("%s: ETag %q and Last-Modified %q did not change with the banner", path, res.Header.Get("ETag"), res.Header.Get("Last-Modified"))
			}
		}
	})
}
