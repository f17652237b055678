package handlers

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/templates"
)

// handleError maps every error a handler returns to a page (or JSON for
// API clients). Logging happens once, in logRequests.
func (s *server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if c.Request().Context().Err() != nil {
		// The client went away before the answer (a closed tab, a load
		// tester stopping), which interrupted the work whatever error it
		// surfaced as: nobody reads this response, and it is not a server
		// fault. 499 is the status proxies log for it.
		_ = c.NoContent(statusClientClosed)
		return
	}
	var ae *apiError
	if errors.As(err, &ae) {
		retryLater(c, ae.status)
		_ = c.JSON(ae.status, map[string]any{"error": ae})
		return
	}
	status, title, msg := classify(err)
	retryLater(c, status)
	if p := c.Request().URL.Path; strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/bridge/") {
		_ = c.JSON(status, map[string]any{"error": apiErrorFor(err, status, title)})
		return
	}
	if strings.Contains(c.Request().Header.Get("Accept"), "application/json") &&
		!strings.Contains(c.Request().Header.Get("Accept"), "text/html") {
		_ = c.JSON(status, map[string]any{"error": map[string]string{"code": strings.TrimPrefix(title, "error."), "message": msg}})
		return
	}
	// The error page needs the request's language even when the error
	// came before pageEnv ran (a 404 from the router, an oversized body).
	ctx := c.Request().Context()
	if templates.EnvOf(ctx).Static == "" {
		env := &templates.Env{Lang: requestLang(c), Path: c.Request().URL.RequestURI(), Static: s.staticVersion}
		c.SetRequest(c.Request().WithContext(templates.WithEnv(ctx, env)))
	}
	_ = render(c, status, templates.ErrorPage(status, title, msg, sameSiteReferer(c)))
}

// retryAfter is when a client may try again after a 503: the database
// was busy, restarting or unreachable, which is usually over in seconds.
const retryAfter = "5"

// retryLater tells clients and load balancers when to come back after a
// 503, so they retry instead of treating it as a failure.
func retryLater(c echo.Context, status int) {
	if status == http.StatusServiceUnavailable {
		c.Response().Header().Set("Retry-After", retryAfter)
	}
}

// statusClientClosed is nginx's "client closed request".
const statusClientClosed = 499

// classify turns an error into a status and the i18n keys of its page.
func classify(err error) (int, string, string) {
	var he *echo.HTTPError
	var tooBig *http.MaxBytesError
	var netErr net.Error
	switch {
	case errors.Is(err, errCSRF):
		return http.StatusForbidden, "error.csrf_title", "error.csrf"
	case errors.Is(err, models.ErrNotFound):
		return http.StatusNotFound, "error.not_found_title", "error.not_found"
	case errors.Is(err, models.ErrForbidden):
		return http.StatusForbidden, "error.forbidden_title", "error.forbidden"
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge, "error.too_large_title", "error.too_large"
	case errors.As(err, &he):
		switch he.Code {
		case http.StatusNotFound:
			return he.Code, "error.not_found_title", "error.not_found"
		case http.StatusMethodNotAllowed:
			return he.Code, "error.method_title", "error.method"
		case http.StatusRequestEntityTooLarge:
			return he.Code, "error.too_large_title", "error.too_large"
		case http.StatusTooManyRequests:
			return he.Code, "error.too_many_title", "error.too_many"
		case http.StatusServiceUnavailable:
			return he.Code, "error.unavailable_title", "error.unavailable"
		}
		if he.Code >= 400 && he.Code < 500 {
			return he.Code, "error.bad_request_title", "error.bad_request"
		}
		return http.StatusInternalServerError, "error.internal_title", "error.internal"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr), models.Unavailable(err):
		// The database did not answer in time or the connection dropped:
		// a temporary outage, not a bug.
		return http.StatusServiceUnavailable, "error.unavailable_title", "error.unavailable"
	}
	var v *models.ValidationError
	if errors.As(err, &v) {
		return http.StatusUnprocessableEntity, "error.bad_request_title", "error.bad_request"
	}
	return http.StatusInternalServerError, "error.internal_title", "error.internal"
}

// sameSiteReferer offers a way back to the page the request came from, but
// only within this site.
func sameSiteReferer(c echo.Context) string {
	ref := c.Request().Referer()
	if ref == "" {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil || u.Host != c.Request().Host {
		return ""
	}
	return safeNext(u.RequestURI())
}
