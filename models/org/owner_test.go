package org_test

import (
	"regexp"
	"testing"

	"github.com/plazahq/plaza/apptest"
)

// TestOnlyThisPackageNamesItsTables keeps the domain's ownership honest.
// Both names are everyday words (the staff pages' invites, chat
// sessions), so they count only where SQL or gorm takes them as a table.
// The domain's other tables are still named elsewhere and wait for those
// domains' moves: organizations by the public account and notice queries
// (models/account.go, models/notice_public.go), memberships by the inbox
// (models/inbox.go), users by the inbox and the imports' lists
// (models/inbox.go, models/import.go).
func TestOnlyThisPackageNamesItsTables(t *testing.T) {
	apptest.OnlyPackageNamesTables(t, "models/org", map[string]*regexp.Regexp{
		"invites": apptest.NamedAsTable("invites"), "sessions": apptest.NamedAsTable("sessions"),
	})
}
