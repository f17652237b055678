package templates

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/plazahq/plaza/area"
)

// MapView is what the map components show: the area and the districts
// as GeoJSON for the script (see FeatureCollection), the same drawn as
// SVG for readers without it, the tile server and a text description.
type MapView struct {
	// GeoJSON is a FeatureCollection built by FeatureCollection.
	GeoJSON string
	// Outline is area.Draw's drawing; nil draws nothing.
	Outline *area.Outline
	// TileURL is a {z}/{x}/{y} tile template; empty: no tiles.
	TileURL, Attribution string
	// Caption says in words where the area is.
	Caption string
}

// DistrictShape is one of the organization's districts as a map shows it.
type DistrictShape struct {
	ID       int64
	Name     string
	Geometry orb.MultiPolygon
}

// outlineWidth is the width of the SVG drawing's viewBox.
const outlineWidth = 480

// NewMapView builds the GeoJSON and the outline of area a among the
// organization's districts.
func NewMapView(a area.Area, districts []DistrictShape, tileURL, attribution, caption string) MapView {
	named := make([]area.Named, 0, len(districts))
	for _, d := range districts {
		named = append(named, area.Named{Name: d.Name, Geometry: d.Geometry, Chosen: slices.Contains(a.Districts, d.ID)})
	}
	return MapView{
		GeoJSON:     FeatureCollection(a, districts),
		Outline:     area.Draw(a, named, outlineWidth),
		TileURL:     tileURL,
		Attribution: attribution,
		Caption:     caption,
	}
}

// FeatureCollection is the GeoJSON that areamap.js draws: every district
// (properties kind "district", id, name, chosen: whether the area names
// it), then the area's polygons and its circles as Points with a "radius"
// in metres (kind "area", name: the circle's label, if any).
func FeatureCollection(a area.Area, districts []DistrictShape) string {
	fc := geojson.NewFeatureCollection()
	for _, d := range districts {
		var g orb.Geometry = d.Geometry
		if len(d.Geometry) == 1 {
			g = d.Geometry[0]
		}
		f := geojson.NewFeature(g)
		f.Properties["kind"] = "district"
		f.Properties["id"] = d.ID
		f.Properties["name"] = d.Name
		f.Properties["chosen"] = slices.Contains(a.Districts, d.ID)
		fc.Append(f)
	}
	for _, f := range a.GeoJSON(false).Features {
		f.Properties["kind"] = "area"
		f.Properties["chosen"] = true
		if l, ok := f.Properties["label"]; ok {
			f.Properties["name"] = l
		} else {
			f.Properties["name"] = ""
		}
		fc.Append(f)
	}
	return marshalGeoJSON(fc)
}

// ShapesGeoJSON is the area's own shapes (no districts) as the editor's
// area_geojson field holds them; "" when it has none.
func ShapesGeoJSON(a area.Area) string {
	if !a.Shapes() {
		return ""
	}
	return marshalGeoJSON(a.GeoJSON(false))
}

func marshalGeoJSON(fc *geojson.FeatureCollection) string {
	b, err := json.Marshal(fc)
	if err != nil {
		return `{"type":"FeatureCollection","features":[]}`
	}
	return string(b)
}

// geoJSONScript is the data element of a map. The JSON is never run, but
// a "</script>" in a district's name would end the element early, so <,
// > and & are written as JSON escapes (only strings can hold them).
func geoJSONScript(s string) string {
	if s == "" {
		s = `{"type":"FeatureCollection","features":[]}`
	}
	s = strings.NewReplacer("<", `\u003c`, ">", `\u003e`, "&", `\u0026`).Replace(s)
	return `<script type="application/geo+json" class="areamap-data">` + s + `</script>`
}

// StopPoint is a transit stop drawn on a map.
type StopPoint struct {
	ID, Name string
	Lat, Lon float64
}

// WithStops adds a notice's stops to a map's GeoJSON (kind "stop", named
// by id and name), so the editor sees where the ids typed are.
func WithStops(v MapView, stops []StopPoint) MapView {
	if len(stops) == 0 {
		return v
	}
	fc, err := geojson.UnmarshalFeatureCollection([]byte(v.GeoJSON))
	if err != nil {
		fc = geojson.NewFeatureCollection()
	}
	for _, s := range stops {
		f := geojson.NewFeature(orb.Point{s.Lon, s.Lat})
		f.Properties["kind"] = "stop"
		f.Properties["name"] = strings.TrimSpace(s.ID + " " + s.Name)
		fc.Append(f)
	}
	v.GeoJSON = marshalGeoJSON(fc)
	return v
}
