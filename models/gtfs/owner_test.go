package gtfs_test

import (
	"regexp"
	"testing"

	"github.com/plazahq/plaza/apptest"
)

// TestOnlyThisPackageNamesItsTables keeps the domain's ownership honest.
func TestOnlyThisPackageNamesItsTables(t *testing.T) {
	apptest.OnlyPackageNamesTables(t, "models/gtfs", map[string]*regexp.Regexp{
		"gtfs_feeds":  apptest.NamedAsTable("gtfs_feeds"),
		"gtfs_routes": apptest.NamedAsTable("gtfs_routes"),
		"gtfs_stops":  apptest.NamedAsTable("gtfs_stops"),
	})
}
