package handlers

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/auth"
)

// formGuard protects state-changing requests against cross-site forgery.
// Every such request passes Go's CrossOriginProtection, which refuses a
// request the browser marks as coming from another site (Sec-Fetch-Site,
// or an Origin header that is not this host). A signed-in browser's forms
// also carry a token bound to its session: an HMAC under a key only the
// server knows, so it cannot be guessed or planted, and signing in
// changes it. Anonymous pages carry no token (formToken says why).
type formGuard struct {
	origins *http.CrossOriginProtection
	signer  *auth.Signer
}

// newFormGuard trusts baseURL's origin besides the request's own host, so
// that a proxy rewriting the Host header does not lock out browsers that
// send only Origin.
func newFormGuard(signer *auth.Signer, baseURL string) *formGuard {
	origins := http.NewCrossOriginProtection()
	if u, err := url.Parse(baseURL); err == nil && u.Scheme != "" && u.Host != "" {
		// The configuration checked the URL; a failure here only means
		// no extra origin is trusted.
		_ = origins.AddTrustedOrigin(u.Scheme + "://" + u.Host)
	}
	return &formGuard{origins: origins, signer: signer}
}

// sessionToken is the form token of a signed-in browser: a new sign-in
// is a new session cookie, so the token changes with it.
func (g *formGuard) sessionToken(session string) string {
	return g.signer.Digest("form-session", session)
}

// csrfExempt lists the routes that change state without a form of this
// site. The JSON API authenticates with bearer tokens only, never with
// the session cookie, so a forged cross-site request carries no
// credential; chat platforms sign their requests; mail providers send
// RFC 8058 one-click unsubscribes, whose link is itself signed.
func csrfExempt(route string) bool {
	return strings.HasPrefix(route, "/api/") || strings.HasPrefix(route, "/bridge/") || route == unsubscribeRoute
}

// checkCSRF refuses a state-changing request whose form token (field
// _csrf, or the X-CSRF-Token header htmx sends) is none of accepted.
func checkCSRF(c echo.Context, accepted ...string) error {
	req := c.Request()
	// The form is parsed even when the token comes in a header (htmx), so
	// that a body over the limit or malformed is refused here; echo's
	// FormValue would hide the error and hand the handler an empty form.
	if err := parseForm(req); err != nil {
		return err
	}
	got := req.Header.Get("X-CSRF-Token")
	if got == "" {
		got = req.FormValue("_csrf")
	}
	if got == "" {
		return errCSRF
	}
	for _, want := range accepted {
		if want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1 {
			return nil
		}
	}
	return errCSRF
}

// publiclyCacheable reports whether a shared cache may store the response
// and hand it to anyone; such a response must carry no cookie.
func publiclyCacheable(h http.Header) bool {
	for _, v := range h.Values("Cache-Control") {
		for _, d := range strings.Split(v, ",") {
			d = strings.ToLower(strings.TrimSpace(d))
			if d == "public" || strings.HasPrefix(d, "s-maxage") {
				return true
			}
		}
	}
	return false
}

// cookieName gives the session and visitor cookies the __Host- prefix
// when the site is served over https: a browser then accepts them only
// from this host itself, Secure and for the whole site, so a sibling
// subdomain cannot plant one. Plain http (development, tests) cannot use
// the prefix.
func (cfg Config) cookieName(name string) string {
	if cfg.SecureCookies {
		return "__Host-" + name
	}
	return name
}
