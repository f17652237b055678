package e2e_test

import (
	"context"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/paths"
)

const e2eDistricts = `{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"name":"North","code":"N"},"geometry":{"type":"Polygon","coordinates":[[[114.10,22.30],[114.12,22.30],[114.12,22.32],[114.10,22.32],[114.10,22.30]]]}},
 {"type":"Feature","properties":{"name":"South","code":"S"},"geometry":{"type":"Polygon","coordinates":[[[114.10,22.28],[114.12,22.28],[114.12,22.30],[114.10,22.30],[114.10,22.28]]]}}]}`

// TestDistrictsPageAccessibility runs axe-core on the districts page:
// empty, with districts and the map (the owner's forms and the staff's
// read-only list), and the delete confirmation.
func TestDistrictsPageAccessibility(t *testing.T) {
	chromium(t)
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		base := paths.Districts(f.Org.ID)
		owner := newPerson(t, "owner", a.URL, false)
		owner.login(f.ByRole[models.RoleOwner].Email, apptest.Password)
		owner.open(base)
		owner.sees("This organization has no districts yet.")
		owner.axe()
		if _, err := a.Districts.Import(ctx, f.Member(models.RoleOwner), f.Org.ID, []byte(e2eDistricts), false); err != nil {
			t.Fatal(err)
		}
		ds, err := a.Districts.List(ctx, f.Org.ID)
		if err != nil || len(ds) != 2 {
			t.Fatalf("districts = %v, %v", ds, err)
		}
		owner.open(base)
		owner.sees("South")
		owner.axe()
		owner.open(paths.District(f.Org.ID, ds[0].ID) + "/delete")
		owner.axe()
		viewer := newPerson(t, "viewer", a.URL, true)
		viewer.login(f.ByRole[models.RoleViewer].Email, apptest.Password)
		viewer.open(base)
		viewer.sees("Only owners can import, rename or delete districts.")
		viewer.axe()
	})
}
