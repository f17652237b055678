package project_test

import (
	"regexp"
	"testing"

	"github.com/plazahq/plaza/apptest"
)

// asTable matches a table's name where SQL or gorm takes it as one, like
// apptest.NamedAsTable, but not in comments, message keys or field
// paths: "projects" and "feedback" are everyday words (the message keys
// "projects.title" and "feedback.err_closed", h.projects, comments about
// a project's feedback). models/follower's owner test has the same.
func asTable(name string) *regexp.Regexp {
	q := regexp.QuoteMeta(name)
	return regexp.MustCompile(`(?m)^[^/\n]*?(?:(?i:\b(?:from|join|into|update|table))\s+"?` + q + `(?:[\s("]|$)|Table\("` + q +
		`\b|[\s(,=]` + q + `\.[a-z_]|"` + q + `\.[a-z_]+[^a-z_"])`)
}

// TestOnlyThisPackageNamesItsTables keeps the domain's ownership honest.
func TestOnlyThisPackageNamesItsTables(t *testing.T) {
	apptest.OnlyPackageNamesTables(t, "models/project", map[string]*regexp.Regexp{
		"project_questions": apptest.Named("project_questions"),
		"project_events":    apptest.Named("project_events"),
		"feedback_reports":  apptest.Named("feedback_reports"),
		"projects":          asTable("projects"),
		"feedback":          asTable("feedback"),
	})
}

// TestAsTable: SQL and gorm naming the table match; message keys,
// comments and field paths do not.
func TestAsTable(t *testing.T) {
	re := asTable("projects")
	for _, s := range []string{"SELECT id FROM projects WHERE", `Table("projects")`, "JOIN projects ON projects.id = x", `"UPDATE projects SET x"`} {
		if !re.MatchString(s) {
			t.Errorf("%q not matched", s)
		}
	}
	for _, s := range []string{`redirect(c, "projects.saved")`, "// the account's projects from the store", "h.projects.OrgProject(ctx)", `"projects.status_" + s`} {
		if re.MatchString(s) {
			t.Errorf("%q matched", s)
		}
	}
}
