package qr_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image/png"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/plazahq/plaza/qr"
)

const link = "https://plaza.example.org/q/abcdefghij"

func darkModules(bm [][]bool) int {
	n := 0
	for _, row := range bm {
		for _, d := range row {
			if d {
				n++
			}
		}
	}
	return n
}

func TestPNG(t *testing.T) {
	bm, err := qr.Bitmap(link)
	if err != nil {
		t.Fatal(err)
	}
	n := len(bm)
	for _, size := range []int{256, 512, 1024} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			b, err := qr.PNG(link, size)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if r := img.Bounds(); r.Dx() != size || r.Dy() != size {
				t.Fatalf("image is %v, want %d×%d", r, size, size)
			}
			// The centre pixel of every module has the module's colour.
			scale := size / n
			off := (size - scale*n) / 2
			for y := 0; y < n; y++ {
				for x := 0; x < n; x++ {
					r, _, _, _ := img.At(off+x*scale+scale/2, off+y*scale+scale/2).RGBA()
					if dark := r < 0x8000; dark != bm[y][x] {
						t.Fatalf("module (%d,%d): dark=%v, want %v", x, y, dark, bm[y][x])
					}
				}
			}
			// Outside the symbol is white.
			if r, _, _, _ := img.At(0, 0).RGBA(); r != 0xffff {
				t.Fatalf("corner is not white")
			}
		})
	}
}

func TestPNGRejectsOtherSizes(t *testing.T) {
	for _, size := range []int{0, -1, 100, 255, 2048} {
		if _, err := qr.PNG(link, size); !errors.Is(err, qr.ErrSize) {
			t.Errorf("size %d: err = %v, want ErrSize", size, err)
		}
	}
}

var unitSquare = regexp.MustCompile(`M(\d+) (\d+)h1v1h-1z`)

func TestSVG(t *testing.T) {
	bm, err := qr.Bitmap(link)
	if err != nil {
		t.Fatal(err)
	}
	b, err := qr.SVG(link)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XMLName        xml.Name `xml:"svg"`
		NS             string   `xml:"xmlns,attr"`
		ViewBox        string   `xml:"viewBox,attr"`
		ShapeRendering string   `xml:"shape-rendering,attr"`
		Title          string   `xml:"title"`
		Paths          []struct {
			D string `xml:"d,attr"`
		} `xml:"path"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, b)
	}
	n := len(bm)
	if doc.XMLName.Space != "http://www.w3.org/2000/svg" || doc.ViewBox != "0 0 "+strconv.Itoa(n)+" "+strconv.Itoa(n) ||
		doc.ShapeRendering != "crispEdges" || doc.Title != link || len(doc.Paths) != 1 {
		t.Fatalf("svg = %+v", doc)
	}
	// Every square is a dark module of the bitmap, each drawn once, and
	// the quiet zone (4 modules) stays empty.
	d := doc.Paths[0].D
	squares := unitSquare.FindAllStringSubmatch(d, -1)
	if got := strings.Join(unitSquare.FindAllString(d, -1), ""); got != d {
		t.Fatalf("path has something other than unit squares")
	}
	seen := map[[2]int]bool{}
	for _, m := range squares {
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		if x < 4 || y < 4 || x >= n-4 || y >= n-4 || !bm[y][x] || seen[[2]int{x, y}] {
			t.Fatalf("square at (%d,%d) is not a dark module inside the quiet zone", x, y)
		}
		seen[[2]int{x, y}] = true
	}
	if len(squares) != darkModules(bm) {
		t.Fatalf("svg has %d modules, bitmap %d", len(squares), darkModules(bm))
	}
}

func TestSVGEscapesTitle(t *testing.T) {
	b, err := qr.SVG(`a<b>&"c"`)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Title string `xml:"title"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil || doc.Title != `a<b>&"c"` {
		t.Fatalf("title = %q, %v", doc.Title, err)
	}
}
