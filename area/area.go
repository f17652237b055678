// Package area is the geometry of where a notice or a project applies and
// where a follower lives: polygons, circles and named districts, checked
// before they are stored, and turned into grid cells so that the audience
// of an area is chosen by SQL joins on integer columns, on SQLite as on
// PostgreSQL, with no spatial extension.
//
// Coordinates are WGS 84 degrees. Polygons use the plane of longitude and
// latitude (github.com/paulmach/orb/planar), which is what a city-sized
// shape drawn on a web map means; circles use great-circle distance.
package area

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"
)

// Limits on what an editor may draw or paste.
const (
	MaxVertices = 1000
	MaxShapes   = 20
	MinRadiusM  = 10
	MaxRadiusM  = 500_000
	// StopRadiusM is how far around an affected stop a transit notice's
	// area reaches when it is built from the stops.
	StopRadiusM = 300
)

// Circle is a centre and a radius in metres.
type Circle struct {
	Lat     float64 `json:"lat"`
	Lon     float64 `json:"lon"`
	RadiusM float64 `json:"radius_m"`
	// Label names what the circle stands for (a stop's ID), if anything.
	Label string `json:"label,omitempty"`
}

// Center is the circle's centre as an orb point (lon, lat).
func (c Circle) Center() orb.Point { return orb.Point{c.Lon, c.Lat} }

// Contains says whether a point is within the circle, its edge included.
func (c Circle) Contains(lat, lon float64) bool {
	return geo.DistanceHaversine(c.Center(), orb.Point{lon, lat}) <= c.RadiusM
}

// Polygon approximates the circle with n vertices, for formats without
// circles (GeoJSON) and for drawing.
func (c Circle) Polygon(n int) orb.Polygon {
	r := make(orb.Ring, 0, n+1)
	for i := range n {
		r = append(r, geo.PointAtBearingAndDistance(c.Center(), 360*float64(i)/float64(n), c.RadiusM))
	}
	return orb.Polygon{append(r, r[0])}
}

// Bound is the box around the circle.
func (c Circle) Bound() orb.Bound { return geo.NewBoundAroundPoint(c.Center(), c.RadiusM) }

// Area is where something applies: named districts of the organization
// (by id), polygons drawn or pasted, and circles. The zero Area is
// "nowhere in particular": everyone.
type Area struct {
	Districts []int64          `json:"districts,omitempty"`
	Polygons  orb.MultiPolygon `json:"polygons,omitempty"`
	Circles   []Circle         `json:"circles,omitempty"`
}

// IsZero says the area names no place.
func (a Area) IsZero() bool {
	return len(a.Districts) == 0 && len(a.Polygons) == 0 && len(a.Circles) == 0
}

// Shapes says whether the area has geometry of its own (beyond districts).
func (a Area) Shapes() bool { return len(a.Polygons) > 0 || len(a.Circles) > 0 }

// Parse reads an area as Marshal writes it; "" is the zero area.
func Parse(s string) (Area, error) {
	var a Area
	if s == "" {
		return a, nil
	}
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		return Area{}, fmt.Errorf("area: %w", err)
	}
	return a, nil
}

// MustParse is Parse for stored areas, which were checked on the way in:
// a row that cannot be read counts as no area.
func MustParse(s string) Area {
	a, err := Parse(s)
	if err != nil {
		return Area{}
	}
	return a
}

// String is the stored form: compact JSON, "" for the zero area.
func (a Area) String() string {
	if a.IsZero() {
		return ""
	}
	b, _ := json.Marshal(a)
	return string(b)
}

// Contains says whether a point is in the area's own shapes (districts
// are the caller's: their geometry is stored apart).
func (a Area) Contains(lat, lon float64) bool {
	if planar.MultiPolygonContains(a.Polygons, orb.Point{lon, lat}) {
		return true
	}
	for _, c := range a.Circles {
		if c.Contains(lat, lon) {
			return true
		}
	}
	return false
}

// Bound is the box around the area's shapes; ok is false without any.
func (a Area) Bound() (b orb.Bound, ok bool) {
	for _, p := range a.Polygons {
		b, ok = extend(b, ok, p.Bound())
	}
	for _, c := range a.Circles {
		b, ok = extend(b, ok, c.Bound())
	}
	return b, ok
}

func extend(b orb.Bound, ok bool, more orb.Bound) (orb.Bound, bool) {
	if !ok {
		return more, true
	}
	return b.Union(more), true
}

// Normalize sorts and dedupes the districts, so that equal areas store
// and hash alike.
func (a Area) Normalize() Area {
	a.Districts = slices.Clone(a.Districts)
	slices.Sort(a.Districts)
	a.Districts = slices.Compact(a.Districts)
	return a
}

// Problem is one reason an area is refused, as a message key and its
// arguments, so that forms and the API can say it in the reader's
// language.
type Problem struct {
	Key  string
	Args []any
}

func (p *Problem) Error() string { return fmt.Sprintf("%s %v", p.Key, p.Args) }

func problem(key string, args ...any) error { return &Problem{Key: key, Args: args} }

// Validate checks the area's shapes: closed rings of at least four
// points, no ring crossing itself, coordinates on the globe, at most
// MaxVertices per polygon and MaxShapes shapes, radii within bounds.
func (a Area) Validate() error {
	if len(a.Polygons)+len(a.Circles) > MaxShapes {
		return problem("area.err_too_many_shapes", MaxShapes)
	}
	for i, p := range a.Polygons {
		if err := ValidatePolygon(p, MaxVertices); err != nil {
			var pr *Problem
			if errors.As(err, &pr) {
				return &Problem{Key: pr.Key, Args: append([]any{i + 1}, pr.Args...)}
			}
			return err
		}
	}
	for i, c := range a.Circles {
		if !onGlobe(orb.Point{c.Lon, c.Lat}) {
			return problem("area.err_circle_centre", i+1)
		}
		if math.IsNaN(c.RadiusM) || c.RadiusM < MinRadiusM || c.RadiusM > MaxRadiusM {
			return problem("area.err_circle_radius", i+1, MinRadiusM, MaxRadiusM/1000)
		}
	}
	return nil
}

// ValidatePolygon checks one polygon (outer ring and holes) of at most
// max vertices. Its problems carry the polygon's number first when
// Validate reports them, so each key takes it as its first argument.
func ValidatePolygon(p orb.Polygon, max int) error {
	if len(p) == 0 {
		return problem("area.err_ring_short")
	}
	n := 0
	for _, r := range p {
		n += len(r)
		if len(r) < 4 {
			return problem("area.err_ring_short")
		}
		for _, pt := range r {
			if !onGlobe(pt) {
				return problem("area.err_coordinates", pt[1], pt[0])
			}
		}
		if r[0] != r[len(r)-1] {
			return problem("area.err_ring_open")
		}
		if selfIntersects(r) {
			return problem("area.err_ring_crosses")
		}
	}
	if n > max {
		return problem("area.err_too_many_vertices", max)
	}
	return nil
}

func onGlobe(p orb.Point) bool {
	return !math.IsNaN(p[0]) && !math.IsNaN(p[1]) && p[1] >= -90 && p[1] <= 90 && p[0] >= -180 && p[0] <= 180
}

// selfIntersects says whether two edges of a closed ring touch anywhere
// but at the vertex they share. Quadratic: rings have at most
// MaxVertices points.
func selfIntersects(r orb.Ring) bool {
	n := len(r) - 1 // edges
	if n < 3 {
		return true
	}
	for i := range n {
		a1, a2 := r[i], r[i+1]
		if a1 == a2 {
			return true // a repeated point makes a zero-length edge
		}
		for j := i + 1; j < n; j++ {
			b1, b2 := r[j], r[j+1]
			adjacent := j == i+1 || (i == 0 && j == n-1)
			if adjacent {
				// Neighbours share one vertex; they cross only when
				// they fold back onto each other.
				if collinearOverlap(a1, a2, b1, b2) {
					return true
				}
				continue
			}
			if segmentsTouch(a1, a2, b1, b2) {
				return true
			}
		}
	}
	return false
}

func cross(o, a, b orb.Point) float64 {
	return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0])
}

func onSegment(p, a, b orb.Point) bool {
	return math.Min(a[0], b[0]) <= p[0] && p[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= p[1] && p[1] <= math.Max(a[1], b[1])
}

// segmentsTouch says whether segments a1a2 and b1b2 have a point in
// common.
func segmentsTouch(a1, a2, b1, b2 orb.Point) bool {
	d1, d2 := cross(b1, b2, a1), cross(b1, b2, a2)
	d3, d4 := cross(a1, a2, b1), cross(a1, a2, b2)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	return (d1 == 0 && onSegment(a1, b1, b2)) || (d2 == 0 && onSegment(a2, b1, b2)) ||
		(d3 == 0 && onSegment(b1, a1, a2)) || (d4 == 0 && onSegment(b2, a1, a2))
}

// collinearOverlap says whether two edges sharing a vertex lie on one
// line and overlap beyond that vertex (a spike folding back).
func collinearOverlap(a1, a2, b1, b2 orb.Point) bool {
	if cross(a1, a2, b1) != 0 || cross(a1, a2, b2) != 0 {
		return false
	}
	// Shared vertex is a2 == b1 (or a1 == b2 for the closing pair).
	if a2 == b1 {
		return dot(a1, a2, b2) > 0
	}
	return dot(a2, a1, b1) > 0
}

// dot is the dot product of (a - v) and (b - v): positive when a and b lie
// on the same side of v.
func dot(a, v, b orb.Point) float64 {
	return (a[0]-v[0])*(b[0]-v[0]) + (a[1]-v[1])*(b[1]-v[1])
}
