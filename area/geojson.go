package area

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
)

// Meets says whether the area's shapes have a point in common with the
// multipolygon m (a district): a drawn polygon crossing a district
// reaches the people who chose that district.
func (a Area) Meets(m orb.MultiPolygon) bool {
	for _, p := range a.Polygons {
		if polygonsMeet(p, m) {
			return true
		}
	}
	for _, c := range a.Circles {
		if circleMeets(c, m) {
			return true
		}
	}
	return false
}

func polygonsMeet(p orb.Polygon, m orb.MultiPolygon) bool {
	if !p.Bound().Intersects(m.Bound()) {
		return false
	}
	for _, q := range m {
		if len(p) == 0 || len(q) == 0 || len(p[0]) == 0 || len(q[0]) == 0 {
			continue
		}
		if planar.PolygonContains(q, p[0][0]) || planar.PolygonContains(p, q[0][0]) {
			return true
		}
		for _, r := range p {
			for _, s := range q {
				for i := 0; i+1 < len(r); i++ {
					for j := 0; j+1 < len(s); j++ {
						if segmentsTouch(r[i], r[i+1], s[j], s[j+1]) {
							return true
						}
					}
				}
			}
		}
	}
	return false
}

func circleMeets(c Circle, m orb.MultiPolygon) bool {
	if !c.Bound().Intersects(m.Bound()) {
		return false
	}
	if planar.MultiPolygonContains(m, c.Center()) {
		return true
	}
	for _, q := range m {
		for _, r := range q {
			for i := 0; i+1 < len(r); i++ {
				if metresToSegment(c.Center(), r[i], r[i+1]) <= c.RadiusM {
					return true
				}
			}
		}
	}
	return false
}

// metresToSegment is the distance from p to segment ab, on a plane
// scaled at p's latitude: exact enough within a city.
func metresToSegment(p, a, b orb.Point) float64 {
	const m = 111_320.0
	k := math.Cos(p[1] * math.Pi / 180)
	ax, ay := (a[0]-p[0])*k*m, (a[1]-p[1])*m
	bx, by := (b[0]-p[0])*k*m, (b[1]-p[1])*m
	dx, dy := bx-ax, by-ay
	t := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		t = math.Max(0, math.Min(1, -(ax*dx+ay*dy)/l))
	}
	x, y := ax+t*dx, ay+t*dy
	return math.Hypot(x, y)
}

// FromGeoJSON reads shapes pasted or drawn as GeoJSON: a FeatureCollection,
// a Feature or a bare geometry; Polygon and MultiPolygon become polygons,
// a Point with a "radius" property (metres) a circle. Anything else is
// refused, and so is a file that is not GeoJSON.
func FromGeoJSON(b []byte) (Area, error) {
	var a Area
	var probe struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return a, problem("area.err_geojson", jsonError(err))
	}
	var feats []*geojson.Feature
	switch probe.Type {
	case "FeatureCollection":
		fc, err := geojson.UnmarshalFeatureCollection(b)
		if err != nil {
			return a, problem("area.err_geojson", err.Error())
		}
		feats = fc.Features
	case "Feature":
		f, err := geojson.UnmarshalFeature(b)
		if err != nil {
			return a, problem("area.err_geojson", err.Error())
		}
		feats = []*geojson.Feature{f}
	default:
		g, err := geojson.UnmarshalGeometry(b)
		if err != nil {
			return a, problem("area.err_geojson", err.Error())
		}
		feats = []*geojson.Feature{geojson.NewFeature(g.Geometry())}
	}
	for _, f := range feats {
		if f == nil || f.Geometry == nil {
			return a, problem("area.err_geojson", "a feature without geometry")
		}
		switch g := f.Geometry.(type) {
		case orb.Polygon:
			a.Polygons = append(a.Polygons, g)
		case orb.MultiPolygon:
			a.Polygons = append(a.Polygons, g...)
		case orb.Point:
			r, _ := f.Properties["radius"].(float64)
			if r == 0 {
				return a, problem("area.err_point_radius")
			}
			label, _ := f.Properties["label"].(string)
			a.Circles = append(a.Circles, Circle{Lat: g[1], Lon: g[0], RadiusM: r, Label: label})
		default:
			return a, problem("area.err_geometry_type", f.Geometry.GeoJSONType())
		}
	}
	return a, nil
}

func jsonError(err error) string {
	if se, ok := err.(*json.SyntaxError); ok {
		return fmt.Sprintf("%s (byte %d)", se.Error(), se.Offset)
	}
	return err.Error()
}

// GeoJSON is the area's shapes as a FeatureCollection, circles as Points
// with a "radius" in metres (what FromGeoJSON reads back) or, with
// polygonal, as 64-sided polygons for consumers that know no circles.
func (a Area) GeoJSON(polygonal bool) *geojson.FeatureCollection {
	fc := geojson.NewFeatureCollection()
	for _, p := range a.Polygons {
		fc.Append(geojson.NewFeature(p))
	}
	for _, c := range a.Circles {
		var f *geojson.Feature
		if polygonal {
			f = geojson.NewFeature(c.Polygon(64))
			f.Properties["radius_m"] = c.RadiusM
			f.Properties["center"] = []float64{c.Lon, c.Lat}
		} else {
			f = geojson.NewFeature(c.Center())
			f.Properties["radius"] = c.RadiusM
		}
		if c.Label != "" {
			f.Properties["label"] = c.Label
		}
		fc.Append(f)
	}
	return fc
}

// ParseDistricts reads a GeoJSON FeatureCollection of districts: each
// feature a Polygon or MultiPolygon with a name (property "name", or the
// first string property) and an optional code ("code", "id" or the
// feature's id).
func ParseDistricts(b []byte) ([]District, error) {
	fc, err := geojson.UnmarshalFeatureCollection(b)
	if err != nil {
		var probe any
		if jerr := json.Unmarshal(b, &probe); jerr != nil {
			return nil, problem("area.err_geojson", jsonError(jerr))
		}
		return nil, problem("area.err_geojson", err.Error())
	}
	if len(fc.Features) == 0 {
		return nil, problem("area.err_no_features")
	}
	var out []District
	seen := map[string]bool{}
	for i, f := range fc.Features {
		var m orb.MultiPolygon
		switch g := f.Geometry.(type) {
		case orb.Polygon:
			m = orb.MultiPolygon{g}
		case orb.MultiPolygon:
			m = g
		case nil:
			return nil, problem("area.err_feature_geometry", i+1, "none")
		default:
			return nil, problem("area.err_feature_geometry", i+1, g.GeoJSONType())
		}
		for j, p := range m {
			if err := ValidatePolygon(p, MaxDistrictVertices); err != nil {
				pr := err.(*Problem)
				inner := &Problem{Key: pr.Key, Args: append([]any{j + 1}, pr.Args...)}
				return nil, &Problem{Key: "area.err_feature", Args: []any{i + 1, inner}}
			}
		}
		d := District{Geometry: m, Name: stringProp(f.Properties, "name", "NAME", "Name"), Code: stringProp(f.Properties, "code", "CODE", "id")}
		if d.Name == "" {
			for _, v := range f.Properties {
				if s, ok := v.(string); ok && s != "" {
					d.Name = s
					break
				}
			}
		}
		if d.Code == "" {
			if s, ok := f.ID.(string); ok {
				d.Code = s
			} else if n, ok := f.ID.(float64); ok {
				d.Code = fmt.Sprint(n)
			}
		}
		if d.Name == "" {
			return nil, problem("area.err_feature_name", i+1)
		}
		if d.Code == "" {
			d.Code = fmt.Sprint(i + 1)
		}
		// Text a database can store and index: PostgreSQL refuses NUL,
		// and a code is in a unique index.
		if strings.ContainsRune(d.Name, 0) || strings.ContainsRune(d.Code, 0) {
			return nil, problem("area.err_feature_nul", i+1)
		}
		if utf8.RuneCountInString(d.Name) > MaxDistrictName || utf8.RuneCountInString(d.Code) > MaxDistrictCode {
			return nil, problem("area.err_feature_long", i+1, MaxDistrictName, MaxDistrictCode)
		}
		if seen[d.Code] {
			return nil, problem("area.err_feature_code", i+1, d.Code)
		}
		seen[d.Code] = true
		out = append(out, d)
	}
	if len(out) > MaxDistricts {
		return nil, problem("area.err_too_many_districts", MaxDistricts)
	}
	return out, nil
}

// Limits on an imported file of districts.
const (
	MaxDistricts        = 500
	MaxDistrictVertices = 5_000
	// MaxDistrictName and MaxDistrictCode are in characters.
	MaxDistrictName = 200
	MaxDistrictCode = 100
)

// District is a named polygon of an organization, as read from a file.
type District struct {
	Code     string
	Name     string
	Geometry orb.MultiPolygon
}

func stringProp(p geojson.Properties, keys ...string) string {
	for _, k := range keys {
		switch v := p[k].(type) {
		case string:
			return v
		case float64:
			return fmt.Sprint(v)
		}
	}
	return ""
}
