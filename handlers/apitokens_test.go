package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

func TestAPITokensInTheStudio(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		c := a.Client(t)
		c.Login(f.ByRole[models.RoleOwner].Email, apptest.Password)
		base := fmt.Sprintf("/studio/orgs/%d/api-tokens", f.Org.ID)
		if r := c.Get(base); r.Status != 200 || !strings.Contains(r.Body, "No tokens yet") {
			t.Fatalf("empty: %s", r)
		}
		if r := c.Post(base, url.Values{"name": {"Ops"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Choose at least one scope") ||
			!strings.Contains(r.Body, `value="Ops"`) {
			t.Fatalf("no scopes: %s", r)
		}
		r := c.Post(base, url.Values{"name": {"Ops"}, "scopes": {"notices:read", "notices:write"}})
		tok := regexp.MustCompile(`plz_[A-Za-z0-9_-]{43}`).FindString(r.Body)
		if r.Status != 200 || tok == "" || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("create: %s", r)
		}
		// Shown once: the list afterwards has only its prefix.
		if r := c.Get(base); strings.Contains(r.Body, tok) || !strings.Contains(r.Body, tok[:10]) {
			t.Fatalf("list shows the token: %v", strings.Contains(r.Body, tok))
		}
		api := newAPIClient(t, a, tok)
		if r := api.do("GET", "/accounts/metro/notices", nil); r.Status != 200 {
			t.Fatalf("new token: %d %s", r.Status, r.Body)
		}
		list, _ := a.APITokens.List(t.Context(), f.Member(models.RoleOwner))
		revoke := fmt.Sprintf("%s/%d/revoke", base, list[0].ID)
		if r := c.Get(revoke); r.Status != 200 || !strings.Contains(r.Body, "stop working at once") {
			t.Fatalf("confirm revoke: %s", r)
		}
		if r := c.Post(revoke, nil); r.Status != http.StatusSeeOther {
			t.Fatalf("revoke: %s", r)
		}
		if r := api.do("GET", "/accounts/metro/notices", nil); r.Status != 401 {
			t.Fatalf("revoked token still works: %d", r.Status)
		}
		// Editors do not manage tokens.
		ed := a.Client(t)
		ed.Login(f.ByRole[models.RoleEditor].Email, apptest.Password)
		if r := ed.Get(base); r.Status != 403 && r.Status != 404 {
			t.Fatalf("editor: %d", r.Status)
		}
	})
}
