package handlers_test

import (
	"fmt"
	"net"
	"net/http"
	"regexp"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/models/followcode"
)

// Helpers shared by the follow-code tests.

func codesURL(f *apptest.Fixtures, rest string) string {
	return fmt.Sprintf("/studio/orgs/%d/accounts/metro/codes%s", f.Org.ID, rest)
}

func codeURL(f *apptest.Fixtures, id int64, rest string) string {
	return codesURL(f, fmt.Sprintf("/%d%s", id, rest))
}

func codeLoad(t *testing.T, a *apptest.App, id int64) followcode.FollowCode {
	t.Helper()
	var c followcode.FollowCode
	if err := a.DB.Gorm.First(&c, id).Error; err != nil {
		t.Fatalf("load code %d: %v", id, err)
	}
	return c
}

func codeCount(t *testing.T, a *apptest.App, model any, where string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := a.DB.Gorm.Model(model).Where(where, args...).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// codeStat reads the number shown under a label of the page's stats.
func codeStat(t *testing.T, body, label string) string {
	t.Helper()
	m := regexp.MustCompile(`<dt>` + regexp.QuoteMeta(label) + `</dt><dd>([^<]*)</dd>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %q in the stats of the page", label)
	}
	return m[1]
}

// codeGetAs fetches path with a User-Agent, as a phone or a crawler would,
// from client (sent as X-Forwarded-For, which counts when the app trusts
// loopback proxies; "" sends none).
func codeGetAs(t *testing.T, a *apptest.App, path, userAgent, client string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, a.URL+path, nil)
	req.Header.Set("User-Agent", userAgent)
	if client != "" {
		req.Header.Set("X-Forwarded-For", client)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// trustLoopbackProxy makes the test client a trusted proxy, so the
// X-Forwarded-For it sends names the client.
func trustLoopbackProxy(c *config.Config) {
	_, n, _ := net.ParseCIDR("127.0.0.0/8")
	c.TrustedProxies = []*net.IPNet{n}
}
