package area

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"
)

// A follower's place is kept on a lattice of Step degrees (about 110 m
// north-south, less east-west away from the equator): the point is
// rounded to it before it is stored, which both protects the follower's
// privacy and makes "is this follower in the area" a lookup of an
// integer. Cells are the lattice points; blocks group BlockSide×BlockSide
// cells, so that the inside of a large area is a few blocks and only its
// edge needs cells.
const (
	Step      = 0.001
	perDegree = 1000
	BlockSide = 10
	lonCells  = 360*perDegree + 1
	lonBlocks = lonCells/BlockSide + 1
)

// Round puts a point on the lattice.
func Round(lat, lon float64) (float64, float64) {
	i, j := index(lat, lon)
	return latOf(i), lonOf(j)
}

// latOf and lonOf are a lattice index's degrees, divided last so that
// lattice points are the doubles nearest to their decimal values (22.3,
// not 22.299999999999997), as typed coordinates are.
func latOf(i int64) float64 { return float64(i-90*perDegree) / perDegree }
func lonOf(j int64) float64 { return float64(j-180*perDegree) / perDegree }

func index(lat, lon float64) (int64, int64) {
	return int64(math.Round((lat + 90) * perDegree)), int64(math.Round((lon + 180) * perDegree))
}

// Cell is the key of a point's lattice cell.
func Cell(lat, lon float64) int64 {
	i, j := index(lat, lon)
	return i*lonCells + j
}

// Block is the key of the block holding a point's cell.
func Block(lat, lon float64) int64 {
	i, j := index(lat, lon)
	return blockKey(i/BlockSide, j/BlockSide)
}

func blockKey(bi, bj int64) int64 { return bi*lonBlocks + bj }

// Cover is the set of lattice cells in an area's shapes, as whole blocks
// plus single cells of the blocks its edge crosses. A place (rounded with
// Round) is in the shapes exactly when its block is in Blocks or its cell
// in Cells.
type Cover struct {
	Blocks []int64
	Cells  []int64
}

// Key names the cover of an area's shapes: equal shapes, equal keys, so a
// cover is computed and stored once however many counts and broadcasts
// use it. The version prefix changes with the lattice.
func (a Area) Key() string {
	b, _ := json.Marshal(struct {
		P orb.MultiPolygon `json:"p"`
		C []Circle         `json:"c"`
	}{a.Polygons, stripLabels(a.Circles)})
	sum := sha256.Sum256(append([]byte("lattice-v1:"), b...))
	return hex.EncodeToString(sum[:16])
}

func stripLabels(cs []Circle) []Circle {
	out := make([]Circle, len(cs))
	for i, c := range cs {
		c.Label = ""
		out[i] = c
	}
	return out
}

// relation of a block to a shape.
type relation int

const (
	outside relation = iota
	inside
	partial
)

// shape is a polygon or a circle as the cover sees it.
type shape interface {
	bound() orb.Bound
	relate(box orb.Bound) relation
	contains(p orb.Point) bool
}

type polygonShape struct {
	p     orb.Polygon
	edges [][2]orb.Point
}

func newPolygonShape(p orb.Polygon) *polygonShape {
	s := &polygonShape{p: p}
	for _, r := range p {
		for i := 0; i+1 < len(r); i++ {
			s.edges = append(s.edges, [2]orb.Point{r[i], r[i+1]})
		}
	}
	return s
}

func (s *polygonShape) bound() orb.Bound              { return s.p.Bound() }
func (s *polygonShape) contains(p orb.Point) bool     { return planar.PolygonContains(s.p, p) }
func (s *polygonShape) relate(box orb.Bound) relation { panic("polygons are related by their edges") }

type circleShape struct{ c Circle }

func (s circleShape) bound() orb.Bound          { return s.c.Bound() }
func (s circleShape) contains(p orb.Point) bool { return s.c.Contains(p[1], p[0]) }

// relate compares the block's box with the circle with a metre of slack
// both ways, so that the curvature of parallels never makes a block look
// wholly inside or outside when a cell of it is not; blocks in the slack
// are decided cell by cell.
func (s circleShape) relate(box orb.Bound) relation {
	c := s.c.Center()
	far := 0.0
	for _, p := range []orb.Point{box.Min, box.Max, {box.Min[0], box.Max[1]}, {box.Max[0], box.Min[1]}} {
		far = math.Max(far, geo.DistanceHaversine(c, p))
	}
	if far <= s.c.RadiusM-1 {
		return inside
	}
	near := orb.Point{math.Min(math.Max(c[0], box.Min[0]), box.Max[0]), math.Min(math.Max(c[1], box.Min[1]), box.Max[1])}
	if geo.DistanceHaversine(c, near) > s.c.RadiusM+1 {
		return outside
	}
	return partial
}

// Cover computes the cells of the area's shapes (not of its districts).
func (a Area) Cover() Cover {
	blocks, cells := map[int64]bool{}, map[int64]bool{}
	for _, p := range a.Polygons {
		coverPolygon(newPolygonShape(p), blocks, cells)
	}
	for _, c := range a.Circles {
		coverCircle(circleShape{c}, blocks, cells)
	}
	var out Cover
	for b := range blocks {
		out.Blocks = append(out.Blocks, b)
	}
	for c := range cells {
		bi, bj := c/lonCells/BlockSide, c%lonCells/BlockSide
		if !blocks[blockKey(bi, bj)] {
			out.Cells = append(out.Cells, c)
		}
	}
	return out
}

// blockRange is the blocks whose cells may fall in b.
func blockRange(b orb.Bound) (bi0, bi1, bj0, bj1 int64) {
	i0, j0 := index(b.Min[1], b.Min[0])
	i1, j1 := index(b.Max[1], b.Max[0])
	return i0 / BlockSide, i1 / BlockSide, j0 / BlockSide, j1 / BlockSide
}

// blockBox is the closed box through the block's cells.
func blockBox(bi, bj int64) orb.Bound {
	i, j := bi*BlockSide, bj*BlockSide
	return orb.Bound{Min: orb.Point{lonOf(j), latOf(i)}, Max: orb.Point{lonOf(j + BlockSide - 1), latOf(i + BlockSide - 1)}}
}

// cellsOf adds the cells of block (bi, bj) the shape contains.
func cellsOf(s shape, bi, bj int64, cells map[int64]bool) {
	for di := range int64(BlockSide) {
		for dj := range int64(BlockSide) {
			i, j := bi*BlockSide+di, bj*BlockSide+dj
			if j >= lonCells {
				continue
			}
			p := orb.Point{lonOf(j), latOf(i)}
			if s.contains(p) {
				cells[i*lonCells+j] = true
			}
		}
	}
}

// coverPolygon finds the blocks the polygon's edges cross (decided cell
// by cell); every other block of its box lies wholly on one side, which
// one of its cells tells.
func coverPolygon(s *polygonShape, blocks, cells map[int64]bool) {
	edge := map[[2]int64]bool{}
	for _, e := range s.edges {
		eb := orb.Bound{Min: e[0], Max: e[0]}.Extend(e[1])
		bi0, bi1, bj0, bj1 := blockRange(eb)
		for bi := bi0 - 1; bi <= bi1+1; bi++ {
			for bj := bj0 - 1; bj <= bj1+1; bj++ {
				if !edge[[2]int64{bi, bj}] && segmentMeetsBox(e[0], e[1], blockBox(bi, bj)) {
					edge[[2]int64{bi, bj}] = true
				}
			}
		}
	}
	for k := range edge {
		cellsOf(s, k[0], k[1], cells)
	}
	bi0, bi1, bj0, bj1 := blockRange(s.bound())
	for bi := bi0; bi <= bi1; bi++ {
		for bj := bj0; bj <= bj1; bj++ {
			if edge[[2]int64{bi, bj}] {
				continue
			}
			if s.contains(blockBox(bi, bj).Min) {
				blocks[blockKey(bi, bj)] = true
			}
		}
	}
}

func coverCircle(s circleShape, blocks, cells map[int64]bool) {
	bi0, bi1, bj0, bj1 := blockRange(s.bound())
	for bi := bi0; bi <= bi1; bi++ {
		for bj := bj0; bj <= bj1; bj++ {
			switch s.relate(blockBox(bi, bj)) {
			case inside:
				blocks[blockKey(bi, bj)] = true
			case partial:
				cellsOf(s, bi, bj, cells)
			}
		}
	}
}

// segmentMeetsBox says whether segment ab has a point in the closed box.
func segmentMeetsBox(a, b orb.Point, box orb.Bound) bool {
	if box.Contains(a) || box.Contains(b) {
		return true
	}
	c := []orb.Point{box.Min, {box.Max[0], box.Min[1]}, box.Max, {box.Min[0], box.Max[1]}}
	for i := range 4 {
		if segmentsTouch(a, b, c[i], c[(i+1)%4]) {
			return true
		}
	}
	return false
}
