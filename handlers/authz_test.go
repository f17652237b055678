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

// visitor is who makes a request in the authorization matrix.
type visitor string

const (
	anon      visitor = "anonymous"
	owner     visitor = "owner"
	editor    visitor = "editor"
	moderator visitor = "moderator"
	viewer    visitor = "viewer"
	outsider  visitor = "other-org owner"
	admin     visitor = "platform admin"
)

var visitors = []visitor{anon, owner, editor, moderator, viewer, outsider, admin}

// route is one studio or admin URL with the form that exercises it. The
// forms are chosen so that an allowed request either succeeds idempotently
// or fails validation (422), so every visitor can run against the same data.
type route struct {
	method, path string
	form         url.Values
	allowed      []visitor
	// okStatus is what an allowed visitor gets.
	okStatus int
}

// studioRoutes is every studio route; each area adds its rows in its own
// file (codeRoutes, followerRoutes, importRoutes).
func studioRoutes(t testing.TB, a *apptest.App, f *apptest.Fixtures) []route {
	rs := coreStudioRoutes(f)
	rs = append(rs, codeRoutes(t, a, f)...)
	rs = append(rs, gtfsRoutes(t, a, f)...)
	rs = append(rs, districtRoutes(t, a, f)...)
	rs = append(rs, followerRoutes(t, a, f)...)
	rs = append(rs, importRoutes(t, a, f)...)
	rs = append(rs, deliveryRoutes(t, a, f)...)
	rs = append(rs, noticeRoutes(t, a, f)...)
	rs = append(rs, apiTokenRoutes(t, a, f)...)
	rs = append(rs, projectRoutes(t, a, f)...)
	rs = append(rs, chatRoutes(t, a, f)...)
	return rs
}

func coreStudioRoutes(f *apptest.Fixtures) []route {
	org := fmt.Sprintf("/studio/orgs/%d", f.Org.ID)
	all := []visitor{owner, editor, moderator, viewer}
	writers := []visitor{owner, editor}
	owners := []visitor{owner}
	viewerID := f.ByRole[models.RoleViewer].ID
	return []route{
		{"GET", org, nil, all, 200},
		{"GET", org + "/accounts", nil, all, 200},
		{"GET", org + "/accounts/new", nil, writers, 200},
		{"POST", org + "/accounts", url.Values{"handle": {""}}, writers, 422},
		{"GET", org + "/accounts/metro", nil, writers, 200},
		{"POST", org + "/accounts/metro", url.Values{"name": {"Metro"}, "category": {"transit"}, "languages": {"en"}}, writers, 303},
		{"POST", org + "/accounts/metro/avatar", url.Values{}, writers, 422},
		{"POST", org + "/accounts/metro/channels", url.Values{"email": {"on"}}, writers, 303},
		{"GET", org + "/staff", nil, all, 200},
		{"POST", org + "/staff/invites", url.Values{"email": {"not-an-address"}, "role": {"editor"}}, owners, 422},
		{"POST", org + "/staff/invites/999999/revoke", nil, owners, 404},
		{"POST", fmt.Sprintf("%s/staff/%d/role", org, viewerID), url.Values{"role": {"viewer"}}, owners, 303},
		{"GET", fmt.Sprintf("%s/staff/%d/remove", org, viewerID), nil, owners, 200},
		{"POST", org + "/staff/999999/remove", nil, owners, 404},
		{"GET", org + "/settings", nil, owners, 200},
		{"POST", org + "/settings", url.Values{"name": {"Metro Transit"}, "kind": {"agency"}}, owners, 303},
		{"GET", org + "/audit", nil, all, 200},
	}
}

func adminRoutes(f *apptest.Fixtures) []route {
	org := fmt.Sprintf("/admin/orgs/%d", f.Org.ID)
	admins := []visitor{admin}
	return []route{
		{"GET", "/admin", nil, admins, 200},
		{"GET", "/admin/orgs/new", nil, admins, 200},
		{"POST", "/admin/orgs", url.Values{"name": {""}}, admins, 422},
		{"GET", org, nil, admins, 200},
		{"POST", org + "/verify", url.Values{"verified": {"1"}}, admins, 303},
		{"POST", org + "/invites", url.Values{"email": {"bad"}}, admins, 422},
	}
}

func contains(vs []visitor, v visitor) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

// TestAuthorizationMatrix proves, for every studio and admin route, what
// each role of the organization, the owner of another organization, a
// platform admin who is not a member, and an anonymous visitor get.
func TestAuthorizationMatrix(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		clients := map[visitor]*apptest.Client{}
		for _, v := range visitors {
			c := a.Client(t)
			switch v {
			case anon:
			case outsider:
				c.Login(f.Outside.Email, apptest.Password)
			case admin:
				c.Login(f.Admin.Email, apptest.Password)
			default:
				c.Login(f.ByRole[models.Role(v)].Email, apptest.Password)
			}
			clients[v] = c
		}
		check := func(t *testing.T, r route, v visitor, studio bool) {
			c := clients[v]
			var res *apptest.Response
			if r.method == "GET" {
				res = c.Get(r.path)
			} else {
				res = c.Post(r.path, r.form)
			}
			want := r.okStatus
			switch {
			case v == anon:
				want = http.StatusSeeOther
			case contains(r.allowed, v):
			case studio && (v == outsider || v == admin):
				// Not a member: the organization is invisible.
				want = http.StatusNotFound
			default:
				want = http.StatusForbidden
			}
			if res.Status != want {
				t.Fatalf("%s %s as %s: %s; want %d", r.method, r.path, v, res, want)
			}
			if v == anon && !strings.HasPrefix(res.Location, "/login") {
				t.Fatalf("%s %s as anonymous redirected to %q, want /login", r.method, r.path, res.Location)
			}
		}
		for _, r := range studioRoutes(t, a, f) {
			for _, v := range visitors {
				t.Run(r.method+" "+r.path+" as "+string(v), func(t *testing.T) { check(t, r, v, true) })
			}
		}
		for _, r := range adminRoutes(f) {
			for _, v := range visitors {
				t.Run(r.method+" "+r.path+" as "+string(v), func(t *testing.T) { check(t, r, v, false) })
			}
		}
		// Personal data and secrets: each role sees them exactly when the
		// role table grants it.
		for _, e := range exposureRows(t, a, f) {
			for _, r := range models.AllRoles() {
				t.Run("GET "+e.path+" shows "+string(e.perm)+" to "+string(r), func(t *testing.T) { checkExposure(t, clients[visitor(r)], e, r) })
			}
		}
	})
}

// TestStudioRoutesAllInMatrix fails when a studio or admin route is added
// without a row in the matrix above.
func TestStudioRoutesAllInMatrix(t *testing.T) {
	a := apptest.Start(t, apptest.SQLiteURL(t))
	f := apptest.Seed(t, a)
	covered := map[string]bool{}
	for _, r := range append(studioRoutes(t, a, f), adminRoutes(f)...) {
		covered[r.method+" "+pattern(r.path)] = true
	}
	for _, r := range a.Echo.Routes() {
		if r.Method == "echo_route_not_found" || !strings.HasPrefix(r.Path, "/studio/orgs/") && !strings.HasPrefix(r.Path, "/admin") {
			continue
		}
		if !covered[r.Method+" "+pattern(r.Path)] {
			t.Errorf("route %s %s has no row in the authorization matrix", r.Method, r.Path)
		}
	}
}

// pattern reduces a concrete path or a route pattern to a shape where ids,
// handles and :params compare equal.
func pattern(p string) string {
	p, _, _ = strings.Cut(p, "?")
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if i >= 3 && s != "" && (strings.HasPrefix(s, ":") || s[0] >= '0' && s[0] <= '9' || s == "metro") {
			parts[i] = "*"
		}
	}
	return strings.Join(parts, "/")
}
