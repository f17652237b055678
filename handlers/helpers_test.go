package handlers_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/project"
)

// Helpers shared by the package's tests: requests, cookies, row counts, page checks, languages and projects.

// Helpers shared by auth_test.go and public_test.go. apptest's client
// cannot set request headers or stream a body, so sendWith does that with
// the client's own cookie jar.

// sendWith makes one request to a from c's browser (its cookies, no
// redirect following) with the given headers.
func sendWith(t testing.TB, a *apptest.App, c *apptest.Client, method, path string, body io.Reader, hdr map[string]string) *apptest.Response {
	t.Helper()
	req, err := http.NewRequest(method, a.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read %s %s: %v", method, path, err)
	}
	return &apptest.Response{Status: res.StatusCode, Header: res.Header, Body: string(b), Location: res.Header.Get("Location")}
}

// rowCount counts the rows of table matching where.
func rowCount(t testing.TB, a *apptest.App, table, where string, args ...any) int64 {
	t.Helper()
	var n int64
	q := a.DB.Gorm.Table(table)
	if where != "" {
		q = q.Where(where, args...)
	}
	if err := q.Count(&n).Error; err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// cookieFrom returns the cookie named name that the response sets.
func cookieFrom(r *apptest.Response, name string) *http.Cookie {
	for _, ck := range (&http.Response{Header: r.Header}).Cookies() {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

// jarCookie returns the value of the cookie named name in c's jar for a.
func jarCookie(t testing.TB, a *apptest.App, c *apptest.Client, name string) string {
	t.Helper()
	u, _ := url.Parse(a.URL)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// expectBody fails unless r has status and contains every string.
func expectBody(t testing.TB, what string, r *apptest.Response, status int, texts ...string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: %s\nwant status %d", what, r, status)
	}
	for _, s := range texts {
		if !strings.Contains(r.Body, s) {
			t.Fatalf("%s: body lacks %q\n%s", what, s, r)
		}
	}
}

const (
	msgLoginFailed = "That e-mail address and password do not match"
	msgTooMany     = "Too many failed sign-ins"
	msgCSRF        = "This form has expired or did not come from Plaza, so nothing was changed."
	msgInviteGone  = "This invitation cannot be used"
)

var zh = map[string]string{"Accept-Language": "zh-CN,zh;q=0.9"}

var en = map[string]string{"Accept-Language": "en-GB,en;q=0.9"}

// listed reports the handles whose cards are on a page.
func listed(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<h3><a href="/@([a-z0-9_]+)">`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// openProject creates a public project of the fixture account whose
// consultation is open for a week, with the given districts.
func openProject(t testing.TB, a *apptest.App, f *apptest.Fixtures, districts string) *models.Project {
	t.Helper()
	ctx := context.Background()
	boss := f.Member(models.RoleOwner)
	closes := a.Store.Now().Add(7 * 24 * time.Hour)
	p, err := a.Projects.CreateProject(ctx, boss, f.Account, project.Input{
		Translations: models.Translations{"en": {"title": "Harbour Bridge", "summary": "A new bridge across the harbour."}, "zh-Hans": {"title": "海港大桥"}},
		Districts:    districts, Public: true, ClosesAt: &closes,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p, err = a.Projects.SetProjectStatus(ctx, boss, f.Account, p.ID, models.StatusChange{Status: models.ProjectConsultation}, nil); err != nil {
		t.Fatal(err)
	}
	return p
}

func feedbackRows(t testing.TB, a *apptest.App, projectID int64) []models.Feedback {
	t.Helper()
	var out []models.Feedback
	if err := a.Store.DB().Where("project_id = ?", projectID).Order("id").Find(&out).Error; err != nil {
		t.Fatal(err)
	}
	return out
}

func generous(c *config.Config) { c.FeedbackLimit = 1000 }
