package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/plazahq/plaza/apptest"
)

// gtfsRoutes are the authorization matrix rows of the GTFS feed page and
// its autocomplete searches: every role reads, owners and editors import.
func gtfsRoutes(t testing.TB, a *apptest.App, f *apptest.Fixtures) []route {
	t.Helper()
	base := fmt.Sprintf("/studio/orgs/%d/accounts/metro/gtfs", f.Org.ID)
	all := []visitor{owner, editor, moderator, viewer}
	writers := []visitor{owner, editor}
	return []route{
		{"GET", base, nil, all, http.StatusOK},
		// No file: the form comes back with its message.
		{"POST", base, url.Values{}, writers, http.StatusUnprocessableEntity},
		{"GET", base + "/routes?q=1", nil, all, http.StatusOK},
		{"GET", base + "/stops?q=1", nil, all, http.StatusOK},
	}
}
