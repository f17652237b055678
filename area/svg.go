package area

import (
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"
)

// Named is a district as a drawing shows it.
type Named struct {
	Name     string
	Geometry orb.MultiPolygon
	// Chosen marks the districts the area names, drawn filled.
	Chosen bool
}

// Outline is an area drawn as SVG without tiles or JavaScript: path data
// in a viewBox, and the district names where their shapes are.
type Outline struct {
	Width, Height int
	Districts     []OutlinePath
	Shapes        []string
	Labels        []OutlineLabel
}

// OutlinePath is one district's path.
type OutlinePath struct {
	D      string
	Chosen bool
}

// OutlineLabel is a name at a point of the drawing.
type OutlineLabel struct {
	X, Y int
	Text string
}

// ViewBox is the outline's viewBox attribute.
func (o *Outline) ViewBox() string {
	return "0 0 " + strconv.Itoa(o.Width) + " " + strconv.Itoa(o.Height)
}

// Draw lays out the area's shapes and the districts (all of the
// organization's, so the chosen ones are seen among the others) in a
// drawing Width wide. It returns nil when there is nothing to draw.
func Draw(a Area, districts []Named, width int) *Outline {
	b, ok := a.Bound()
	for _, d := range districts {
		b, ok = extend(b, ok, d.Geometry.Bound())
	}
	if !ok {
		return nil
	}
	k := math.Cos((b.Min[1] + b.Max[1]) / 2 * math.Pi / 180)
	w, h := (b.Max[0]-b.Min[0])*k, b.Max[1]-b.Min[1]
	if w <= 0 && h <= 0 {
		w, h = 0.01, 0.01
	}
	const pad = 8
	scale := float64(width-2*pad) / math.Max(w, 1e-9)
	if h*scale > float64(width) { // tall shapes: keep the drawing square at most
		scale = float64(width-2*pad) / h
	}
	o := &Outline{Width: width, Height: int(math.Ceil(h*scale)) + 2*pad}
	pt := func(p orb.Point) (float64, float64) {
		return pad + (p[0]-b.Min[0])*k*scale, pad + (b.Max[1]-p[1])*scale
	}
	path := func(m orb.MultiPolygon) string {
		var sb strings.Builder
		for _, p := range m {
			for _, r := range p {
				for i, q := range r {
					x, y := pt(q)
					if i == 0 {
						sb.WriteString("M")
					} else {
						sb.WriteString("L")
					}
					sb.WriteString(strconv.FormatFloat(x, 'f', 1, 64) + " " + strconv.FormatFloat(y, 'f', 1, 64))
				}
				sb.WriteString("Z")
			}
		}
		return sb.String()
	}
	for _, d := range districts {
		o.Districts = append(o.Districts, OutlinePath{D: path(d.Geometry), Chosen: d.Chosen})
		c, _ := planar.CentroidArea(d.Geometry)
		if !planar.MultiPolygonContains(d.Geometry, c) && len(d.Geometry) > 0 && len(d.Geometry[0]) > 0 {
			c = d.Geometry[0][0][0]
		}
		x, y := pt(c)
		o.Labels = append(o.Labels, OutlineLabel{X: int(x), Y: int(y), Text: d.Name})
	}
	for _, p := range a.Polygons {
		o.Shapes = append(o.Shapes, path(orb.MultiPolygon{p}))
	}
	for _, c := range a.Circles {
		o.Shapes = append(o.Shapes, path(orb.MultiPolygon{c.Polygon(48)}))
	}
	return o
}

// Extent describes the area's shapes for readers without the map: the
// size of their box in kilometres and its centre.
func (a Area) Extent() (widthKm, heightKm, lat, lon float64, ok bool) {
	b, ok := a.Bound()
	if !ok {
		return 0, 0, 0, 0, false
	}
	c := b.Center()
	widthKm = geo.Distance(orb.Point{b.Min[0], c[1]}, orb.Point{b.Max[0], c[1]}) / 1000
	heightKm = geo.Distance(orb.Point{c[0], b.Min[1]}, orb.Point{c[0], b.Max[1]}) / 1000
	return widthKm, heightKm, c[1], c[0], true
}
