package templates

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"github.com/plazahq/plaza/area"
)

// AreaForm is the area section of the notice and project editors.
type AreaForm struct {
	// Districts are the organization's, to tick (area_district).
	Districts []DistrictShape
	Chosen    map[int64]bool
	// GeoJSON is the drawn or pasted shapes (area_geojson).
	GeoJSON string
	Map     MapView
}

// AreaText says in words where an area is: the districts by name, each
// drawn shape by its size and centre, each circle by its radius and
// centre. It is the map for readers who do not see it.
func AreaText(ctx context.Context, a area.Area, districts []DistrictShape) string {
	var parts []string
	var names []string
	for _, d := range districts {
		if slices.Contains(a.Districts, d.ID) {
			names = append(names, d.Name)
		}
	}
	if len(names) > 0 {
		parts = append(parts, t(ctx, "area.text_districts", strings.Join(names, listSep(ctx, false))))
	}
	for _, p := range a.Polygons {
		w, h, lat, lon, _ := area.Area{Polygons: orb.MultiPolygon{p}}.Extent()
		parts = append(parts, t(ctx, "area.text_polygon", km(w), km(h), deg(lat), deg(lon)))
	}
	for _, c := range a.Circles {
		if c.Label != "" {
			parts = append(parts, t(ctx, "area.text_stop", distance(ctx, c.RadiusM), c.Label))
			continue
		}
		parts = append(parts, t(ctx, "area.text_circle", distance(ctx, c.RadiusM), deg(c.Lat), deg(c.Lon)))
	}
	if len(parts) == 0 {
		return t(ctx, "area.text_none")
	}
	return strings.Join(parts, listSep(ctx, true))
}

func km(v float64) string {
	if v < 10 {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

func deg(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }

// distance is a radius in metres, or in kilometres from 1 km.
func distance(ctx context.Context, m float64) string {
	if m < 1000 {
		return t(ctx, "area.metres", strconv.FormatFloat(m, 'f', 0, 64))
	}
	return t(ctx, "area.kilometres", km(m/1000))
}

// listSep separates the items of a list (parts: the clauses of a
// sentence) as the reader's language writes it. Messages cannot hold
// the spaces these need.
func listSep(ctx context.Context, parts bool) string {
	switch l := string(lang(ctx)); {
	case strings.HasPrefix(l, "zh"):
		if parts {
			return "；"
		}
		return "、"
	case l == "ar":
		if parts {
			return "؛ "
		}
		return "، "
	}
	if parts {
		return "; "
	}
	return ", "
}
