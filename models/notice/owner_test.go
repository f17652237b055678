package notice_test

import (
	"regexp"
	"testing"

	"github.com/plazahq/plaza/apptest"
)

// noticesAsTable is apptest.NamedAsTable("notices") made stricter, as
// "notices" is an everyday word in the code: the prefix of the notice
// pages' message keys ("notices.status", which reads like a qualified
// column), a template's file name (notices.templ) and prose ("turns
// alerts into notices:"). A keyword counts when SQL goes on after the
// name; a qualified name when it is one of the table's columns and not a
// whole quoted message key.
var noticesAsTable = func() *regexp.Regexp {
	const cols = `(\*|(id|account_id|kind|status|ended|title_en|title_zh|body_en|body_zh|cap_category|cap_event|urgency|severity|` +
		`certainty|area_desc|routes|stops|cause|effect|effective_at|expires_at|publish_at|audience_tags|revision|published_at|` +
		`ended_at|created_by|created_at|updated_at)\b)`
	return regexp.MustCompile(`(?i:\b(from|join|into|update|table))\s+"?notices([\s"` + "`" + `()]|$)|Table\("notices\b|` +
		`(^|[\s(,=])notices\.` + cols + `|"notices\.` + cols + `[^"]`)
}()

// TestOnlyThisPackageNamesItsTables keeps the domain's ownership honest.
func TestOnlyThisPackageNamesItsTables(t *testing.T) {
	apptest.OnlyPackageNamesTables(t, "models/notice", map[string]*regexp.Regexp{"notices": noticesAsTable})
}

// TestNoticesAsTable holds the pattern to what it must and must not match.
func TestNoticesAsTable(t *testing.T) {
	for _, s := range []string{
		`SELECT id FROM notices WHERE`, `JOIN notices ON`, `Table("notices")`, `UPDATE notices SET`,
		`Select("notices.*, accounts.handle")`, `Where("notices.status IN ?")`, `Joins("JOIN a ON a.id = notices.account_id")`,
		"`SELECT COUNT(*) FROM notices`",
	} {
		if !noticesAsTable.MatchString(s) {
			t.Errorf("%s is not taken as the table", s)
		}
	}
	for _, s := range []string{
		`t(ctx, "notices.status")`, `"notices.kind_" + n.Kind`, `"notices.err_time_format"`, `e.GET("/notices.atom")`,
		`acc.GET("/notices/:id")`, `// the notices of an account`, "FileName: `templates/notices.templ`",
		`// turns their alerts into notices:`,
	} {
		if noticesAsTable.MatchString(s) {
			t.Errorf("%s is taken as the table", s)
		}
	}
}
