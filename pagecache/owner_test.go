package pagecache_test

import (
	"regexp"
	"testing"

	"github.com/plazahq/plaza/apptest"
)

// TestOwnsItsTable: only pagecache reads page_versions (the migrations'
// triggers write it; database's copy skips it).
func TestOwnsItsTable(t *testing.T) {
	apptest.OnlyPackageNamesTables(t, "pagecache", map[string]*regexp.Regexp{
		"page_versions": regexp.MustCompile(`\bpage_versions\b`),
	}, "database")
}
