package area

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func square(lon0, lat0, side float64) orb.Polygon {
	return orb.Polygon{{{lon0, lat0}, {lon0 + side, lat0}, {lon0 + side, lat0 + side}, {lon0, lat0 + side}, {lon0, lat0}}}
}

// inCover is how the audience query decides: block or cell.
func inCover(c Cover, lat, lon float64) bool {
	return slices.Contains(c.Blocks, Block(lat, lon)) || slices.Contains(c.Cells, Cell(lat, lon))
}

// TestCoverMatchesContains checks, for every lattice point around a few
// shapes, that the cover answers as the exact test does: the audience
// query and /alerts?near agree, boundary included.
func TestCoverMatchesContains(t *testing.T) {
	// An L-shaped polygon with a hole, edges off the lattice and on it.
	l := orb.Polygon{
		{{114.1, 22.3}, {114.1503, 22.3}, {114.1503, 22.3207}, {114.1251, 22.3207}, {114.1251, 22.3452}, {114.1, 22.3452}, {114.1, 22.3}},
		{{114.11, 22.31}, {114.115, 22.31}, {114.115, 22.315}, {114.11, 22.31}},
	}
	areas := map[string]Area{
		"polygon":         {Polygons: orb.MultiPolygon{l}},
		"circle":          {Circles: []Circle{{Lat: 22.32, Lon: 114.17, RadiusM: 1500}}},
		"small circle":    {Circles: []Circle{{Lat: 22.3002, Lon: 114.1001, RadiusM: 60}}},
		"polygon+circles": {Polygons: orb.MultiPolygon{square(114.2, 22.2, 0.0333)}, Circles: []Circle{{Lat: 22.2, Lon: 114.2, RadiusM: 800}, {Lat: 22.25, Lon: 114.25, RadiusM: 300}}},
	}
	for name, a := range areas {
		t.Run(name, func(t *testing.T) {
			if err := a.Validate(); err != nil {
				t.Fatal(err)
			}
			c := a.Cover()
			b, _ := a.Bound()
			b = b.Pad(0.003)
			in := 0
			for lat := b.Min[1]; lat <= b.Max[1]; lat += Step {
				for lon := b.Min[0]; lon <= b.Max[0]; lon += Step {
					la, lo := Round(lat, lon)
					want := a.Contains(la, lo)
					if got := inCover(c, la, lo); got != want {
						t.Fatalf("place %.3f,%.3f: cover says %v, contains %v", la, lo, got, want)
					}
					if want {
						in++
					}
				}
			}
			if in == 0 || len(c.Blocks)+len(c.Cells) == 0 {
				t.Fatalf("nothing inside: %d places, %d blocks, %d cells", in, len(c.Blocks), len(c.Cells))
			}
		})
	}
}

func TestBoundaryCounts(t *testing.T) {
	a := Area{Polygons: orb.MultiPolygon{square(114.1, 22.3, 0.01)}}
	c := a.Cover()
	for _, p := range [][2]float64{{22.3, 114.1}, {22.305, 114.11}, {22.31, 114.105}} { // corner, edges
		if !inCover(c, p[0], p[1]) {
			t.Errorf("%v on the boundary is outside", p)
		}
	}
	if inCover(c, 22.311, 114.105) {
		t.Error("a place beyond the edge is inside")
	}
}

func TestRound(t *testing.T) {
	lat, lon := Round(22.3193456, 114.1694123)
	if lat != 22.319 || lon != 114.169 {
		t.Fatalf("Round = %v, %v", lat, lon)
	}
	if Cell(22.3193456, 114.1694123) != Cell(lat, lon) || Block(22.3193, 114.1694) != Block(lat, lon) {
		t.Fatal("a place and its rounding fall in different cells")
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		la, lo := r.Float64()*180-90, r.Float64()*360-180
		rl, ro := Round(la, lo)
		if Cell(rl, ro) != Cell(la, lo) {
			t.Fatalf("%v,%v", la, lo)
		}
	}
}

func TestValidate(t *testing.T) {
	bow := orb.Polygon{{{0, 0}, {1, 1}, {1, 0}, {0, 1}, {0, 0}}}
	open := orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 1}}}
	spike := orb.Polygon{{{0, 0}, {2, 0}, {1, 0}, {1, 1}, {0, 0}}}
	big := orb.Polygon{{}}
	for i := range MaxVertices + 1 {
		big[0] = append(big[0], Circle{Lat: 10, Lon: 10, RadiusM: 1000}.Polygon(MaxVertices + 1)[0][i])
	}
	big[0] = append(big[0], big[0][0])
	tests := []struct {
		name string
		a    Area
		key  string
	}{
		{"square", Area{Polygons: orb.MultiPolygon{square(0, 0, 1)}}, ""},
		{"bow tie", Area{Polygons: orb.MultiPolygon{bow}}, "area.err_ring_crosses"},
		{"open ring", Area{Polygons: orb.MultiPolygon{open}}, "area.err_ring_open"},
		{"spike folding back", Area{Polygons: orb.MultiPolygon{spike}}, "area.err_ring_crosses"},
		{"two points", Area{Polygons: orb.MultiPolygon{{{{0, 0}, {1, 1}, {0, 0}}}}}, "area.err_ring_short"},
		{"latitude 91", Area{Polygons: orb.MultiPolygon{square(0, 90, 1)}}, "area.err_coordinates"},
		{"longitude 181", Area{Polygons: orb.MultiPolygon{square(180, 0, 1)}}, "area.err_coordinates"},
		{"too many vertices", Area{Polygons: orb.MultiPolygon{big}}, "area.err_too_many_vertices"},
		{"circle", Area{Circles: []Circle{{Lat: 22, Lon: 114, RadiusM: 500}}}, ""},
		{"radius 0", Area{Circles: []Circle{{Lat: 22, Lon: 114}}}, "area.err_circle_radius"},
		{"radius 600 km", Area{Circles: []Circle{{Lat: 22, Lon: 114, RadiusM: 600_000}}}, "area.err_circle_radius"},
		{"centre off the globe", Area{Circles: []Circle{{Lat: 95, Lon: 114, RadiusM: 500}}}, "area.err_circle_centre"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.a.Validate()
			var p *Problem
			switch {
			case tt.key == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.key != "" && (!errors.As(err, &p) || p.Key != tt.key):
				t.Fatalf("got %v, want %s", err, tt.key)
			}
		})
	}
}

func TestMeets(t *testing.T) {
	district := orb.MultiPolygon{square(114.1, 22.3, 0.02)}
	for _, tt := range []struct {
		name string
		a    Area
		want bool
	}{
		{"crossing polygon", Area{Polygons: orb.MultiPolygon{square(114.11, 22.31, 0.02)}}, true},
		{"polygon inside", Area{Polygons: orb.MultiPolygon{square(114.105, 22.305, 0.002)}}, true},
		{"polygon around", Area{Polygons: orb.MultiPolygon{square(114.0, 22.2, 0.5)}}, true},
		{"polygon apart", Area{Polygons: orb.MultiPolygon{square(114.2, 22.3, 0.02)}}, false},
		{"circle reaching in", Area{Circles: []Circle{{Lat: 22.31, Lon: 114.125, RadiusM: 800}}}, true},
		{"circle short of it", Area{Circles: []Circle{{Lat: 22.31, Lon: 114.13, RadiusM: 500}}}, false},
	} {
		if got := tt.a.Meets(district); got != tt.want {
			t.Errorf("%s: Meets = %v", tt.name, got)
		}
	}
}

func TestFromGeoJSON(t *testing.T) {
	a, err := FromGeoJSON([]byte(`{"type":"FeatureCollection","features":[
		{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[114.1,22.3],[114.2,22.3],[114.2,22.4],[114.1,22.3]]]}},
		{"type":"Feature","properties":{"radius":250},"geometry":{"type":"Point","coordinates":[114.15,22.35]}}]}`))
	if err != nil || len(a.Polygons) != 1 || len(a.Circles) != 1 || a.Circles[0].RadiusM != 250 || a.Circles[0].Lat != 22.35 {
		t.Fatalf("%+v %v", a, err)
	}
	back, err := FromGeoJSON(mustJSON(t, a.GeoJSON(false)))
	if err != nil || back.Key() != a.Key() {
		t.Fatalf("round trip: %+v %v", back, err)
	}
	for _, bad := range []string{`{`, `{"type":"LineString","coordinates":[[0,0],[1,1]]}`, `{"type":"Point","coordinates":[0,0]}`, `[1,2]`} {
		if _, err := FromGeoJSON([]byte(bad)); err == nil {
			t.Errorf("%s taken", bad)
		}
	}
}

func TestParseDistricts(t *testing.T) {
	good := `{"type":"FeatureCollection","features":[
		{"type":"Feature","id":"N","properties":{"name":"North"},"geometry":{"type":"Polygon","coordinates":[[[0,1],[1,1],[1,2],[0,2],[0,1]]]}},
		{"type":"Feature","properties":{"name":"South","code":"S"},"geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]]]}}]}`
	ds, err := ParseDistricts([]byte(good))
	if err != nil || len(ds) != 2 || ds[0].Code != "N" || ds[1].Code != "S" || ds[1].Name != "South" {
		t.Fatalf("%+v %v", ds, err)
	}
	for name, bad := range map[string]string{
		"not JSON":      `not json`,
		"empty":         `{"type":"FeatureCollection","features":[]}`,
		"a line":        `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"x"},"geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}}]}`,
		"crossing ring": `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"x"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}}]}`,
		"no name":       `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0,1],[1,1],[1,2],[0,1]]]}}]}`,
		"NUL in a name": `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"a\u0000b"},"geometry":{"type":"Polygon","coordinates":[[[0,1],[1,1],[1,2],[0,1]]]}}]}`,
		"long code":     `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"a","code":"` + strings.Repeat("c", MaxDistrictCode+1) + `"},"geometry":{"type":"Polygon","coordinates":[[[0,1],[1,1],[1,2],[0,1]]]}}]}`,
		"same code":     `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"a","code":"1"},"geometry":{"type":"Polygon","coordinates":[[[0,1],[1,1],[1,2],[0,1]]]}},{"type":"Feature","properties":{"name":"b","code":"1"},"geometry":{"type":"Polygon","coordinates":[[[0,1],[1,1],[1,2],[0,1]]]}}]}`,
	} {
		var p *Problem
		if _, err := ParseDistricts([]byte(bad)); !errors.As(err, &p) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestDraw(t *testing.T) {
	o := Draw(Area{Circles: []Circle{{Lat: 22.3, Lon: 114.1, RadiusM: 500}}}, []Named{{Name: "North", Geometry: orb.MultiPolygon{square(114.09, 22.29, 0.02)}, Chosen: true}}, 400)
	if o == nil || len(o.Districts) != 1 || len(o.Shapes) != 1 || o.Labels[0].Text != "North" || o.Height < 100 {
		t.Fatalf("%+v", o)
	}
	if Draw(Area{}, nil, 400) != nil {
		t.Fatal("drew nothing")
	}
}

func mustJSON(t *testing.T, v interface{ MarshalJSON() ([]byte, error) }) []byte {
	t.Helper()
	b, err := v.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
