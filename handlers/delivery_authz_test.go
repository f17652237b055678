package handlers_test

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/plazahq/plaza/apptest"
)

// deliveryRoutes are the authorization matrix rows of an account's
// delivery settings.
func deliveryRoutes(t testing.TB, a *apptest.App, f *apptest.Fixtures) []route {
	path := fmt.Sprintf("/studio/orgs/%d/accounts/metro/delivery", f.Org.ID)
	writers := []visitor{owner, editor}
	return []route{
		{"GET", path, nil, writers, 200},
		{"POST", path, url.Values{"url": {"https://gw.example.org/hook"}, "send_rate": {"0"}}, writers, 303},
	}
}
