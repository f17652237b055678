package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/plazahq/plaza/static"
)

// registerHealth adds the probes a load balancer and Prometheus use.
func registerHealth(e *echo.Echo, ready func(context.Context) error, reg *prometheus.Registry) {
	e.GET("/healthz", func(c echo.Context) error {
		return c.String(http.StatusOK, "ok\n")
	})
	e.GET("/readyz", func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
		defer cancel()
		if err := ready(ctx); err != nil {
			// Probes want a short plain answer; the request log gets why.
			c.Set(ctxCause, err)
			return c.String(http.StatusServiceUnavailable, "database unavailable\n")
		}
		return c.String(http.StatusOK, "ready\n")
	})
	if reg != nil {
		e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})))
	}
}

// registerStatic serves the embedded assets. URLs carry a content hash
// (?v=...), so they can be cached for a year.
func registerStatic(e *echo.Echo) {
	files := http.StripPrefix("/static/", http.FileServerFS(static.FS))
	e.GET("/static/*", func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		files.ServeHTTP(c.Response(), c.Request())
		return nil
	})
}
