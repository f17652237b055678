package feeds

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/plazahq/plaza/area"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/district"
)

// GeoJSONContentType is the media type of GeoJSON (RFC 7946).
const GeoJSONContentType = "application/geo+json"

// circleSides is how many sides a circle's polygon has in GeoJSON, which
// knows no circles.
const circleSides = 64

// AlertGeometry is where an alert applies as one MultiPolygon: its
// polygons, its circles as 64-sided polygons and its districts'
// polygons, coordinates rounded to 6 decimals; nil without any.
func AlertGeometry(a area.Area, districts []district.Shape) orb.Geometry {
	var m orb.MultiPolygon
	m = append(m, a.Polygons...)
	for _, c := range a.Circles {
		m = append(m, c.Polygon(circleSides))
	}
	for _, d := range districts {
		m = append(m, d.Polygons...)
	}
	if len(m) == 0 {
		return nil
	}
	m = m.Clone()
	for _, p := range m {
		rightHand(p)
	}
	return orb.Round(m, 1e6)
}

// rightHand turns p's rings as RFC 7946 asks: the outer ring
// counterclockwise, holes clockwise (a circle's polygon goes clockwise,
// a drawn one either way).
func rightHand(p orb.Polygon) {
	for i, r := range p {
		if want := orb.CCW; (i == 0) != (r.Orientation() == want) {
			r.Reverse()
		}
	}
}

// AlertsGeoJSON renders alerts in force as a GeoJSON FeatureCollection:
// one Feature per alert, its geometry where it applies (null for an
// alert of the whole area, which map apps can still list), its
// properties what a map shows beside it. atlas holds the districts of
// the alerts' organizations.
func AlertsGeoJSON(site Site, alerts []models.Alert, atlas district.Atlas) ([]byte, error) {
	fc := geojson.NewFeatureCollection()
	for i := range alerts {
		al := &alerts[i]
		ds := atlas.Of(al.OrganizationID, area.MustParse(al.Area))
		f := geojson.NewFeature(AlertGeometry(area.MustParse(al.Area), ds))
		f.ID = al.ID
		names := make([]string, len(ds))
		for j := range ds {
			names[j] = ds[j].NameIn(al.DefaultLang)
		}
		f.Properties = geojson.Properties{
			"id":               al.ID,
			"title":            al.Title(al.DefaultLang),
			"lang":             al.Language(al.DefaultLang),
			"account":          al.Handle,
			"kind":             al.Kind,
			"severity":         orNull(al.Severity),
			"urgency":          orNull(al.Urgency),
			"certainty":        orNull(al.Certainty),
			"response_types":   nonNilList(al.ResponseTypeList()),
			"instruction":      orNull(al.Instruction(al.DefaultLang)),
			"effective":        timeOrNull(al.EffectiveAt),
			"expires":          timeOrNull(al.ExpiresAt),
			"url":              site.NoticeURL(al.Handle, al.ID),
			"area_description": orNull(al.AreaDesc),
			"districts":        names,
		}
		fc.Append(f)
	}
	body, err := json.Marshal(fc)
	if err != nil {
		return nil, fmt.Errorf("alerts geojson: %w", err)
	}
	return body, nil
}

// nonNilList is l, or [] for none: a list property is always a list.
func nonNilList(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func orNull(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func timeOrNull(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}
