package project_test

import (
	"regexp"
	"testing"

	"github.com/plazahq/plaza/apptest"
)

// TestOnlyThisPackageNamesItsTables keeps the domain's ownership honest.
// projects and feedback are left out for now: models/privacy.go (a
// follower's data export and erasure) still selects a follower's answers
// from feedback joined to projects; the follower domain will read them
// through this service instead.
func TestOnlyThisPackageNamesItsTables(t *testing.T) {
	apptest.OnlyPackageNamesTables(t, "models/project", map[string]*regexp.Regexp{
		"project_questions": apptest.Named("project_questions"),
		"project_events":    apptest.Named("project_events"),
		"feedback_reports":  apptest.Named("feedback_reports"),
	})
}
