package media_test

import (
	"regexp"
	"testing"

	"github.com/plazahq/plaza/apptest"
)

// TestOnlyThisPackageNamesItsTables keeps the domain's ownership honest.
// "media" is also a URL path (/media/{id}), this package's import path and
// a chat message kind, so it counts only where SQL or gorm takes it as a
// table.
func TestOnlyThisPackageNamesItsTables(t *testing.T) {
	apptest.OnlyPackageNamesTables(t, "models/media", map[string]*regexp.Regexp{
		"media": apptest.NamedAsTable("media"), "project_files": apptest.Named("project_files"),
		"notice_files": apptest.Named("notice_files"),
	})
}
