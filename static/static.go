// Package static embeds Plaza's CSS, scripts, icons and sample files, so
// the binary serves them without a build step. vendor/ holds third-party
// libraries as released (see js/VENDORED.txt); samples/ the example files
// the studio links to (a GeoJSON file of districts).
package static

import "embed"

//go:embed css js img samples vendor sw.js
var FS embed.FS
