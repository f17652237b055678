package notice_test

import (
	"regexp"
	"testing"

	"github.com/plazahq/plaza/apptest"
)

// TestOnlyThisPackageNamesItsTables keeps the domain's ownership honest.
// "notices" is also a URL path, a message key prefix and a feed's name,
// so it counts only where SQL or gorm takes it as a table.
func TestOnlyThisPackageNamesItsTables(t *testing.T) {
	apptest.OnlyPackageNamesTables(t, "models/notice", map[string]*regexp.Regexp{
		"notices": apptest.NamedAsTable("notices"),
	})
}
