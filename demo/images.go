package demo

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
)

// The demo's pictures are drawn here rather than shipped as files: plain
// shapes in each organization's colour are enough for pages that would
// otherwise show letter placeholders, and they cost the repository nothing.

var white = color.RGBA{255, 255, 255, 255}

// avatarColours and the symbols drawn on them, by account category.
var avatarColours = map[string]color.RGBA{
	"transit":  {0x1d, 0x5f, 0xa8, 255},
	"safety":   {0xc4, 0x3d, 0x1f, 255},
	"charity":  {0x2e, 0x7d, 0x4f, 255},
	"business": {0xe0, 0x8a, 0x12, 255},
}

// avatarPNG is a 256-pixel square avatar for an account of category: a
// bus for transit, a warning triangle for safety, a heart for a charity,
// a fruit for a business.
func avatarPNG(category string) []byte {
	const n = 256
	bg, ok := avatarColours[category]
	if !ok {
		bg = color.RGBA{0x55, 0x5f, 0x6d, 255}
	}
	img := image.NewRGBA(image.Rect(0, 0, n, n))
	for y := range n {
		for x := range n {
			c := bg
			if avatarSymbol(category, float64(x)/n, float64(y)/n) {
				c = white
			}
			img.SetRGBA(x, y, c)
		}
	}
	return encodePNG(img)
}

// avatarSymbol reports whether the point (x, y), each from 0 to 1, is on
// the category's symbol.
func avatarSymbol(category string, x, y float64) bool {
	in := func(cx, cy, r float64) bool { return math.Hypot(x-cx, y-cy) <= r }
	switch category {
	case "transit":
		// A bus body with a band of windows cut out, on two wheels.
		body := x >= 0.2 && x <= 0.8 && y >= 0.25 && y <= 0.68
		windows := x >= 0.26 && x <= 0.74 && y >= 0.32 && y <= 0.46 && math.Mod((x-0.26)*100, 16.5) < 14
		return (body && !windows) || in(0.34, 0.7, 0.07) || in(0.66, 0.7, 0.07)
	case "safety":
		// A triangle with an exclamation mark cut out.
		tri := y >= 0.22 && y <= 0.78 && math.Abs(x-0.5) <= (y-0.22)*0.6
		mark := math.Abs(x-0.5) <= 0.035 && ((y >= 0.38 && y <= 0.6) || (y >= 0.65 && y <= 0.71))
		return tri && !mark
	case "charity":
		// A heart: two circles over a triangle.
		return in(0.39, 0.4, 0.13) || in(0.61, 0.4, 0.13) || (y >= 0.42 && y <= 0.78 && math.Abs(x-0.5) <= (0.78-y)*0.72)
	case "business":
		// A fruit with a leaf.
		return in(0.5, 0.56, 0.24) || in(0.6, 0.26, 0.07)
	}
	return in(0.5, 0.5, 0.25)
}

// busLanePNG is the bus lane project's picture: a road seen from above,
// the red-surfaced bus lane on each side, white lane markings and a bus
// in its lane.
func busLanePNG() []byte {
	const w, h = 960, 540
	var (
		grass  = color.RGBA{0x8f, 0xb8, 0x7a, 255}
		kerb   = color.RGBA{0xc9, 0xc9, 0xc2, 255}
		tarmac = color.RGBA{0x4a, 0x4d, 0x52, 255}
		lane   = color.RGBA{0xa8, 0x3a, 0x2c, 255}
		bus    = color.RGBA{0x1d, 0x5f, 0xa8, 255}
	)
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			var c color.RGBA
			switch {
			case y < 110 || y >= 430:
				c = grass
			case y < 130 || y >= 410:
				c = kerb
			case y < 200 || y >= 340:
				c = lane
			default:
				c = tarmac
			}
			// Solid lines along the bus lanes, dashes down the middle.
			if (y >= 198 && y < 204) || (y >= 336 && y < 342) || (y >= 267 && y < 273 && x%80 < 48) {
				c = white
			}
			// A bus in the near lane and one in the far lane.
			if (x >= 140 && x < 330 && y >= 355 && y < 395) || (x >= 620 && x < 810 && y >= 145 && y < 185) {
				c = bus
			}
			img.SetRGBA(x, y, c)
		}
	}
	return encodePNG(img)
}

func encodePNG(img image.Image) []byte {
	var b bytes.Buffer
	// Encoding an in-memory RGBA image to a buffer does not fail.
	_ = png.Encode(&b, img)
	return b.Bytes()
}
