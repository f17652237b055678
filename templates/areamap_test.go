package templates

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/a-h/templ"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/plazahq/plaza/area"
	"github.com/plazahq/plaza/i18n"
)

const evilName = `</script><script>alert(1)</script>`

func square(lon, lat, side float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{lon, lat}, {lon + side, lat}, {lon + side, lat + side}, {lon, lat + side}, {lon, lat}}}}
}

func testDistricts() []DistrictShape {
	return []DistrictShape{
		{ID: 7, Name: "Centre & Harbour", Geometry: square(13.40, 52.50, 0.02)},
		{ID: 9, Name: evilName, Geometry: square(13.42, 52.50, 0.02)},
	}
}

func testArea() area.Area {
	return area.Area{
		Districts: []int64{9},
		Polygons:  orb.MultiPolygon{{{{13.405, 52.505}, {13.415, 52.505}, {13.41, 52.515}, {13.405, 52.505}}}},
		Circles:   []area.Circle{{Lat: 52.51, Lon: 13.43, RadiusM: 300, Label: "stop 42"}},
	}
}

func render(t *testing.T, lang i18n.Lang, cs ...templ.Component) string {
	t.Helper()
	ctx := templ.InitializeContext(WithEnv(context.Background(), &Env{Lang: lang, Static: "v1"}))
	var sb strings.Builder
	for _, c := range cs {
		if err := c.Render(ctx, &sb); err != nil {
			t.Fatal(err)
		}
	}
	return sb.String()
}

// geoData returns the text of the first geo+json script element, read as
// a browser does: up to the first "</script".
func geoData(t *testing.T, html string) string {
	t.Helper()
	const open = `<script type="application/geo+json" class="areamap-data">`
	i := strings.Index(html, open)
	if i < 0 {
		t.Fatalf("no geo+json script in %s", html)
	}
	rest := html[i+len(open):]
	j := strings.Index(strings.ToLower(rest), "</script")
	if j < 0 {
		t.Fatal("geo+json script not closed")
	}
	return rest[:j]
}

func TestFeatureCollection(t *testing.T) {
	fc, err := geojson.UnmarshalFeatureCollection([]byte(FeatureCollection(testArea(), testDistricts())))
	if err != nil {
		t.Fatal(err)
	}
	if len(fc.Features) != 4 {
		t.Fatalf("%d features, want 2 districts, a polygon and a circle", len(fc.Features))
	}
	type want struct {
		kind, name, geom string
		chosen           bool
		id, radius       float64
	}
	for i, w := range []want{
		{"district", "Centre & Harbour", "Polygon", false, 7, 0},
		{"district", evilName, "Polygon", true, 9, 0},
		{"area", "", "Polygon", true, 0, 0},
		{"area", "stop 42", "Point", true, 0, 300},
	} {
		f := fc.Features[i]
		p := f.Properties
		if p["kind"] != w.kind || p["name"] != w.name || p["chosen"] != w.chosen || f.Geometry.GeoJSONType() != w.geom {
			t.Errorf("feature %d: %s %v, want %+v", i, f.Geometry.GeoJSONType(), p, w)
		}
		if w.kind == "district" && p["id"] != w.id {
			t.Errorf("feature %d: id %v, want %v", i, p["id"], w.id)
		}
		if w.radius != 0 && p["radius"] != w.radius {
			t.Errorf("feature %d: radius %v, want %v", i, p["radius"], w.radius)
		}
	}
	// The editor's field reads back as the same shapes.
	a, err := area.FromGeoJSON([]byte(ShapesGeoJSON(testArea())))
	if err != nil || len(a.Polygons) != 1 || len(a.Circles) != 1 || a.Circles[0].RadiusM != 300 {
		t.Errorf("ShapesGeoJSON reads back as %+v, %v", a, err)
	}
	if s := ShapesGeoJSON(area.Area{Districts: []int64{1}}); s != "" {
		t.Errorf("ShapesGeoJSON of districts only = %q, want empty", s)
	}
}

func TestAreaMapShow(t *testing.T) {
	m := NewMapView(testArea(), testDistricts(), "https://tiles.example/{z}/{x}/{y}.png", "© Map <contributors>", "Around the harbour")
	// Two maps on one page load Leaflet once.
	html := render(t, i18n.EN, AreaMapShow(m), AreaMapShow(m))

	data := geoData(t, html)
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal([]byte(data), &fc); err != nil {
		t.Fatalf("geo+json script does not hold the whole JSON (%v): %s", err, data)
	}
	if got := fc.Features[1].Properties["name"]; got != evilName {
		t.Errorf("district name in the data = %q, want %q", got, evilName)
	}
	if strings.Contains(html, "<script>alert") {
		t.Error("a district's name breaks out of the script element")
	}
	for _, s := range []string{
		`<figure class="areamap" data-areamap="show" data-tiles="https://tiles.example/{z}/{x}/{y}.png" data-attribution="© Map &lt;contributors&gt;"`,
		`<svg class="areamap-outline"`, `role="img" aria-label="Outline of the area among the districts"`,
		`<title>Outline of the area among the districts</title>`,
		`<path class="areamap-district" d="M`, `<path class="areamap-district chosen" d="M`,
		`<path class="areamap-shape" d="M`,
		`>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</text>`, `>Centre &amp; Harbour</text>`,
		`<figcaption>Around the harbour</figcaption>`,
		`<link rel="stylesheet" href="/static/vendor/leaflet/leaflet.css?v=v1">`,
		`<script src="/static/vendor/leaflet/leaflet.js?v=v1" defer></script>`,
		`<script src="/static/js/areamap.js?v=v1" defer></script>`,
	} {
		if !strings.Contains(html, s) {
			t.Errorf("no %s in\n%s", s, html)
		}
	}
	if n := strings.Count(html, "leaflet.js"); n != 1 {
		t.Errorf("leaflet.js included %d times", n)
	}
	if n := strings.Count(html, `class="areamap-shape"`); n != 4 {
		t.Errorf("%d shapes drawn, want a polygon and a circle on each map", n)
	}
	if strings.Contains(html, "style=") {
		t.Error("inline style in the markup (the CSP refuses it)")
	}

	// No districts, no shapes: no drawing, still the caption.
	html = render(t, i18n.EN, AreaMapShow(NewMapView(area.Area{}, nil, "", "", "Everywhere")))
	if strings.Contains(html, "<svg") || !strings.Contains(html, "<figcaption>Everywhere</figcaption>") || !strings.Contains(html, `data-tiles=""`) || strings.Contains(html, "leaflet") {
		t.Errorf("empty map: %s", html)
	}
}

func TestAreaMapEdit(t *testing.T) {
	a := testArea()
	m := NewMapView(a, testDistricts(), "", "", "")
	html := render(t, i18n.EN, AreaMapEdit(m, ShapesGeoJSON(a)))
	for _, s := range []string{
		`data-areamap="edit"`, `data-label-polygon="Draw polygon"`, `data-label-finish="Finish"`,
		`data-label-undo="Undo point"`, `data-label-circle="Draw circle"`, `data-label-radius="Radius (m)"`,
		`data-label-center="Add point at map centre"`, `data-label-clear="Clear shapes"`,
		`data-msg-points="Points in the polygon: %d"`, `data-msg-circle="Circle, radius %d m"`,
		`<label for="f-area-geojson">`, `<textarea id="f-area-geojson" name="area_geojson"`,
		`&#34;type&#34;:&#34;FeatureCollection&#34;}</textarea>`, `aria-live="polite"`,
		`<path class="areamap-shape"`,
	} {
		if !strings.Contains(html, s) {
			t.Errorf("no %s in\n%s", s, html)
		}
	}
	if strings.Contains(geoData(t, html), "<") {
		t.Error("a < in the geo+json data")
	}

	// Translated for the reader: Arabic labels.
	html = render(t, i18n.Lang("ar"), AreaMapEdit(m, ""))
	if !strings.Contains(html, `data-label-polygon="رسم مضلع"`) {
		t.Errorf("no Arabic label in %s", html)
	}
}

func TestAreaMapPick(t *testing.T) {
	m := NewMapView(area.Area{}, testDistricts(), "https://tiles.example/{z}/{x}/{y}.png", "", "")
	html := render(t, i18n.EN, AreaMapPick(m, "52.512", "13.401"))
	for _, s := range []string{
		`data-areamap="pick"`, `data-lat-name="place_lat"`, `data-lon-name="place_lon"`,
		`data-label-locate="Use my location"`, `data-msg-place="Place set: %s, %s"`,
		`<label for="f-place-lat">Latitude</label>`, `<input type="number" id="f-place-lat" name="place_lat" value="52.512"`,
		`<label for="f-place-lon">Longitude</label>`, `<input type="number" id="f-place-lon" name="place_lon" value="13.401"`,
		`<path class="areamap-district" d="M`,
	} {
		if !strings.Contains(html, s) {
			t.Errorf("no %s in\n%s", s, html)
		}
	}
}

func TestWithStops(t *testing.T) {
	v := NewMapView(area.Area{}, nil, "", "", "")
	v = WithStops(v, []StopPoint{{ID: "1042", Name: "Harbour Road", Lat: 22.279, Lon: 114.172}})
	fc, err := geojson.UnmarshalFeatureCollection([]byte(v.GeoJSON))
	if err != nil || len(fc.Features) != 1 {
		t.Fatalf("%s: %v", v.GeoJSON, err)
	}
	f := fc.Features[0]
	if f.Properties["kind"] != "stop" || f.Properties["name"] != "1042 Harbour Road" || f.Geometry.(orb.Point) != (orb.Point{114.172, 22.279}) {
		t.Fatalf("stop feature %+v", f)
	}
}
