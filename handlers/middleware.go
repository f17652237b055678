package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/district"
	"github.com/plazahq/plaza/models/gtfs"
	"github.com/plazahq/plaza/models/media"
	"github.com/plazahq/plaza/templates"
)

const (
	sessionCookie = "plaza_session"
	langCookie    = "plaza_lang"
	flashCookie   = "plaza_flash"

	defaultBodyLimit = 1 << 20
	// uploadBodyLimit leaves room for the multipart envelope around a
	// maximum-size avatar, so a file just over the limit gets the form's own
	// message rather than a bare 413.
	uploadBodyLimit = media.MaxAvatarBytes + 256<<10
	// importBodyLimit fits a CSV of well over 100,000 followers.
	importBodyLimit = 32 << 20
	// gtfsBodyLimit lets a GTFS zip file just over its limit through, so
	// the form says why it is refused.
	gtfsBodyLimit = gtfs.MaxZipBytes + 256<<10
	// districtsBodyLimit lets a districts file just over its limit
	// through, so the form says why it is refused.
	districtsBodyLimit = district.MaxFileBytes + 256<<10
	// projectFileBodyLimit fits the largest document of a project or a
	// notice (a PDF), with room for the multipart envelope.
	projectFileBodyLimit = media.MaxDocumentBytes + 256<<10
)

// bodyLimit is the largest body a route accepts.
func bodyLimit(route string) int64 {
	switch {
	case strings.HasSuffix(route, "/avatar"):
		return uploadBodyLimit
	case strings.HasPrefix(route, "/bridge/"):
		return bridgeBodyLimit
	case strings.HasSuffix(route, "/files"):
		return projectFileBodyLimit
	case strings.HasSuffix(route, "/imports"):
		return importBodyLimit
	case strings.HasSuffix(route, "/gtfs"):
		return gtfsBodyLimit
	case strings.HasSuffix(route, "/districts"):
		return districtsBodyLimit
	}
	return defaultBodyLimit
}

// errCSRF is a state-changing request without the token of the page it
// came from: a forged request or a form left open past its cookie.
var errCSRF = errors.New("missing or wrong CSRF token")

type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg *prometheus.Registry) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "plaza_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "plaza_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.duration)
	}
	return m
}

// logRequests logs every request once, with the error that ended it if
// any. It is the one place errors are logged.
func (s *server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		} else if cause, ok := causeOf(c); ok {
			err = cause
		}
		req, res := c.Request(), c.Response()
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		path := req.URL.Path
		if strings.Contains(route, ":token") {
			// Invite links are secrets: keep them out of the logs.
			path = route
		}
		elapsed := time.Since(start)
		method := methodLabel(req.Method)
		s.metrics.requests.WithLabelValues(method, route, strconv.Itoa(res.Status)).Inc()
		s.metrics.duration.WithLabelValues(method, route).Observe(elapsed.Seconds())
		attrs := []any{
			"method", method, "path", path, "route", route, "status", res.Status,
			"duration_ms", float64(elapsed.Microseconds()) / 1000, "bytes", res.Size,
		}
		switch {
		case res.Status >= 500:
			s.log.Error("request", append(attrs, "err", err)...)
		case err != nil:
			// A 4xx is the client's mistake, worth a line but not an alert.
			s.log.Info("request", append(attrs, "err", err)...)
		default:
			s.log.Info("request", attrs...)
		}
		return nil
	}
}

// methodLabel keeps the standard methods and folds every other string a
// client may send into one value: each label value is a series kept for
// the life of the process, so a label must not take whatever comes.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

func (s *server) recoverPanic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return next(c)
	}
}

// contentSecurityPolicy allows only this site's own scripts, styles and
// images (plus data: images for inline QR previews later), and images from
// the map tile server when one is configured; no inline script or style.
// Leaflet (static/vendor) fits: it positions through element.style, which
// the policy does not restrict, and its icons are under /static/.
func contentSecurityPolicy(tileURL string) string {
	img := "'self' data:"
	if u, err := url.Parse(tileURL); err == nil && u.Host != "" {
		img += " " + u.Scheme + "://" + u.Host
	}
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src " + img + "; " +
		"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
}

func securityHeaders(tileURL string) echo.MiddlewareFunc {
	// Built once, in canonical form, and assigned without copying: these
	// go on every response, a cached public page's included. Set replaces
	// a value and never writes into these slices.
	fixed := map[string][]string{
		"Content-Security-Policy": {contentSecurityPolicy(tileURL)},
		"X-Content-Type-Options":  {"nosniff"},
		"X-Frame-Options":         {"DENY"},
		"Referrer-Policy":         {"same-origin"},
		// The place picker's "Use my location" asks for the position.
		"Permissions-Policy":         {"camera=(), microphone=(), geolocation=(self)"},
		"Cross-Origin-Opener-Policy": {"same-origin"},
	}
	hsts := []string{"max-age=31536000"}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			for k, v := range fixed {
				h[k] = v[:1:1]
			}
			if c.Request().TLS != nil || c.Scheme() == "https" {
				h["Strict-Transport-Security"] = hsts[:1:1]
			}
			return next(c)
		}
	}
}

// limitBody caps every request body; uploads get a larger cap on their own
// routes. Reading past the cap fails with *http.MaxBytesError, which the
// error handler turns into 413.
func (s *server) limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		limit := bodyLimit(c.Path())
		req := c.Request()
		if req.ContentLength > limit {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge).SetInternal(
				fmt.Errorf("body of %d bytes over the %d limit", req.ContentLength, limit))
		}
		req.Body = http.MaxBytesReader(c.Response(), req.Body, limit)
		return next(c)
	}
}

func (s *server) setCookie(c echo.Context, name, value string, maxAge int) {
	c.SetCookie(&http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
}

func setFlash(c echo.Context, key string) {
	c.SetCookie(&http.Cookie{Name: flashCookie, Value: key, Path: "/", MaxAge: 60, HttpOnly: true, Secure: isHTTPS(c), SameSite: http.SameSiteLaxMode})
}

// isHTTPS marks cookies that need no server state (flash, language)
// Secure when the page itself came over https.
func isHTTPS(c echo.Context) bool { return c.IsTLS() || c.Scheme() == "https" }

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// pageEnv works out the language, the signed-in user, the form token and
// a pending flash message, refuses forged state-changing requests, puts all
// of it in the request context for the templates, and refuses text that no
// database could store.
func (s *server) pageEnv(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		env := &templates.Env{Lang: requestLang(c), Path: req.URL.RequestURI(), Static: s.staticVersion, Loc: s.cfg.Location, WebPushKey: s.cfg.WebPushKey, BaseURL: strings.TrimRight(s.cfg.BaseURL, "/")}
		forms := unsafeMethod(req.Method) && !csrfExempt(c.Path())
		if forms {
			if err := s.guard.origins.Check(req); err != nil {
				return fmt.Errorf("%w: %w", errCSRF, err)
			}
		}

		session := ""
		api := strings.HasPrefix(c.Path(), "/api/") || strings.HasPrefix(c.Path(), "/bridge/")
		if ck, err := req.Cookie(s.cfg.cookieName(sessionCookie)); err == nil && ck.Value != "" && !api {
			u, err := s.orgs.SessionUser(req.Context(), ck.Value)
			switch {
			case err == nil:
				env.User, session = u, ck.Value
			case errors.Is(err, models.ErrNotFound):
				s.setCookie(c, s.cfg.cookieName(sessionCookie), "", -1)
			default:
				return err
			}
		}

		if err := s.formToken(c, env, session, forms); err != nil {
			return err
		}

		if ck, err := req.Cookie(flashCookie); err == nil {
			if i18n.Has(ck.Value) {
				env.Flash = ck.Value
			}
			c.SetCookie(&http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
		}

		if bannerPage(req.URL.Path) {
			list, changes, err := s.banners.At(req.Context())
			if err != nil {
				return err
			}
			env.Banners, env.BannersChange = list, changes
		}

		c.SetRequest(req.WithContext(templates.WithEnv(req.Context(), env)))
		if env.User != nil {
			setValue(c, keyUser, env.User)
		}
		if !storableInput(req) {
			return echo.NewHTTPError(http.StatusBadRequest).SetInternal(errors.New("NUL byte or invalid UTF-8 in the path, query or form"))
		}
		return next(c)
	}
}

// formToken puts a signed-in browser's form token in env and, when check
// is set, refuses a request that does not carry it. session is the cookie
// of a signed-in browser, empty for everyone else.
//
// A browser that is not signed in gets no token and no cookie: its page is
// the same bytes for everyone who reads it in that language, which is what
// lets a public page be cached (pagecache) and revalidated with an ETag.
// Its state-changing requests (follow, feedback, sign-in, reports) are
// guarded by the cross-origin check pageEnv has already made, Go's
// CrossOriginProtection: a request the browser marks as coming from
// another site (Sec-Fetch-Site, or an Origin that is not this host) is
// refused. Every browser Plaza supports sends one of the two with a form
// post. An anonymous request carries no credential a forger could ride on,
// so the token added nothing but a cookie a sibling subdomain could plant
// (security review, finding 18). A signed-in browser keeps its
// session-bound token as a second layer.
func (s *server) formToken(c echo.Context, env *templates.Env, session string, check bool) error {
	if session != "" {
		env.CSRF = s.guard.sessionToken(session)
	}
	s.cookiesOnlyOnPrivatePages(c)
	if !check {
		return nil
	}
	if session == "" {
		// The form is still read here, so that a body over the limit or
		// malformed is refused before any handler runs.
		return parseForm(c.Request())
	}
	return checkCSRF(c, env.CSRF)
}

// cookiesOnlyOnPrivatePages keeps every cookie off a response that a
// shared cache may store (static files, public media, feeds, the API
// description, anonymous public pages): a cache would hand the same cookie
// to everyone.
func (s *server) cookiesOnlyOnPrivatePages(c echo.Context) {
	res := c.Response()
	res.Before(func() {
		if h := res.Header(); publiclyCacheable(h) {
			h.Del("Set-Cookie")
		}
	})
}

// parseForm reads the request's form, so that a body over the limit or a
// malformed one is refused before any handler runs.
func parseForm(req *http.Request) error {
	var err error
	if strings.HasPrefix(req.Header.Get(echo.HeaderContentType), echo.MIMEMultipartForm) {
		err = req.ParseMultipartForm(4 << 20)
	} else {
		err = req.ParseForm()
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge).SetInternal(err)
		}
		return echo.NewHTTPError(http.StatusBadRequest).SetInternal(fmt.Errorf("parse form: %w", err))
	}
	return nil
}

// storableInput reports whether the path, the query and the parsed form
// fields hold only text a database can store: valid UTF-8 without NUL
// bytes. PostgreSQL refuses anything else, which would be a 500 for what is
// the client's mistake. Uploaded files are not form fields and may hold any
// bytes.
func storableInput(req *http.Request) bool {
	ok := func(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }
	okValues := func(vs map[string][]string) bool {
		for k, list := range vs {
			if !ok(k) {
				return false
			}
			for _, v := range list {
				if !ok(v) {
					return false
				}
			}
		}
		return true
	}
	if !ok(req.URL.Path) || !okValues(req.URL.Query()) || !okValues(req.PostForm) {
		return false
	}
	return req.MultipartForm == nil || okValues(req.MultipartForm.Value)
}

// requestLang is the interface language of a request: ?lang= (the
// address a page's hreflang alternates give, so each language has its
// own URL), the remembered switch, then Accept-Language.
func requestLang(c echo.Context) i18n.Lang {
	if q := c.QueryParam("lang"); q != "" {
		if l, ok := i18n.Parse(q); ok {
			return l
		}
	}
	if ck, err := c.Request().Cookie(langCookie); err == nil {
		if l, ok := i18n.Parse(ck.Value); ok {
			return l
		}
	}
	return i18n.Negotiate(c.Request().Header.Get("Accept-Language"))
}

func langOf(c echo.Context) i18n.Lang { return templates.EnvOf(c.Request().Context()).Lang }

// requireUser sends anonymous visitors to the login page, remembering
// where they were going.
func requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if currentUser(c) == nil {
			target := "/login"
			if c.Request().Method == http.MethodGet {
				target += "?next=" + url.QueryEscape(c.Request().URL.RequestURI())
			}
			return c.Redirect(http.StatusSeeOther, target)
		}
		return next(c)
	}
}

func requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if u := currentUser(c); u == nil || !u.IsAdmin {
			return models.ErrForbidden
		}
		return next(c)
	}
}

// HeadAsGet answers HEAD like GET: monitors and load balancers check
// pages with HEAD, and echo routes only the methods registered (and reads
// the method before any middleware runs, so this wraps it). The handler
// gets a copy of the request with GET; net/http, which still holds the
// original HEAD request, sends the headers and drops the body.
func HeadAsGet(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			get := *r
			get.Method = http.MethodGet
			r = &get
		}
		h.ServeHTTP(w, r)
	})
}
