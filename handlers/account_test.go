package handlers_test

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/models"
)

func TestChangePassword(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		email := f.ByRole[models.RoleEditor].Email
		here, elsewhere := a.Client(t), a.Client(t)
		here.Login(email, apptest.Password)
		elsewhere.Login(email, apptest.Password)

		if res := a.Client(t).Get("/account/password"); res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/login") {
			t.Fatalf("anonymous: %s; want a redirect to login", res)
		}
		bad := []struct {
			name, current, next, want string
		}{
			{"wrong current password", "not my password", "a brand new password", "This is not your current password."},
			{"too short", apptest.Password, "short", "Use at least 10 characters."},
		}
		for _, tt := range bad {
			res := here.Post("/account/password", url.Values{"current": {tt.current}, "password": {tt.next}})
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, tt.want) {
				t.Fatalf("%s: %s; want 422 with %q", tt.name, res, tt.want)
			}
		}
		if _, err := a.Orgs.Authenticate(t.Context(), email, apptest.Password); err != nil {
			t.Fatalf("a refused change altered the password: %v", err)
		}
		if res := elsewhere.Get("/studio"); res.Status != http.StatusOK {
			t.Fatalf("a refused change signed out another browser: %s", res)
		}

		res := here.Post("/account/password", url.Values{"current": {apptest.Password}, "password": {"a brand new password"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("change: %s", res)
		}
		if res := here.Get("/studio"); res.Status != http.StatusOK || !strings.Contains(res.Body, "Your password is changed") {
			t.Fatalf("this browser should stay signed in and see the notice: %s", res)
		}
		if res := elsewhere.Get("/studio"); res.Status != http.StatusSeeOther {
			t.Fatalf("the other browser should be signed out: %s", res)
		}
		if _, err := a.Orgs.Authenticate(t.Context(), email, "a brand new password"); err != nil {
			t.Fatalf("new password does not work: %v", err)
		}
	})
}

// TestClientAddressForLimits proves a client cannot dodge the per-address
// sign-in limit by sending X-Forwarded-For, unless it comes from a proxy
// the operator trusts.
func TestClientAddressForLimits(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		for _, tt := range []struct {
			name    string
			proxies string
			blocked bool
		}{
			{"no trusted proxy", "", true},
			{"loopback proxy trusted", "127.0.0.0/8", false},
		} {
			t.Run(tt.name, func(t *testing.T) {
				a := apptest.StartWith(t, dbURL, func(c *config.Config) {
					if tt.proxies != "" {
						_, n, _ := net.ParseCIDR(tt.proxies)
						c.TrustedProxies = []*net.IPNet{n}
					}
				})
				c := a.Client(t)
				token := c.CSRF()
				// The per-client limit is four times the per-address one (5).
				var last int
				for i := range 21 {
					form := url.Values{"_csrf": {token}, "email": {fmt.Sprintf("nobody%d@example.org", i)}, "password": {"wrong password"}}
					req, _ := http.NewRequest(http.MethodPost, a.URL+"/login", strings.NewReader(form.Encode()))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					req.Header.Set("X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i+1))
					res, err := c.HTTP.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					res.Body.Close()
					last = res.StatusCode
				}
				if blocked := last == http.StatusTooManyRequests; blocked != tt.blocked {
					t.Fatalf("21st failed sign-in with a new X-Forwarded-For: status %d; blocked = %v, want %v", last, blocked, tt.blocked)
				}
			})
		}
	})
}

func TestPastTheEnd(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		owner := a.Client(t)
		owner.Login(f.ByRole[models.RoleOwner].Email, apptest.Password)
		admin := a.Client(t)
		admin.Login(f.Admin.Email, apptest.Password)
		for _, tt := range []struct {
			c    *apptest.Client
			path string
		}{
			{a.Client(t), "/accounts?page=99"},
			{owner, fmt.Sprintf("/studio/orgs/%d/audit?page=99", f.Org.ID)},
			{admin, "/admin?page=99"},
		} {
			res := tt.c.Get(tt.path)
			if res.Status != http.StatusOK || !strings.Contains(res.Body, "past the end of the list") || !strings.Contains(res.Body, "page=1") {
				t.Errorf("GET %s: %s; want the past-the-end notice with a link to page 1", tt.path, res)
			}
		}
	})
}

// TestReviewedEdges covers inputs a review found: a tab that browsers drop
// from a redirect target, and a huge address typed into the sign-in and
// follow forms (it must not overflow the rate-limit key).
func TestReviewedEdges(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		apptest.Seed(t, a)
		c := a.Client(t)
		for _, next := range []string{"/%09/evil.example", "/%0B/evil.example", "/%7F/evil.example", "/\\evil.example"} {
			if res := c.Get("/lang/en?next=" + next); res.Location != "/" {
				t.Errorf("next=%s redirected to %q, want /", next, res.Location)
			}
		}
		huge := strings.Repeat("x9Qz", 2500) + "@example.org"
		if res := c.Post("/login", url.Values{"email": {huge}, "password": {"wrong password"}}); res.Status != http.StatusUnauthorized {
			t.Errorf("sign-in with a 10 kB address: %s; want 401", res)
		}
		if res := c.Post("/@metro/follow", url.Values{"address": {huge}}); res.Status != http.StatusUnprocessableEntity {
			t.Errorf("follow with a 10 kB address: %s; want 422", res)
		}
	})
}
