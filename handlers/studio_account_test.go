package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

// TestStudioAccountRoutesCheckThePermissionFirst: the studio's routes
// under /accounts/:handle load the account once, in middleware, after the
// permission check, as the handlers did themselves: a member without the
// permission gets 403 whether or not the handle names an account; one with
// it gets 404 for a handle that is not an account of their organization
// (missing, or another organization's); and a database that fails while
// the account is loaded is a 503, not a 404.
func TestStudioAccountRoutesCheckThePermissionFirst(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		outsider := &models.Member{User: f.Outside, Org: f.Other, Role: models.RoleOwner}
		if _, err := a.Accounts.CreateAccount(context.Background(), outsider, models.AccountInput{
			Handle: "harbour", Name: "Harbour", Category: "transit", Languages: []string{"en"},
		}); err != nil {
			t.Fatal(err)
		}
		clients := map[models.Role]*apptest.Client{}
		for _, r := range []models.Role{models.RoleEditor, models.RoleViewer} {
			clients[r] = a.Client(t)
			clients[r].Login(f.ByRole[r].Email, apptest.Password)
		}
		org := fmt.Sprintf("/studio/orgs/%d/accounts/", f.Org.ID)
		for _, tt := range []struct {
			role         models.Role
			method, path string
			status       int
		}{
			// Viewing is allowed: the handle decides.
			{models.RoleViewer, "GET", "metro/notices", http.StatusOK},
			{models.RoleViewer, "GET", "nosuch/notices", http.StatusNotFound},
			{models.RoleViewer, "GET", "harbour/notices", http.StatusNotFound},
			// Writing is not: 403 before the handle is looked at.
			{models.RoleViewer, "GET", "metro/notices/new", http.StatusForbidden},
			{models.RoleViewer, "GET", "nosuch/notices/new", http.StatusForbidden},
			{models.RoleViewer, "POST", "nosuch", http.StatusForbidden},
			{models.RoleViewer, "POST", "harbour/channels", http.StatusForbidden},
			{models.RoleEditor, "GET", "metro/notices/new", http.StatusOK},
			{models.RoleEditor, "GET", "nosuch/notices/new", http.StatusNotFound},
			{models.RoleEditor, "POST", "nosuch", http.StatusNotFound},
			{models.RoleEditor, "POST", "harbour/channels", http.StatusNotFound},
			// Inbox needs moderation, which neither role has.
			{models.RoleEditor, "GET", "nosuch/inbox", http.StatusForbidden},
		} {
			c := clients[tt.role]
			var res *apptest.Response
			if tt.method == "GET" {
				res = c.Get(org + tt.path)
			} else {
				res = c.Post(org+tt.path, url.Values{"email": {"on"}})
			}
			if res.Status != tt.status {
				t.Errorf("%s %s as %s: %s; want %d", tt.method, tt.path, tt.role, res, tt.status)
			}
		}

		failing := failQueriesOn(t, a.DB.Gorm)
		table := "accounts"
		failing.Store(&table)
		res := clients[models.RoleEditor].Get(org + "metro/notices")
		failing.Store(nil)
		if res.Status != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
			t.Fatalf("a notice list while the account cannot be read: %s; want 503 with Retry-After", res)
		}
	})
}
