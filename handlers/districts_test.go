package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/area"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/district"
	"github.com/plazahq/plaza/models/follower"
	"github.com/plazahq/plaza/paths"
)

// Two districts sharing the edge at latitude 22.30.
const twoDistrictsFile = `{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"name":"North","code":"N"},"geometry":{"type":"Polygon","coordinates":[[[114.10,22.30],[114.12,22.30],[114.12,22.32],[114.10,22.32],[114.10,22.30]]]}},
 {"type":"Feature","properties":{"name":"South","code":"S"},"geometry":{"type":"Polygon","coordinates":[[[114.10,22.28],[114.12,22.28],[114.12,22.30],[114.10,22.30],[114.10,22.28]]]}}]}`

// North alone: importing it with "replace" deletes South.
const northOnlyFile = `{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"name":"North","code":"N"},"geometry":{"type":"Polygon","coordinates":[[[114.10,22.30],[114.12,22.30],[114.12,22.32],[114.10,22.32],[114.10,22.30]]]}}]}`

// The second district's polygon crosses itself (a bow tie).
const crossedFile = `{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"name":"North","code":"N"},"geometry":{"type":"Polygon","coordinates":[[[114.10,22.30],[114.12,22.30],[114.12,22.32],[114.10,22.32],[114.10,22.30]]]}},
 {"type":"Feature","properties":{"name":"Bow","code":"B"},"geometry":{"type":"Polygon","coordinates":[[[114.10,22.28],[114.12,22.30],[114.12,22.28],[114.10,22.30],[114.10,22.28]]]}}]}`

// districtsPost posts a multipart form with the CSRF token, the fields
// and, when filename is not empty, one file in the field "file".
func districtsPost(t *testing.T, a *apptest.App, c *apptest.Client, path string, fields map[string]string, filename string, data []byte) *apptest.Response {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := w.WriteField("_csrf", c.CSRF()); err != nil {
		t.Fatal(err)
	}
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if filename != "" {
		fw, err := w.CreateFormFile("file", filename)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return sendWith(t, a, c, http.MethodPost, path, &buf, map[string]string{"Content-Type": w.FormDataContentType()})
}

func TestDistrictsPage(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		base := paths.Districts(f.Org.ID)
		owner := a.Client(t)
		owner.Login(f.ByRole[models.RoleOwner].Email, apptest.Password)
		ed := a.Client(t)
		ed.Login(f.ByRole[models.RoleEditor].Email, apptest.Password)
		vw := a.Client(t)
		vw.Login(f.ByRole[models.RoleViewer].Email, apptest.Password)
		out := a.Client(t)
		out.Login(f.Outside.Email, apptest.Password)

		// The empty state says what districts are and links a sample file
		// that the import reads; the studio's navigation links here.
		res := owner.Get(base)
		expectBody(t, "empty page", res, http.StatusOK, "This organization has no districts yet.", "FeatureCollection",
			`href="`+paths.DistrictsSample+`"`, `accept=".geojson,.json,application/geo+json"`, `enctype="multipart/form-data"`,
			`aria-current="page">Districts</a>`, `name="replace"`)
		if strings.Contains(res.Body, `name="replace" checked`) {
			t.Fatal("the replace box is ticked by default")
		}
		sample := owner.Get(paths.DistrictsSample)
		if sample.Status != http.StatusOK {
			t.Fatalf("sample: %s", sample)
		}
		if ds, err := area.ParseDistricts([]byte(sample.Body)); err != nil || len(ds) != 3 {
			t.Fatalf("sample file: %d districts, %v", len(ds), err)
		}

		// Refused files: the page says why (nested problems in words),
		// and nothing is kept.
		for _, tc := range []struct {
			name, file string
			data       []byte
			status     int
			want       string
		}{
			{"not JSON", "d.geojson", []byte("not json"), http.StatusUnprocessableEntity, "This is not GeoJSON that Plaza can read"},
			{"crossed polygon", "d.geojson", []byte(crossedFile), http.StatusUnprocessableEntity, "District 2: Polygon 1 crosses itself"},
			{"empty collection", "d.json", []byte(`{"type":"FeatureCollection","features":[]}`), http.StatusUnprocessableEntity, "The file holds no districts"},
			{"NUL in a name", "d.geojson", []byte(strings.Replace(twoDistrictsFile, `"North"`, `"No\u0000rth"`, 1)), http.StatusUnprocessableEntity,
				"District 1: its name or code holds a NUL character"},
			{"long code", "d.geojson", []byte(strings.Replace(twoDistrictsFile, `"S"`, `"`+strings.Repeat("s", 101)+`"`, 1)), http.StatusUnprocessableEntity,
				"District 2: a name can have at most 200 characters and a code at most 100."},
			{"no file", "", nil, http.StatusUnprocessableEntity, "Choose a GeoJSON file to import."},
			{"over 5 MB", "big.geojson", make([]byte, district.MaxFileBytes+1), http.StatusRequestEntityTooLarge, "The file is larger than 5 MB."},
		} {
			res := districtsPost(t, a, owner, base, nil, tc.file, tc.data)
			expectBody(t, tc.name, res, tc.status, "The file was not imported:", tc.want)
		}
		if n := rowCount(t, a, "districts", "organization_id = ?", f.Org.ID); n != 0 {
			t.Fatalf("%d districts kept from refused files", n)
		}
		// In the reader's language, the nested problem too.
		es := a.Client(t)
		es.Login(f.ByRole[models.RoleOwner].Email, apptest.Password)
		es.Get("/lang/es?next=/")
		res = districtsPost(t, a, es, base, nil, "d.geojson", []byte(crossedFile))
		expectBody(t, "refused in Spanish", res, http.StatusUnprocessableEntity, "El archivo no se importó:",
			"Distrito 2: El polígono 1 se cruza consigo mismo")

		// Only owners change districts; other staff read, other
		// organizations see nothing.
		good := []byte(twoDistrictsFile)
		for _, c := range []*apptest.Client{ed, vw} {
			if res := districtsPost(t, a, c, base, nil, "d.geojson", good); res.Status != http.StatusForbidden {
				t.Fatalf("staff import: %s", res)
			}
		}
		if res := districtsPost(t, a, out, base, nil, "d.geojson", good); res.Status != http.StatusNotFound {
			t.Fatalf("other organization's import: %s", res)
		}

		res = districtsPost(t, a, owner, base, nil, "district.geojson", good)
		if res.Status != http.StatusSeeOther || res.Location != base {
			t.Fatalf("import: %s", res)
		}
		if n := rowCount(t, a, "audit_log", "organization_id = ? AND action = ?", f.Org.ID, "district.import"); n != 1 {
			t.Fatalf("%d import audit entries", n)
		}
		ds, err := a.Districts.List(ctx, f.Org.ID)
		if err != nil || len(ds) != 2 {
			t.Fatalf("districts = %v, %v", ds, err)
		}
		north, south := ds[0].ID, ds[1].ID

		// Followers who chose a district, or whose place is in it, count;
		// those who stopped following do not.
		for i, choice := range []follower.AreaChoice{
			{Mode: models.AreaDistricts, Districts: []int64{north}},
			{Mode: models.AreaDistricts, Districts: []int64{north, south}},
			{Mode: models.AreaPlace, Lat: ptrFloat(22.29), Lon: ptrFloat(114.11)},
			{Mode: models.AreaAll},
			{Mode: models.AreaDistricts, Districts: []int64{south}},
		} {
			fl, err := a.Followers.SeedFollower(ctx, f.Account.ID, models.ChannelWebhook, fmt.Sprintf("hook-%d", i), "", "en", nil, 0, "")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.Followers.SetArea(ctx, fl.ID, choice); err != nil {
				t.Fatal(err)
			}
			if i == 4 {
				if err := a.DB.Gorm.Model(&models.Follower{}).Where("id = ?", fl.ID).Update("status", models.StatusUnsubscribed).Error; err != nil {
					t.Fatal(err)
				}
			}
		}
		counts, err := a.Followers.DistrictFollowers(ctx, f.Org.ID)
		if err != nil || counts[north] != 2 || counts[south] != 2 {
			t.Fatalf("followers per district = %v, %v", counts, err)
		}

		// Staff read the list and the map, without the owners' forms.
		res = vw.Get(base)
		expectBody(t, "viewer's page", res, http.StatusOK, "<code>N</code>", "North", "South", `class="areamap-outline"`,
			`role="img"`, `<td data-label="Followers who chose it">2</td>`, "Only owners can import, rename or delete districts.")
		for _, no := range []string{`enctype="multipart/form-data"`, "/delete", `name="geocode_name"`} {
			if strings.Contains(res.Body, no) {
				t.Fatalf("the viewer's page has %s", no)
			}
		}
		if res := out.Get(base); res.Status != http.StatusNotFound {
			t.Fatalf("other organization's page: %s", res)
		}

		// Writes by staff who are not owners are refused, by other
		// organizations not found.
		one := paths.District(f.Org.ID, north)
		for _, tc := range []struct {
			who    *apptest.Client
			path   string
			status int
		}{
			{vw, one, http.StatusForbidden},
			{vw, one + "/delete", http.StatusForbidden},
			{vw, paths.DistrictsGeocode(f.Org.ID), http.StatusForbidden},
			{ed, one + "/delete", http.StatusForbidden},
			{out, one, http.StatusNotFound},
			{out, one + "/delete", http.StatusNotFound},
			{out, paths.DistrictsGeocode(f.Org.ID), http.StatusNotFound},
			{owner, paths.District(f.Org.ID, north+1000), http.StatusNotFound},
		} {
			if res := tc.who.Post(tc.path, url.Values{"name.en": {"X"}, "geocode_name": {"X"}}); res.Status != tc.status {
				t.Fatalf("POST %s: %s, want %d", tc.path, res, tc.status)
			}
		}
		if res := vw.Get(one + "/delete"); res.Status != http.StatusForbidden {
			t.Fatalf("viewer's delete confirmation: %s", res)
		}

		// Rename: a name per language; too long is said next to the field.
		res = owner.Post(one, url.Values{"name.en": {strings.Repeat("n", 201)}})
		expectBody(t, "long name", res, http.StatusUnprocessableEntity, "This is too long.", `aria-invalid="true"`)
		// The error summary every form has links to the field (in this
		// district's row), and the form posts back to it.
		field := fmt.Sprintf("f-name-%d-en", north)
		expectBody(t, "long name's summary", res, http.StatusUnprocessableEntity, `class="error-summary"`,
			fmt.Sprintf(`<a href="#%s">This is too long.</a>`, field), fmt.Sprintf(`id="%s"`, field),
			fmt.Sprintf(`action="%s#error-summary"`, one))
		res = owner.Post(one, url.Values{"name.en": {"Northside"}, "name.es": {"Norte"}})
		if res.Status != http.StatusSeeOther || res.Location != base {
			t.Fatalf("rename: %s", res)
		}
		res = owner.Get(base)
		expectBody(t, "renamed", res, http.StatusOK, "The district’s names are saved.", `value="Northside"`,
			`<span lang="en" dir="ltr">Northside</span>`)
		if ds, err := a.Districts.List(ctx, f.Org.ID); err != nil || ds[0].NameIn("es") != "Norte" || ds[0].Name != "North" {
			t.Fatalf("renamed districts = %v, %v", ds, err)
		}
		if n := rowCount(t, a, "audit_log", "organization_id = ? AND action = ?", f.Org.ID, "district.rename"); n != 1 {
			t.Fatalf("%d rename audit entries", n)
		}

		// Replace: the districts missing from the file and their followers
		// are shown first; nothing changes until it is confirmed.
		res = districtsPost(t, a, owner, base, map[string]string{"replace": "on"}, "north.geojson", []byte(northOnlyFile))
		expectBody(t, "replace confirmation", res, http.StatusOK, "deletes 1 district:", "<code>S</code> South",
			"2 followers chose them; they will get every alert instead.", `name="confirm"`)
		if n := rowCount(t, a, "districts", "organization_id = ?", f.Org.ID); n != 2 {
			t.Fatalf("%d districts before the confirmation", n)
		}
		res = districtsPost(t, a, owner, base, map[string]string{"replace": "on", "confirm": "1", "geojson": northOnlyFile}, "", nil)
		if res.Status != http.StatusSeeOther || res.Location != base {
			t.Fatalf("confirmed replace: %s", res)
		}
		if n := rowCount(t, a, "districts", "organization_id = ?", f.Org.ID); n != 1 {
			t.Fatalf("%d districts after replacing", n)
		}
		if n := rowCount(t, a, "districts", "id = ?", north); n != 1 {
			t.Fatal("the district in the file was replaced, not kept")
		}

		// Delete asks first, saying how many followers chose it.
		res = owner.Get(one + "/delete")
		expectBody(t, "delete confirmation", res, http.StatusOK, "2 followers chose this district; they will get every alert instead.",
			`action="`+one+`/delete"`)
		res = owner.Post(one+"/delete", nil)
		if res.Status != http.StatusSeeOther || res.Location != base {
			t.Fatalf("delete: %s", res)
		}
		if n := rowCount(t, a, "districts", "organization_id = ?", f.Org.ID); n != 0 {
			t.Fatalf("%d districts after deleting", n)
		}
		if n := rowCount(t, a, "audit_log", "organization_id = ? AND action = ?", f.Org.ID, "district.delete"); n != 1 {
			t.Fatalf("%d delete audit entries", n)
		}

		// The geocode value name: too long is refused, a name is saved
		// and audited.
		geo := paths.DistrictsGeocode(f.Org.ID)
		res = owner.Post(geo, url.Values{"geocode_name": {strings.Repeat("x", 65)}})
		expectBody(t, "long geocode name", res, http.StatusUnprocessableEntity, "This is too long.")
		res = owner.Post(geo, url.Values{"geocode_name": {" SAME "}})
		if res.Status != http.StatusSeeOther || res.Location != base {
			t.Fatalf("geocode name: %s", res)
		}
		var o models.Organization
		if err := a.DB.Gorm.First(&o, f.Org.ID).Error; err != nil || o.GeocodeName != "SAME" {
			t.Fatalf("geocode name = %q, %v", o.GeocodeName, err)
		}
		if n := rowCount(t, a, "audit_log", "organization_id = ? AND action = ?", f.Org.ID, "org.geocode_name"); n != 1 {
			t.Fatalf("%d geocode name audit entries", n)
		}
		expectBody(t, "geocode name shown", owner.Get(base), http.StatusOK, `value="SAME"`)
		expectBody(t, "geocode name read-only", vw.Get(base), http.StatusOK, "<code>SAME</code>")
	})
}

func ptrFloat(f float64) *float64 { return &f }
