package handlers_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/models"
)

// internalService stands for a service on the operator's network: it
// answers every request 403 with a secret in its body.
func internalService(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "INTERNAL-SECRET-TOKEN=abc123", http.StatusForbidden)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// pointAt has an editor set the account's webhook to hook and its alert
// feed to feed; it returns the editor's client and the account's studio
// path.
func pointAt(t *testing.T, a *apptest.App, f *apptest.Fixtures, hook, feed string) (*apptest.Client, string) {
	t.Helper()
	c := a.Client(t)
	c.Login(f.ByRole[models.RoleEditor].Email, apptest.Password)
	base := fmt.Sprintf("/studio/orgs/%d/accounts/metro", f.Org.ID)
	if r := c.Post(base+"/delivery", url.Values{"enabled": {"on"}, "url": {hook}, "feed_url": {feed}, "feed_interval": {"15"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("save %s: %s", hook, r)
	}
	return c, base
}

// pollFeed polls the account's alert feed now, as the app's poller does.
func pollFeed(t *testing.T, a *apptest.App, f *apptest.Fixtures) {
	t.Helper()
	feed, err := a.AlertSources.Of(t.Context(), f.Member(models.RoleOwner), f.Account)
	if err != nil || feed == nil {
		t.Fatalf("feed: %v", err)
	}
	a.Feeds.Poll(t.Context(), feed)
}

// TestInternalAddressesAreRefused is the security review's SSRF finding
// end to end, on a Plaza without the operator's allowance: an editor
// points the webhook and the alert feed at internal addresses and presses
// "Test connection". Nothing reaches the internal service, and the pages
// say "address not allowed".
func TestInternalAddressesAreRefused(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		internal, hits := internalService(t)
		port := internal.URL[strings.LastIndex(internal.URL, ":")+1:]
		a := apptest.StartWith(t, dbURL, func(c *config.Config) { c.Outbound = nil })
		f := apptest.Seed(t, a)
		for _, target := range []string{internal.URL, "http://localhost:" + port, "http://[::ffff:127.0.0.1]:" + port,
			"http://169.254.169.254", "http://10.0.0.1"} {
			c, base := pointAt(t, a, f, target+"/secret", target+"/feed")
			r := c.Post(base+"/chat/webhook/test", nil)
			if r.Status != http.StatusOK || !strings.Contains(r.Body, "The webhook receiver could not be reached (address not allowed)") {
				t.Fatalf("test connection to %s: %s", target, r)
			}
			pollFeed(t, a, f)
			if page := c.Get(base + "/delivery"); !strings.Contains(page.Body, "feed unreachable: address not allowed") {
				t.Fatalf("delivery page after polling %s: %s", target, page)
			}
		}
		if hits.Load() != 0 {
			t.Fatalf("%d requests reached the internal service", hits.Load())
		}
	})
}

// TestReceiversBodyIsNotShown: with the allowance (a test setup), the
// service is reached, but staff see only its status, never its body.
func TestReceiversBodyIsNotShown(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		internal, hits := internalService(t)
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		c, base := pointAt(t, a, f, internal.URL+"/secret", internal.URL+"/feed")
		r := c.Post(base+"/chat/webhook/test", nil)
		if !strings.Contains(r.Body, "The webhook receiver answered HTTP 403") || strings.Contains(r.Body, "INTERNAL-SECRET") {
			t.Fatalf("test connection: %s", r)
		}
		pollFeed(t, a, f)
		if page := c.Get(base + "/delivery"); !strings.Contains(page.Body, "feed answered HTTP 403") || strings.Contains(page.Body, "INTERNAL-SECRET") {
			t.Fatalf("delivery page: %s", page)
		}
		if hits.Load() < 2 {
			t.Fatalf("%d requests reached the service", hits.Load())
		}
	})
}
