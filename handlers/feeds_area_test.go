package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/area"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
)

// Two districts sharing the edge at latitude 22.30.
const areaDistricts = `{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"name":"North","code":"N"},"geometry":{"type":"Polygon","coordinates":[[[114.10,22.30],[114.12,22.30],[114.12,22.32],[114.10,22.32],[114.10,22.30]]]}},
 {"type":"Feature","properties":{"name":"South","code":"S"},"geometry":{"type":"Polygon","coordinates":[[[114.10,22.28],[114.12,22.28],[114.12,22.30],[114.10,22.30],[114.10,22.28]]]}}]}`

func box(lon0, lat0, lon1, lat1 float64) orb.Polygon {
	return orb.Polygon{{{lon0, lat0}, {lon1, lat0}, {lon1, lat1}, {lon0, lat1}, {lon0, lat0}}}
}

// areaAlerts publishes, for the metro account, an alert in a polygon, one
// in a circle, one in the North district, one without area and a general
// notice (no alert) with an area; it returns them by name.
func areaAlerts(t *testing.T, a *apptest.App, f *apptest.Fixtures) map[string]*models.Notice {
	t.Helper()
	ctx := context.Background()
	owner := f.Member(models.RoleOwner)
	if _, err := a.Districts.Import(ctx, owner, f.Org.ID, []byte(areaDistricts), false); err != nil {
		t.Fatal(err)
	}
	ds, err := a.Districts.List(ctx, f.Org.ID)
	if err != nil || len(ds) != 2 || ds[0].Name != "North" {
		t.Fatalf("districts = %v, %v", ds, err)
	}
	publish := func(in notice.Input) *models.Notice {
		n, err := a.Notices.CreateNotice(ctx, owner, f.Account, in)
		if err != nil {
			t.Fatal(err)
		}
		if n, _, err = a.Notices.PublishNotice(ctx, owner, f.Account, n.ID, in); err != nil {
			t.Fatal(err)
		}
		return n
	}
	safety := func(title string, where *area.Area) notice.Input {
		return notice.Input{Kind: models.NoticeSafety, Translations: models.Texts("en", "title", title, "body", "Take care."), CapCategory: "Met",
			CapEvent: title, Urgency: "Expected", Severity: "Moderate", Certainty: "Likely", Area: where, AreaScope: models.AreaScopeEveryone}
	}
	return map[string]*models.Notice{
		"polygon": publish(safety("Landslide", &area.Area{Polygons: orb.MultiPolygon{box(114.00, 22.20, 114.05, 22.25)}})),
		"circle": publish(notice.Input{Kind: models.NoticeTransit, Translations: models.Texts("en", "title", "Pier closed", "body", "Use the next pier."),
			Cause: "CONSTRUCTION", Effect: "DETOUR", Area: &area.Area{Circles: []area.Circle{{Lat: 22.40, Lon: 114.30, RadiusM: 1000}}}}),
		"district":   publish(safety("Flooding", &area.Area{Districts: []int64{ds[0].ID}})),
		"everywhere": publish(safety("Heat", nil)),
		"general": publish(notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", "Fair", "body", "Come."),
			Area: &area.Area{Polygons: orb.MultiPolygon{box(0, 0, 179, 89)}}}),
	}
}

func TestAlertsGeoJSONFeed(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ns := areaAlerts(t, a, f)
		if err := a.DB.Gorm.Exec("UPDATE organizations SET geocode_name = ? WHERE id = ?", "HK-DC", f.Org.ID).Error; err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/alerts.geojson", "/@metro/alerts.geojson"} {
			resp, body := get(t, a.URL+path)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/geo+json" || resp.Header.Get("ETag") == "" ||
				resp.Header.Get("Cache-Control") != "public, max-age=60" {
				t.Fatalf("%s: %d %v", path, resp.StatusCode, resp.Header)
			}
			if again, _ := get(t, a.URL+path, "If-None-Match", resp.Header.Get("ETag")); again.StatusCode != http.StatusNotModified {
				t.Fatalf("%s with its ETag: %d", path, again.StatusCode)
			}
			fc, err := geojson.UnmarshalFeatureCollection([]byte(body))
			if err != nil {
				t.Fatalf("%s: %v\n%s", path, err, body)
			}
			byID := map[int64]*geojson.Feature{}
			for _, ft := range fc.Features {
				byID[int64(ft.Properties.MustInt("id"))] = ft
			}
			if len(fc.Features) != 4 || byID[ns["general"].ID] != nil {
				t.Fatalf("%s: %d features\n%s", path, len(fc.Features), body)
			}
			inside := func(name string, lat, lon float64) bool {
				m, ok := byID[ns[name].ID].Geometry.(orb.MultiPolygon)
				return ok && planar.MultiPolygonContains(m, orb.Point{lon, lat})
			}
			if !inside("polygon", 22.22, 114.02) || inside("polygon", 22.31, 114.11) || !inside("circle", 22.405, 114.30) || inside("circle", 22.42, 114.30) ||
				!inside("district", 22.31, 114.11) || inside("district", 22.29, 114.11) {
				t.Fatalf("%s: geometries\n%s", path, body)
			}
			if g := byID[ns["everywhere"].ID]; g.Geometry != nil || g.Properties.MustString("title") != "Heat" {
				t.Fatalf("%s: alert without area %#v", path, g)
			}
			d := byID[ns["district"].ID].Properties
			if d.MustString("title") != "Flooding" || d.MustString("account") != "metro" || d.MustString("kind") != "safety" ||
				d.MustString("severity") != "Moderate" || d.MustString("url") != fmt.Sprintf("http://plaza.test/@metro/notices/%d", ns["district"].ID) ||
				fmt.Sprint(d["districts"]) != "[North]" {
				t.Fatalf("%s: properties %v", path, d)
			}
		}
		if resp, _ := get(t, a.URL+"/@nobody/alerts.geojson"); resp.StatusCode != 404 {
			t.Fatalf("unknown account: %d", resp.StatusCode)
		}

		// The CAP alert of the district's notice names it and draws it.
		resp, body := get(t, fmt.Sprintf("%s/notices/%d.cap", a.URL, ns["district"].ID))
		if resp.StatusCode != 200 || !strings.Contains(body, "<areaDesc>North</areaDesc>") ||
			!strings.Contains(body, "<polygon>22.3,114.1 22.3,114.12 22.32,114.12 22.32,114.1 22.3,114.1</polygon>") ||
			!strings.Contains(strings.Join(strings.Fields(body), ""), "<geocode><valueName>HK-DC</valueName><value>N</value></geocode>") {
			t.Fatalf("CAP of a district: %d\n%s", resp.StatusCode, body)
		}
		if _, body := get(t, fmt.Sprintf("%s/notices/%d.cap", a.URL, ns["polygon"].ID)); !strings.Contains(body, "<polygon>22.2,114 22.2,114.05 22.25,114.05 22.25,114 22.2,114</polygon>") {
			t.Fatalf("CAP of a polygon:\n%s", body)
		}
	})
}

func TestAlertsNear(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		areaAlerts(t, a, f)
		all := []string{"Landslide", "Pier closed", "Flooding", "Heat"}
		tests := []struct {
			name, path string
			status     int
			shown      []string
			want       []string
		}{
			{"every alert", "/alerts", 200, all, []string{`name="near"`, `href="/alerts.geojson"`}},
			{"inside the polygon", "/alerts?near=22.22,114.02", 200, []string{"Landslide", "Heat"}, []string{"Alerts at 22.220, 114.020", `href="/alerts">Show all alerts`, "Whole area"}},
			{"inside the circle", "/alerts?near=22.405,+114.30", 200, []string{"Pier closed", "Heat"}, []string{"Alerts at 22.405, 114.300"}},
			{"inside the district", "/alerts?near=" + url.QueryEscape("22.31，114.11"), 200, []string{"Flooding", "Heat"}, []string{"Alerts at 22.310, 114.110"}},
			{"outside everything", "/alerts?near=-33.9,151.2", 200, []string{"Heat"}, []string{"Alerts at -33.900, 151.200"}},
			{"the account's page", "/@metro/alerts?near=22.31,114.11", 200, []string{"Flooding", "Heat"}, []string{`href="/@metro/alerts">Show all alerts`, `href="/@metro/alerts.geojson"`}},
			{"not numbers", "/alerts?near=here", 400, all, []string{"This is not a place", `aria-invalid="true"`, `value="here"`}},
			{"one number", "/alerts?near=22.3", 400, all, []string{"This is not a place"}},
			{"three numbers", "/alerts?near=22.3,114.1,5", 400, all, []string{"This is not a place"}},
			{"latitude out of range", "/alerts?near=91,114", 400, all, []string{"This is not a place"}},
			{"longitude out of range", "/alerts?near=22,-181", 400, all, []string{"This is not a place"}},
			{"not a number", "/alerts?near=NaN,Inf", 400, all, []string{"This is not a place"}},
			{"too long", "/alerts?near=" + strings.Repeat("1", 500) + ",1", 400, all, []string{"This is not a place"}},
			{"account page, bad", "/@metro/alerts?near=x,y", 400, all, []string{"This is not a place"}},
		}
		for _, tt := range tests {
			resp, body := get(t, a.URL+tt.path)
			if resp.StatusCode != tt.status {
				t.Fatalf("%s: status %d\n%s", tt.name, resp.StatusCode, body)
			}
			for _, title := range all {
				if shown := strings.Contains(body, ">"+title+"</a>"); shown != slices.Contains(tt.shown, title) {
					t.Errorf("%s: %s shown %v", tt.name, title, shown)
				}
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("%s: missing %q", tt.name, w)
				}
			}
			// Only the alert without area carries the note.
			if strings.Contains(tt.path, "near=") && tt.status == 200 && strings.Count(body, "Whole area") != 1 {
				t.Errorf("%s: %d whole-area notes", tt.name, strings.Count(body, "Whole area"))
			}
		}
		if _, body := get(t, a.URL+"/alerts"); strings.Contains(body, "Whole area") || strings.Contains(body, "Show all alerts") {
			t.Error("the full list is narrowed")
		}
	})
}
