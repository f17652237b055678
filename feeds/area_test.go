package feeds

import (
	"encoding/json"
	"encoding/xml"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"

	"github.com/plazahq/plaza/area"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/district"
)

func square(lon0, lat0, lon1, lat1 float64) orb.Polygon {
	return orb.Polygon{{{lon0, lat0}, {lon1, lat0}, {lon1, lat1}, {lon0, lat1}, {lon0, lat0}}}
}

// Two districts of organization 1: North (two parts) and South.
var (
	north = district.Shape{District: models.District{ID: 31, OrganizationID: 1, Code: "N", Name: "North",
		Translations: models.Texts("zh-Hans", "name", "北区")},
		Polygons: orb.MultiPolygon{square(114.10, 22.30, 114.12, 22.32), square(114.13, 22.30, 114.14, 22.31)}}
	south = district.Shape{District: models.District{ID: 32, OrganizationID: 1, Code: "S", Name: "South"},
		Polygons: orb.MultiPolygon{square(114.10, 22.28, 114.12, 22.30)}}
)

// A notice with a polygon (with a hole), a circle and two districts.
func withArea() *models.Notice {
	n := typhoon()
	poly := square(114.0123456789, 22.2, 114.05, 22.25)
	poly = append(poly, orb.Ring{{114.02, 22.21}, {114.02, 22.22}, {114.03, 22.22}, {114.02, 22.21}})
	n.Area = area.Area{Districts: []int64{31, 32}, Polygons: orb.MultiPolygon{poly},
		Circles: []area.Circle{{Lat: 22.3, Lon: 114.17, RadiusM: 1500}}}.String()
	return n
}

// capPolygon matches CAP 1.2's polygon: at least four "lat,lon" pairs.
var capPolygon = regexp.MustCompile(`^-?\d+(\.\d+)?,-?\d+(\.\d+)?( -?\d+(\.\d+)?,-?\d+(\.\d+)?){3,}$`)

func pairs(t *testing.T, s string) []orb.Point {
	t.Helper()
	var out []orb.Point
	for _, p := range strings.Fields(s) {
		lat, lon, _ := strings.Cut(p, ",")
		y, err1 := strconv.ParseFloat(lat, 64)
		x, err2 := strconv.ParseFloat(lon, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("pair %q", p)
		}
		out = append(out, orb.Point{x, y})
	}
	return out
}

func TestCAPArea(t *testing.T) {
	acc := *account
	for _, geocode := range []string{"", "HK-DISTRICT"} {
		acc.OrgGeocodeName = geocode
		doc, err := CAP(site, &acc, withArea(), broadcasts("publish"), []district.Shape{north, south})
		if err != nil {
			t.Fatal(err)
		}
		validate(t, doc)
		var got capAlert
		if err := xml.Unmarshal(doc, &got); err != nil {
			t.Fatal(err)
		}
		if len(got.Info) != 2 {
			t.Fatalf("infos: %d", len(got.Info))
		}
		for _, info := range got.Info {
			ar := info.Area
			// The polygon's outer ring, then the districts' three outer rings.
			if ar == nil || ar.AreaDesc != "Whole city <coast>" || len(ar.Polygon) != 4 || len(ar.Circle) != 1 || len(ar.Geocode) != 2 {
				t.Fatalf("area = %+v", ar)
			}
			for _, p := range ar.Polygon {
				if !capPolygon.MatchString(p) {
					t.Fatalf("polygon %q is not CAP's form", p)
				}
				pts := pairs(t, p)
				if pts[0] != pts[len(pts)-1] {
					t.Fatalf("polygon %q is not closed", p)
				}
			}
			// Latitude first, 6 decimals at most.
			if p := pairs(t, ar.Polygon[0]); len(p) != 5 || p[0] != (orb.Point{114.012346, 22.2}) || p[1] != (orb.Point{114.05, 22.2}) {
				t.Fatalf("polygon = %q", ar.Polygon[0])
			}
			if ar.Polygon[1] != "22.3,114.1 22.3,114.12 22.32,114.12 22.32,114.1 22.3,114.1" ||
				ar.Polygon[3] != "22.28,114.1 22.28,114.12 22.3,114.12 22.3,114.1 22.28,114.1" {
				t.Fatalf("district polygons = %q", ar.Polygon[1:])
			}
			// The radius in kilometres.
			if ar.Circle[0] != "22.3,114.17 1.5" {
				t.Fatalf("circle = %q", ar.Circle[0])
			}
			want := geocode
			if want == "" {
				want = "PLAZA-DISTRICT"
			}
			if ar.Geocode[0] != (capGeocode{want, "N"}) || ar.Geocode[1] != (capGeocode{want, "S"}) {
				t.Fatalf("geocodes = %+v", ar.Geocode)
			}
		}
		// The schema's order inside <area>.
		s := string(doc)
		i, j, k := strings.Index(s, "<areaDesc>"), strings.Index(s, "<polygon>"), strings.Index(s, "<circle>")
		if l := strings.Index(s, "<geocode>"); !(i < j && j < k && k < l) {
			t.Fatalf("order in <area>:\n%s", s)
		}
	}

	// No description: the districts' names in each language.
	n := withArea()
	n.AreaDesc = ""
	doc, err := CAP(site, account, n, broadcasts("publish"), []district.Shape{north, south})
	if err != nil {
		t.Fatal(err)
	}
	validate(t, doc)
	var got capAlert
	if err := xml.Unmarshal(doc, &got); err != nil {
		t.Fatal(err)
	}
	if got.Info[0].Area.AreaDesc != "North, South" || got.Info[1].Area.AreaDesc != "北区, South" {
		t.Fatalf("areaDesc = %q, %q", got.Info[0].Area.AreaDesc, got.Info[1].Area.AreaDesc)
	}
	// Shapes alone, no description: the headline.
	n.Area = area.Area{Circles: []area.Circle{{Lat: 22.3, Lon: 114.17, RadiusM: 250}}}.String()
	doc, _ = CAP(site, account, n, broadcasts("publish"), nil)
	validate(t, doc)
	if !strings.Contains(string(doc), "<areaDesc>Typhoon signal 8 &amp; rising</areaDesc>") || !strings.Contains(string(doc), "<circle>22.3,114.17 0.25</circle>") {
		t.Fatalf("shapes only:\n%s", doc)
	}
	// No area at all: no <area>.
	n.Area = ""
	doc, _ = CAP(site, account, n, broadcasts("publish"), nil)
	validate(t, doc)
	if strings.Contains(string(doc), "<area>") {
		t.Fatalf("an area without any:\n%s", doc)
	}
}

func TestAlertsGeoJSON(t *testing.T) {
	storm := models.Alert{Notice: *withArea(), Handle: "citysafety", OrganizationID: 1}
	everywhere := models.Alert{Notice: *typhoon(), Handle: "citysafety", OrganizationID: 1}
	everywhere.ID, everywhere.Kind, everywhere.Severity, everywhere.AreaDesc = 8, models.NoticeTransit, "", ""
	// A district of another organization is not drawn.
	other := models.Alert{Notice: *typhoon(), Handle: "other", OrganizationID: 2}
	other.ID, other.Area = 9, area.Area{Districts: []int64{31}}.String()
	atlas := district.Atlas{31: north, 32: south}
	body, err := AlertsGeoJSON(site, []models.Alert{storm, everywhere, other}, atlas)
	if err != nil {
		t.Fatal(err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(body)
	if err != nil || len(fc.Features) != 3 {
		t.Fatalf("collection: %v, %s", err, body)
	}
	f := fc.Features[0]
	m, ok := f.Geometry.(orb.MultiPolygon)
	// The polygon, the circle's 64-gon, North's two parts and South.
	if !ok || len(m) != 5 || len(m[0]) != 2 || len(m[1][0]) != 65 {
		t.Fatalf("geometry = %#v", f.Geometry)
	}
	// RFC 7946's right-hand rule: outer rings counterclockwise, holes
	// clockwise.
	for i, p := range m {
		for j, r := range p {
			if (j == 0) != (r.Orientation() == orb.CCW) {
				t.Errorf("polygon %d ring %d turns %v", i, j, r.Orientation())
			}
		}
	}
	for _, pt := range []orb.Point{{114.03, 22.24}, {114.17, 22.305}, {114.135, 22.305}, {114.11, 22.29}} {
		if !planar.MultiPolygonContains(m, pt) {
			t.Errorf("%v is outside the feature", pt)
		}
	}
	for _, pt := range []orb.Point{{114.025, 22.218}, {114.17, 22.32}, {114.2, 22.2}} {
		if planar.MultiPolygonContains(m, pt) {
			t.Errorf("%v is inside the feature", pt)
		}
	}
	p := f.Properties
	if p.MustInt("id") != 7 || p.MustString("title") != "Typhoon signal 8 & rising" || p.MustString("account") != "citysafety" ||
		p.MustString("kind") != "safety" || p.MustString("severity") != "Severe" || p.MustString("urgency") != "Immediate" ||
		p.MustString("certainty") != "Observed" || p.MustString("effective") != "2026-11-23T08:00:00Z" || p.MustString("expires") != "2026-11-24T08:00:00Z" ||
		p.MustString("url") != "https://plaza.example.org/@citysafety/notices/7" || p.MustString("area_description") != "Whole city <coast>" {
		t.Fatalf("properties = %v", p)
	}
	// Without a response or instructions: an empty list and null.
	if rt, _ := json.Marshal(p["response_types"]); string(rt) != `[]` || p["instruction"] != nil {
		t.Fatalf("what to do = %s, %v", rt, p["instruction"])
	}
	if ds, _ := json.Marshal(p["districts"]); string(ds) != `["North","South"]` {
		t.Fatalf("districts = %s", ds)
	}
	// Coordinates to 6 decimals.
	if !strings.Contains(string(body), "[114.012346,22.2]") {
		t.Fatalf("rounding: %s", body)
	}
	if g := fc.Features[1]; g.Geometry != nil || g.Properties["severity"] != nil || g.Properties["area_description"] != nil || g.Properties.MustString("kind") != "transit" {
		t.Fatalf("alert without area = %#v", g)
	}
	if !strings.Contains(string(body), `"geometry":null`) {
		t.Fatalf("null geometry: %s", body)
	}
	if g := fc.Features[2]; g.Geometry != nil || len(g.Properties["districts"].([]any)) != 0 {
		t.Fatalf("another organization's district = %#v", g)
	}
}
