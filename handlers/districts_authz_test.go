package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/paths"
)

// districtRoutes are the authorization matrix rows of the districts
// page: every role reads, owners import, rename, delete and set the
// geocode value name.
func districtRoutes(t testing.TB, a *apptest.App, f *apptest.Fixtures) []route {
	t.Helper()
	ctx := context.Background()
	if _, err := a.Districts.Import(ctx, f.Member(models.RoleOwner), f.Org.ID, []byte(twoDistrictsFile), false); err != nil {
		t.Fatal(err)
	}
	ds, err := a.Districts.List(ctx, f.Org.ID)
	if err != nil || len(ds) == 0 {
		t.Fatalf("districts = %v, %v", ds, err)
	}
	base, one := paths.Districts(f.Org.ID), paths.District(f.Org.ID, ds[0].ID)
	all := []visitor{owner, editor, moderator, viewer}
	owners := []visitor{owner}
	return []route{
		{"GET", base, nil, all, http.StatusOK},
		// No file: the form comes back with its message.
		{"POST", base, url.Values{}, owners, http.StatusUnprocessableEntity},
		{"POST", paths.DistrictsGeocode(f.Org.ID), url.Values{"geocode_name": {"SAME"}}, owners, http.StatusSeeOther},
		{"POST", one, url.Values{"name.en": {ds[0].Name}}, owners, http.StatusSeeOther},
		{"GET", one + "/delete", nil, owners, http.StatusOK},
		// An unknown district: the delete is not found.
		{"POST", paths.District(f.Org.ID, ds[0].ID+1000) + "/delete", nil, owners, http.StatusNotFound},
	}
}
