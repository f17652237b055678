// Package app wires Plaza together: it opens the database, applies
// migrations and builds the HTTP handler from plain constructors. Both
// `plaza serve` and the tests start Plaza through it.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/database"
	"github.com/plazahq/plaza/handlers"
	"github.com/plazahq/plaza/models"
)

// App is a running Plaza minus its listener.
type App struct {
	Config  config.Config
	DB      *database.DB
	Store   *models.Store
	Handler http.Handler
	// Echo is the router behind Handler, for listing routes.
	Echo *echo.Echo
	Log  *slog.Logger
}

// New opens the database, migrates it and builds the handler.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	db, err := database.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if len(applied) > 0 {
		log.Info("applied migrations", "versions", applied, "database", string(db.Dialect))
	}
	store := models.NewStore(db, nil)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db.SQL, "plaza"))
	e := handlers.New(handlers.Deps{
		Store: store, Ready: db.Ping, Logger: log, Registry: reg,
		Config: handlers.Config{BaseURL: cfg.BaseURL, SecureCookies: cfg.SecureCookies(), LoginLimit: cfg.LoginLimit,
			TrustedProxies: cfg.TrustedProxies},
	})
	return &App{Config: cfg, DB: db, Store: store, Handler: e, Echo: e, Log: log}, nil
}

// Close releases the database.
func (a *App) Close() error { return a.DB.Close() }

// Housekeeping removes expired sessions once an hour until ctx ends. It
// holds no work that could be lost: a missed run is done by the next one.
func (a *App) Housekeeping(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := a.Store.DeleteExpiredSessions(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			a.Log.Warn("housekeeping", "err", err)
		} else if n > 0 {
			a.Log.Info("housekeeping: removed expired sessions", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Server is an http.Server with timeouts on every phase, so a slow client
// cannot hold a connection open for ever.
func Server(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}

// NewLogger builds the slog logger the configuration asks for.
func NewLogger(cfg config.Config, w interface{ Write([]byte) (int, error) }) (*slog.Logger, error) {
	level, err := cfg.SlogLevel()
	if err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	if cfg.LogFormat != "text" {
		return nil, fmt.Errorf("log format %q", cfg.LogFormat)
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}
