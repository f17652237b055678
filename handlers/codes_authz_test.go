package handlers_test

import (
	"testing"

	"github.com/plazahq/plaza/apptest"
)

// codeRoutes are the authorization matrix rows of this area's studio routes; it
// may create the data its routes need through a.Store.
func codeRoutes(t testing.TB, a *apptest.App, f *apptest.Fixtures) []route {
	return nil
}
