// Package static embeds Plaza's CSS, scripts and icons, so the binary
// serves them without a build step. vendor/ holds third-party libraries
// as released (see js/VENDORED.txt).
package static

import "embed"

//go:embed css js img vendor
var FS embed.FS
