package followcode_test

import (
	"regexp"
	"testing"

	"github.com/plazahq/plaza/apptest"
)

// TestOnlyThisPackageNamesItsTables keeps the domain's ownership honest.
// Both names only count where SQL or gorm takes them as a table: "scans"
// is an everyday word (the leader's periodic scans, a message key) and
// "follow_codes" is also a key of the demo's JSON.
func TestOnlyThisPackageNamesItsTables(t *testing.T) {
	apptest.OnlyPackageNamesTables(t, "models/followcode", map[string]*regexp.Regexp{
		"follow_codes": apptest.NamedAsTable("follow_codes"), "scans": apptest.NamedAsTable("scans"),
	})
}
