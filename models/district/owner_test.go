package district_test

import (
	"regexp"
	"testing"

	"github.com/plazahq/plaza/apptest"
)

// TestOnlyThisPackageNamesItsTables keeps the domain's ownership honest.
// models/follower reads area_cells in AudienceFrom, the one statement
// that chooses an audience.
func TestOnlyThisPackageNamesItsTables(t *testing.T) {
	apptest.OnlyPackageNamesTables(t, "models/district", map[string]*regexp.Regexp{
		"districts":   apptest.NamedAsTable("districts"),
		"area_covers": apptest.Named("area_covers"),
	})
	apptest.OnlyPackageNamesTables(t, "models/district", map[string]*regexp.Regexp{
		"area_cells": apptest.Named("area_cells"),
	}, "models/follower")
}
