package org_test

import (
	"regexp"
	"testing"

	"github.com/plazahq/plaza/apptest"
)

// TestOnlyThisPackageNamesItsTables keeps the domain's ownership honest.
// Both names are everyday words (the staff pages' invites, chat
// sessions), so they count only where SQL or gorm takes them as a table.
// memberships is named nowhere else. The other tables are still read
// (never written) in joins elsewhere: organizations by the directory
// (models/account/directory.go) and the public notice lists
// (models/notice/public.go), users by the inbox's names
// (models/chat/inbox.go).
func TestOnlyThisPackageNamesItsTables(t *testing.T) {
	apptest.OnlyPackageNamesTables(t, "models/org", map[string]*regexp.Regexp{
		"invites": apptest.NamedAsTable("invites"), "sessions": apptest.NamedAsTable("sessions"),
		"memberships": apptest.NamedAsTable("memberships"),
	})
}
