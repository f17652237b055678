package handlers

import (
	"context"
	"crypto/subtle"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/plazahq/plaza/static"
)

// registerHealth adds the probes a load balancer and Prometheus use.
func registerHealth(e *echo.Echo, ready func(context.Context) error, reg *prometheus.Registry, metricsToken string) {
	e.GET("/healthz", func(c echo.Context) error {
		return c.String(http.StatusOK, "ok\n")
	})
	e.GET("/readyz", func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
		defer cancel()
		if err := ready(ctx); err != nil {
			// Probes want a short plain answer; the request log gets why.
			setCause(c, err)
			return c.String(http.StatusServiceUnavailable, "database unavailable\n")
		}
		return c.String(http.StatusOK, "ready\n")
	})
	if reg != nil && metricsToken != "" {
		metrics := MetricsHandler(reg)
		e.GET("/metrics", func(c echo.Context) error {
			// Per-route traffic and error counts are for the operator,
			// not for anyone who finds the URL.
			if !bearerMatches(c.Request().Header.Get("Authorization"), metricsToken) {
				c.Response().Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
				return c.String(http.StatusUnauthorized, "a bearer token is needed\n")
			}
			metrics.ServeHTTP(c.Response(), c.Request())
			return nil
		})
	}
}

// MetricsHandler serves reg's metrics in Prometheus' format; main serves
// it on the metrics listener, registerHealth behind a token.
func MetricsHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}

// bearerMatches compares in constant time, so the answer's timing does not
// spell the token out.
func bearerMatches(header, token string) bool {
	got, ok := strings.CutPrefix(header, "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(token)) == 1
}

// registerStatic serves the embedded assets. URLs carry a content hash
// (?v=...), so they can be cached for a year. Only files: a folder's
// listing would map what the binary holds for nobody's benefit.
func registerStatic(e *echo.Echo) {
	files := http.StripPrefix("/static/", http.FileServerFS(static.FS))
	e.GET("/static/*", func(c echo.Context) error {
		if info, err := fs.Stat(static.FS, path.Clean(c.Param("*"))); err != nil || info.IsDir() {
			return echo.ErrNotFound
		}
		c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		files.ServeHTTP(c.Response(), c.Request())
		return nil
	})
}
