package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

const areaTestDistricts = `{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"name":"Harbour","code":"H"},"geometry":{"type":"Polygon","coordinates":[[[114.10,22.30],[114.12,22.30],[114.12,22.32],[114.10,22.32],[114.10,22.30]]]}},
 {"type":"Feature","properties":{"name":"Hills","code":"L"},"geometry":{"type":"Polygon","coordinates":[[[114.10,22.28],[114.12,22.28],[114.12,22.30],[114.10,22.30],[114.10,22.28]]]}}]}`

// TestFollowChoosesWhere follows with a district, then moves to a place
// from the preferences page, with the refusals a citizen can cause.
func TestFollowChoosesWhere(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		citizen := a.Client(t)
		if page := citizen.Get("/@metro/follow"); strings.Contains(page.Body, `name="area_mode"`) {
			t.Fatal("the follow page asks where before the organization has districts")
		}
		if _, err := a.Districts.Import(ctx, f.Member(models.RoleOwner), f.Org.ID, []byte(areaTestDistricts), false); err != nil {
			t.Fatal(err)
		}
		ds, _ := a.Districts.List(ctx, f.Org.ID)
		harbour := strconv.FormatInt(ds[0].ID, 10)
		page := citizen.Get("/@metro/follow")
		if !strings.Contains(page.Body, `name="area_district" value="`+harbour+`"`) || !strings.Contains(page.Body, "Harbour") ||
			!strings.Contains(page.Body, `name="place_lat"`) {
			t.Fatalf("follow page without the choice of where: %s", page)
		}
		// Districts ticked none: the form comes back with the address kept.
		res := citizen.Post("/@metro/follow", url.Values{"address": {"near@example.org"}, "language": {"en"}, "area_mode": {"districts"}})
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Tick at least one district") || !strings.Contains(res.Body, "near@example.org") {
			t.Fatalf("no district: %s", res)
		}
		res = citizen.Post("/@metro/follow", url.Values{"address": {"near@example.org"}, "language": {"en"}, "area_mode": {"place"}, "place_lat": {"north"}, "place_lon": {"114.1"}})
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `value="north"`) {
			t.Fatalf("bad place: %s", res)
		}
		res = citizen.Post("/@metro/follow", url.Values{"address": {"near@example.org"}, "language": {"en"}, "area_mode": {"districts"}, "area_district": {harbour}})
		if res.Status != http.StatusOK {
			t.Fatalf("follow: %s", res)
		}
		var fl models.Follower
		if err := a.DB.Gorm.Where("address = ?", "near@example.org").First(&fl).Error; err != nil {
			t.Fatal(err)
		}
		got, err := a.Followers.FollowerByID(ctx, fl.ID)
		if err != nil || got.AreaMode != models.AreaDistricts || len(got.Districts) != 1 || strconv.FormatInt(got.Districts[0], 10) != harbour {
			t.Fatalf("follower = %+v, %v", got, err)
		}
		prefs := path(a.Links.Preferences(fl.ID))
		page = citizen.Get(prefs)
		if !strings.Contains(page.Body, `value="`+harbour+`" checked`) {
			t.Fatalf("preferences do not show the district: %s", page)
		}
		res = citizen.Post(prefs, url.Values{"language": {"en"}, "area_mode": {"place"}, "place_lat": {"22.28349"}, "place_lon": {"114.11051"}})
		if res.Status != http.StatusSeeOther && res.Status != http.StatusOK {
			t.Fatalf("save place: %s", res)
		}
		got, _ = a.Followers.FollowerByID(ctx, fl.ID)
		if got.AreaMode != models.AreaPlace || *got.PlaceLat != 22.283 || *got.PlaceLon != 114.111 || got.PlaceDistrictID == nil || *got.PlaceDistrictID != ds[1].ID {
			t.Fatalf("place = %+v", got)
		}
		res = citizen.Post(prefs, url.Values{"language": {"en"}, "area_mode": {"place"}, "place_lat": {"91"}, "place_lon": {"0"}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("a place off the globe: %s", res)
		}
		// Staff see where; the coordinates only if they may see contacts.
		detail := "/studio/orgs/" + strconv.FormatInt(f.Org.ID, 10) + "/accounts/metro/followers/" + strconv.FormatInt(fl.ID, 10)
		owner := a.Client(t)
		owner.Login(f.ByRole[models.RoleOwner].Email, apptest.Password)
		if page := owner.Get(detail); !strings.Contains(page.Body, "Around 22.283, 114.111 (Hills)") {
			t.Fatalf("the owner's follower page: %s", page)
		}
		editor := a.Client(t)
		editor.Login(f.ByRole[models.RoleEditor].Email, apptest.Password)
		if page := editor.Get(detail); !strings.Contains(page.Body, "A place in Hills") || strings.Contains(page.Body, "22.283") {
			t.Fatalf("the editor's follower page: %s", page)
		}
	})
}

// TestAudienceCountSaysWhatToFix: the editor's live count answers a
// shape it cannot read, or an area scope without an area, with the
// message instead of a number.
func TestAudienceCountSaysWhatToFix(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		editor := a.Client(t)
		editor.Login(f.ByRole[models.RoleEditor].Email, apptest.Password)
		base := "/studio/orgs/" + strconv.FormatInt(f.Org.ID, 10) + "/accounts/metro/notices/audience?"
		for name, tt := range map[string]struct{ query, want string }{
			"crossed polygon": {url.Values{"area_geojson": {`{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}`}}.Encode(), "Polygon 1 crosses itself"},
			"not GeoJSON":     {url.Values{"area_geojson": {`{"type":`}}.Encode(), "not GeoJSON"},
			"scope, no area":  {url.Values{"area_scope": {"area"}}.Encode(), "Choose districts or draw an area"},
			"a circle":        {url.Values{"area_scope": {"area"}, "area_geojson": {`{"type":"Feature","properties":{"radius":500},"geometry":{"type":"Point","coordinates":[114.1,22.3]}}`}}.Encode(), "follower"},
		} {
			res := editor.Get(base + tt.query)
			if res.Status != http.StatusOK || !strings.Contains(res.Body, tt.want) {
				t.Errorf("%s: %s", name, res)
			}
		}
	})
}
