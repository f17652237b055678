package account_test

import (
	"regexp"
	"testing"

	"github.com/plazahq/plaza/apptest"
)

// TestOnlyThisPackageNamesItsTables keeps the domain's ownership honest.
// "settings" is an everyday word (chat settings, the settings pages), so
// it counts only where SQL or gorm takes it as a table; database/, whose
// copy between databases keeps the target's keys, may name it. The
// domain's other table, accounts, is still read (never written) in
// single-statement joins elsewhere: the organizations' admin list
// (models/org), the public notice lists (models/notice/public.go) and the
// delivery engine's claims (broadcast).
func TestOnlyThisPackageNamesItsTables(t *testing.T) {
	apptest.OnlyPackageNamesTables(t, "models/account", map[string]*regexp.Regexp{
		"settings": apptest.NamedAsTable("settings"),
	}, "database")
}
