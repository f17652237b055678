package handlers_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/apitoken"
)

// apiTokenRoutes are the authorization matrix rows of API tokens: only
// those who manage settings (owners) see or change them.
func apiTokenRoutes(t testing.TB, a *apptest.App, f *apptest.Fixtures) []route {
	tok, _, err := a.APITokens.Create(context.Background(), f.Member(models.RoleOwner), "Matrix", []string{apitoken.ScopeNoticesRead})
	if err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("/studio/orgs/%d/api-tokens", f.Org.ID)
	one := fmt.Sprintf("%s/%d/revoke", base, tok.ID)
	owners := []visitor{owner}
	return []route{
		{"GET", base, nil, owners, 200},
		// No scope chosen: refused the same way every time.
		{"POST", base, url.Values{"name": {"X"}}, owners, 422},
		{"GET", one, nil, owners, 200},
		{"POST", one, nil, owners, 303},
	}
}
