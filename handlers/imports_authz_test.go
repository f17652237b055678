package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/follower"
)

// importRoutes are the authorization matrix rows of this area's studio routes; it
// may create the data its routes need through a.Store.
func importRoutes(t testing.TB, a *apptest.App, f *apptest.Fixtures) []route {
	t.Helper()
	ctx := context.Background()
	staff := f.Member(models.RoleOwner)
	create := func() *follower.Import {
		p, err := a.Followers.CreateImport(ctx, staff, f.Account, "donors.csv",
			[]byte("address,name,language,tags,consent\nauthz@example.org,Authz,en,donor,2024-01-01\n"))
		if err != nil {
			t.Fatalf("create import: %v", err)
		}
		return p.Import
	}
	pending, applied, cancelled := create(), create(), create()
	if _, err := a.Followers.ApplyImport(ctx, staff, f.Account, applied); err != nil {
		t.Fatalf("apply import: %v", err)
	}
	if err := a.Followers.CancelImport(ctx, staff, f.Account, cancelled); err != nil {
		t.Fatalf("cancel import: %v", err)
	}
	base := fmt.Sprintf("/studio/orgs/%d/accounts/metro/imports", f.Org.ID)
	writers := []visitor{owner, editor}
	return []route{
		{"GET", base + "/new", nil, writers, http.StatusOK},
		{"GET", base + "/example.csv", nil, writers, http.StatusOK},
		// No file: the form comes back with its message.
		{"POST", base, url.Values{}, writers, http.StatusUnprocessableEntity},
		{"GET", fmt.Sprintf("%s/%d", base, pending.ID), nil, writers, http.StatusOK},
		// Applying twice is refused without changing anything.
		{"POST", fmt.Sprintf("%s/%d/apply", base, applied.ID), nil, writers, http.StatusConflict},
		// Cancelling twice is harmless.
		{"POST", fmt.Sprintf("%s/%d/cancel", base, cancelled.ID), nil, writers, http.StatusSeeOther},
	}
}
