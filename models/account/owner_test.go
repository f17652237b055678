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
// domain's other table, accounts, is still joined by other domains'
// queries (models/notice_public.go, models/project_public.go,
// models/feedback_revision.go, models/api_rows.go, and the organizations'
// admin list in models/org) and waits for their moves.
func TestOnlyThisPackageNamesItsTables(t *testing.T) {
	apptest.OnlyPackageNamesTables(t, "models/account", map[string]*regexp.Regexp{
		"settings": apptest.NamedAsTable("settings"),
	}, "database")
}
