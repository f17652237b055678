package handlers_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/models"
)

// Tests for the server's plumbing: health and metrics, static files, errors and HEAD.

func TestHealthAndMetrics(t *testing.T) {
	t.Parallel()
	const token = "metrics-token-for-the-test"
	apptest.Each(t, func(t *testing.T, dbURL string) {
		a := apptest.StartWith(t, dbURL, func(c *config.Config) { c.MetricsToken = token })
		c := a.Client(t)
		expectBody(t, "healthz", c.Get("/healthz"), http.StatusOK, "ok")
		expectBody(t, "readyz", c.Get("/readyz"), http.StatusOK, "ready")
		c.Get("/")
		c.Get("/invite/secret-token-value")

		// Per-route traffic and errors are the operator's: no token, no
		// metrics.
		for _, hdr := range []map[string]string{nil, {"Authorization": "Bearer wrong-token"}, {"Authorization": token}} {
			if res := sendWith(t, a, c, "GET", "/metrics", nil, hdr); res.Status != http.StatusUnauthorized || strings.Contains(res.Body, "plaza_http") {
				t.Fatalf("/metrics with %v: %s\nwant 401 and no metrics", hdr, res)
			}
		}

		// A client may send any method string; each would be a series
		// kept until restart. They all become OTHER.
		for i := range 50 {
			sendWith(t, a, c, fmt.Sprintf("X%dRANDOM", i), "/", nil, nil)
		}
		res := sendWith(t, a, c, "GET", "/metrics", nil, map[string]string{"Authorization": "Bearer " + token})
		expectBody(t, "metrics", res, http.StatusOK, "# TYPE plaza_http_requests_total counter",
			`plaza_http_requests_total{method="GET",route="/",status="200"} 1`,
			`plaza_http_requests_total{method="GET",route="/invite/:token",status="410"} 1`,
			"plaza_http_request_duration_seconds_bucket", "go_goroutines")
		if strings.Contains(res.Body, "secret-token-value") {
			t.Fatal("an invite token leaked into the metrics")
		}
		if !regexp.MustCompile(`plaza_http_requests_total\{method="OTHER",route="/",status="\d+"\} 50\n`).MatchString(res.Body) {
			t.Errorf("the 50 requests with made-up methods are not counted as OTHER:\n%s", res.Body)
		}
		if strings.Contains(res.Body, "RANDOM") {
			t.Fatal("a client's method string became a label value")
		}

		// Without a token /metrics is not on the public listener at all;
		// the operator's own listener serves it (see TestServe).
		b := apptest.Start(t, dbURL)
		bc := b.Client(t)
		if res := bc.Get("/metrics"); res.Status != http.StatusNotFound {
			t.Fatalf("/metrics without a configured token: %s\nwant 404", res)
		}

		// A second instance whose database goes away is not ready, and
		// says so; the first is unaffected.
		if err := b.DB.Close(); err != nil {
			t.Fatal(err)
		}
		expectBody(t, "readyz without a database", bc.Get("/readyz"), http.StatusServiceUnavailable, "database unavailable")
		expectBody(t, "healthz without a database", bc.Get("/healthz"), http.StatusOK, "ok")
		expectBody(t, "readyz of the other instance", c.Get("/readyz"), http.StatusOK, "ready")
	})
}

func TestStaticServesFilesNotFolders(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		c := a.Client(t)
		for path, want := range map[string]int{
			"/static/css/plaza.css":                         http.StatusOK,
			"/static/js/htmx.min.js":                        http.StatusOK,
			"/static/js/areamap.js":                         http.StatusOK,
			"/static/vendor/leaflet/leaflet.js":             http.StatusOK,
			"/static/vendor/leaflet/images/marker-icon.png": http.StatusOK,
			"/static/vendor/":                               http.StatusNotFound,
			"/static/":                                      http.StatusNotFound,
			"/static/css/":                                  http.StatusNotFound,
			"/static/css":                                   http.StatusNotFound,
			"/static/js/../css/":                            http.StatusNotFound,
		} {
			res := c.Get(path)
			if res.Status != want {
				t.Errorf("GET %s: %s\nwant %d", path, res, want)
			}
			if cc := res.Header.Get("Cache-Control"); want == http.StatusOK && cc != "public, max-age=31536000, immutable" {
				t.Errorf("GET %s: Cache-Control %q", path, cc)
			}
			if want == http.StatusNotFound && (strings.Contains(res.Body, ">plaza.css</a>") || strings.Contains(res.Body, `href="css/"`)) {
				t.Errorf("GET %s lists the folder:\n%s", path, res.Body)
			}
		}
	})
}

func TestNotFoundAndTooLarge(t *testing.T) {
	t.Parallel()
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		c := a.Client(t)

		for _, path := range []string{"/no/such/page", "/studio/nope/x", "/static/no-such-file.css.map.x", "/accounts/extra"} {
			res := c.Get(path)
			if res.Status != http.StatusNotFound {
				t.Fatalf("%s: %s", path, res)
			}
			if path == "/static/no-such-file.css.map.x" {
				continue // served by the file server
			}
			if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("%s: Content-Type %q, want an HTML page", path, res.Header.Get("Content-Type"))
			}
			expectBody(t, path, res, http.StatusNotFound, "<!doctype html>", "Page not found", "We could not find that page.", `<a href="/">Go to the home page</a>`)
		}
		// A way back is offered only to a page of this site.
		res := sendWith(t, a, c, "GET", "/nope", nil, map[string]string{"Referer": a.URL + "/accounts?q=x"})
		expectBody(t, "404 with a same-site referer", res, http.StatusNotFound, `<a href="/accounts?q=x">Back to the previous page</a>`)
		res = sendWith(t, a, c, "GET", "/nope", nil, map[string]string{"Referer": "https://evil.example/phish"})
		if strings.Contains(res.Body, "evil.example") || strings.Contains(res.Body, "Back to the previous page") {
			t.Fatal("the error page links back to another site")
		}
		// API-style clients get JSON.
		res = sendWith(t, a, c, "GET", "/no/such/page", nil, map[string]string{"Accept": "application/json"})
		if res.Status != http.StatusNotFound || !strings.Contains(res.Body, `"error"`) {
			t.Fatalf("JSON 404: %s", res)
		}

		// Over 1 MB to an ordinary form: 413, a page that says so, and
		// nothing changed.
		owner := a.Client(t)
		owner.Login(f.ByRole[models.RoleOwner].Email, apptest.Password)
		settings := fmt.Sprintf("/studio/orgs/%d/settings", f.Org.ID)
		big := func() string {
			return url.Values{"_csrf": {owner.CSRF()}, "name": {"Renamed By A Huge Post"}, "kind": {"ngo"},
				"padding": {strings.Repeat("x", 1<<20+10)}}.Encode()
		}
		unchanged := func(t *testing.T) {
			t.Helper()
			org, err := a.Orgs.OrganizationByID(t.Context(), f.Org.ID)
			if err != nil {
				t.Fatal(err)
			}
			if org.Name != "Metro Transit" || org.Kind != models.KindAgency {
				t.Fatalf("an oversized post changed the organization: %+v", org)
			}
		}
		for _, tt := range []struct {
			name string
			body func() io.Reader
			hdr  map[string]string
		}{
			{"with a length", func() io.Reader { return strings.NewReader(big()) }, nil},
			{"streamed", func() io.Reader { return io.MultiReader(strings.NewReader(big())) }, nil},
			{"streamed with the header token", func() io.Reader { return io.MultiReader(strings.NewReader(big())) },
				map[string]string{"X-CSRF-Token": owner.CSRF()}},
			{"with a length, in Chinese", func() io.Reader { return strings.NewReader(big()) }, zh},
		} {
			t.Run(tt.name, func(t *testing.T) {
				res := sendWith(t, a, owner, "POST", settings, tt.body(), tt.hdr)
				want := "What you sent is too large, so nothing was changed."
				if tt.hdr["Accept-Language"] != "" {
					want = "提交的内容过大，未做任何更改。"
				}
				expectBody(t, tt.name, res, http.StatusRequestEntityTooLarge, want)
				unchanged(t)
			})
		}
		// The login form too: no attempt is counted, nobody signed in.
		sessions := rowCount(t, a, "sessions", "")
		form := url.Values{"_csrf": {c.CSRF()}, "email": {f.Admin.Email}, "password": {apptest.Password}, "pad": {strings.Repeat("y", 2<<20)}}
		expectBody(t, "huge login", sendWith(t, a, c, "POST", "/login", strings.NewReader(form.Encode()), nil),
			http.StatusRequestEntityTooLarge, "What you sent is too large")
		if n := rowCount(t, a, "sessions", ""); n != sessions {
			t.Fatal("an oversized login signed someone in")
		}
		if n := rowCount(t, a, "rate_limits", ""); n != 0 {
			t.Fatalf("an oversized login was counted (%d rate-limit rows)", n)
		}
	})
}

// HEAD answers like GET, without a body, as monitors expect.
func TestHeadAnswersLikeGet(t *testing.T) {
	a := apptest.Start(t, apptest.SQLiteURL(t))
	apptest.Seed(t, a)
	for _, tt := range []struct {
		path   string
		status int
	}{{"/", 200}, {"/accounts", 200}, {"/@metro", 200}, {"/@nobody", 404}, {"/healthz", 200}} {
		req, _ := http.NewRequest(http.MethodHead, a.URL+tt.path, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tt.status || len(body) != 0 {
			t.Errorf("HEAD %s: %d with %d bytes, want %d and none", tt.path, res.StatusCode, len(body), tt.status)
		}
		if tt.status == 200 && !strings.HasPrefix(res.Header.Get("Content-Type"), "text/") && tt.path != "/healthz" {
			t.Errorf("HEAD %s: Content-Type %q", tt.path, res.Header.Get("Content-Type"))
		}
	}
	// A form's POST-only route is still not a page.
	req, _ := http.NewRequest(http.MethodHead, a.URL+"/logout", nil)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("HEAD /logout: %v %v", res, err)
	}
}
