package alertsource_test

import (
	"regexp"
	"testing"

	"github.com/plazahq/plaza/apptest"
)

// TestOnlyThisPackageNamesItsTables keeps the domain's ownership honest.
func TestOnlyThisPackageNamesItsTables(t *testing.T) {
	apptest.OnlyPackageNamesTables(t, "models/alertsource", map[string]*regexp.Regexp{
		"alert_feeds": apptest.Named("alert_feeds"), "alert_feed_items": apptest.Named("alert_feed_items"),
	})
}
