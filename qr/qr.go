// Package qr draws follow QR codes as PNG images and SVG documents from
// the module bitmap of github.com/skip2/go-qrcode. Every module is drawn
// the same size, so printed codes scan reliably at any size.
package qr

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strconv"

	qrcode "github.com/skip2/go-qrcode"
)

// Sizes are the PNG widths (and heights) in pixels that can be downloaded.
var Sizes = []int{256, 512, 1024}

// ValidSize reports whether size is one of Sizes.
func ValidSize(size int) bool {
	for _, s := range Sizes {
		if s == size {
			return true
		}
	}
	return false
}

// ErrSize is a PNG size other than one of Sizes.
var ErrSize = errors.New("qr: unsupported image size")

// level is the error correction: medium (about 15% of the symbol can be
// lost) keeps the modules of a short link large and survives a worn poster.
const level = qrcode.Medium

// Bitmap is the code's modules, bitmap[y][x] true for dark, including the
// quiet zone of four light modules on every side.
func Bitmap(content string) ([][]bool, error) {
	q, err := qrcode.New(content, level)
	if err != nil {
		return nil, fmt.Errorf("qr: encode: %w", err)
	}
	return q.Bitmap(), nil
}

// PNG draws the code as a size×size black-on-white PNG. Each module is a
// whole number of pixels, centred; size must be one of Sizes.
func PNG(content string, size int) ([]byte, error) {
	if !ValidSize(size) {
		return nil, fmt.Errorf("%w: %d", ErrSize, size)
	}
	bm, err := Bitmap(content)
	if err != nil {
		return nil, err
	}
	n := len(bm)
	scale := size / n
	if scale < 1 {
		return nil, fmt.Errorf("qr: %d modules do not fit in %d pixels", n, size)
	}
	off := (size - scale*n) / 2
	img := image.NewPaletted(image.Rect(0, 0, size, size), color.Palette{color.White, color.Black})
	for y, row := range bm {
		for x, dark := range row {
			if !dark {
				continue
			}
			for py := off + y*scale; py < off+(y+1)*scale; py++ {
				i := img.PixOffset(off+x*scale, py)
				for k := 0; k < scale; k++ {
					img.Pix[i+k] = 1
				}
			}
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("qr: png: %w", err)
	}
	return buf.Bytes(), nil
}

// SVG draws the code as a standalone SVG element: a white square with one
// path of unit squares for the dark modules, in a viewBox of one unit per
// module (quiet zone included), so it scales to any size. Its <title> is
// the encoded content. It has no XML declaration, so it can be put inline
// in an HTML page as it is.
func SVG(content string) ([]byte, error) {
	bm, err := Bitmap(content)
	if err != nil {
		return nil, err
	}
	n := strconv.Itoa(len(bm))
	var b bytes.Buffer
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ` + n + " " + n +
		`" width="` + n + `mm" height="` + n + `mm" shape-rendering="crispEdges" role="img"><title>`)
	if err := xml.EscapeText(&b, []byte(content)); err != nil {
		return nil, err
	}
	b.WriteString(`</title><rect width="` + n + `" height="` + n + `" fill="#fff"/><path fill="#000" d="`)
	for y, row := range bm {
		for x, dark := range row {
			if dark {
				b.WriteString("M" + strconv.Itoa(x) + " " + strconv.Itoa(y) + "h1v1h-1z")
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return b.Bytes(), nil
}
