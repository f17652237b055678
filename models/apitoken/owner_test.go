package apitoken_test

import (
	"regexp"
	"testing"

	"github.com/plazahq/plaza/apptest"
)

// TestOnlyThisPackageNamesItsTables keeps the domain's ownership honest.
func TestOnlyThisPackageNamesItsTables(t *testing.T) {
	apptest.OnlyPackageNamesTables(t, "models/apitoken", map[string]*regexp.Regexp{
		"api_tokens": apptest.Named("api_tokens"), "idempotency_keys": apptest.Named("idempotency_keys"),
	})
}
