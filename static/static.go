// Package static embeds Plaza's CSS, scripts and icons, so the binary
// serves them without a build step.
package static

import "embed"

//go:embed css js img
var FS embed.FS
