// Package migrations embeds the SQL migrations for both supported databases.
// The two folders keep the same numbering so that a database of either kind
// is at the same schema version after the same migration.
package migrations

import "embed"

//go:embed postgres/*.sql sqlite/*.sql
var FS embed.FS
