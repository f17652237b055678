package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

func TestChangePassword(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
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
		if _, err := a.Store.Authenticate(t.Context(), email, apptest.Password); err != nil {
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
		if _, err := a.Store.Authenticate(t.Context(), email, "a brand new password"); err != nil {
			t.Fatalf("new password does not work: %v", err)
		}
	})
}
