// Package app wires Plaza together: it opens the database, applies
// migrations and builds the HTTP handler and the background workers from
// plain constructors. Both `plaza serve` and the tests start Plaza through
// it.
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
	"github.com/riverqueue/river"

	"github.com/plazahq/plaza/auth"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/database"
	"github.com/plazahq/plaza/handlers"
	"github.com/plazahq/plaza/mailer"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/queue"
)

// App is a running Plaza minus its listener.
type App struct {
	Config  config.Config
	DB      *database.DB
	Store   *models.Store
	Handler http.Handler
	// Echo is the router behind Handler, for listing routes.
	Echo  *echo.Echo
	Log   *slog.Logger
	Links *mailer.Links
	Jobs  *queue.Runner
}

// Options are knobs that only tests turn.
type Options struct {
	// QueuePoll is how often idle workers look for jobs.
	QueuePoll time.Duration
}

// Migrate applies Plaza's migrations and the job queue's.
func Migrate(ctx context.Context, db *database.DB, log *slog.Logger) error {
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) > 0 && log != nil {
		log.Info("applied migrations", "versions", applied, "database", string(db.Dialect))
	}
	return queue.Migrate(ctx, db)
}

// New opens the database, migrates it and builds the handler and workers.
// Call Start to run the workers.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, opts Options) (*App, error) {
	db, err := database.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	a, err := build(ctx, db, cfg, log, opts)
	if err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

func build(ctx context.Context, db *database.DB, cfg config.Config, log *slog.Logger, opts Options) (*App, error) {
	if err := Migrate(ctx, db, log); err != nil {
		return nil, err
	}
	inserter, err := queue.NewInserter(db)
	if err != nil {
		return nil, err
	}
	store := models.NewStore(db, nil).WithQueue(inserter)
	key, err := store.SigningKey(ctx)
	if err != nil {
		return nil, err
	}
	links := &mailer.Links{BaseURL: cfg.BaseURL, Signer: auth.NewSigner(key), Now: time.Now}
	sender, err := mailer.NewSender(cfg.SMTPURL, log)
	if err != nil {
		return nil, err
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &mailer.FollowerMailWorker{Store: store, Sender: sender, Links: links, From: cfg.MailFrom})
	runner, err := queue.NewRunner(db, workers, log, queue.Options{PollInterval: opts.QueuePoll})
	if err != nil {
		return nil, err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db.SQL, "plaza"))
	e := handlers.New(handlers.Deps{
		Store: store, Ready: db.Ping, Logger: log, Registry: reg, Links: links,
		Config: handlers.Config{BaseURL: cfg.BaseURL, SecureCookies: cfg.SecureCookies(), LoginLimit: cfg.LoginLimit,
			TrustedProxies: cfg.TrustedProxies},
	})
	return &App{Config: cfg, DB: db, Store: store, Handler: e, Echo: e, Log: log, Links: links, Jobs: runner}, nil
}

// Start runs the background workers until Stop.
func (a *App) Start(ctx context.Context) error {
	if err := a.Jobs.Start(ctx); err != nil {
		return fmt.Errorf("start workers: %w", err)
	}
	return nil
}

// Stop lets running jobs finish until ctx ends; unfinished ones are picked
// up again by the next start.
func (a *App) Stop(ctx context.Context) error { return a.Jobs.Stop(ctx) }

// Close releases the database.
func (a *App) Close() error { return a.DB.Close() }

// Housekeeping removes expired sessions and rate-limit windows once an
// hour until ctx ends. It holds no work that could be lost: a missed run is
// done by the next one.
func (a *App) Housekeeping(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		for name, sweep := range map[string]func(context.Context) (int64, error){
			"expired sessions": a.Store.DeleteExpiredSessions, "expired rate limits": a.Store.DeleteExpiredLimits,
		} {
			if n, err := sweep(ctx); err != nil {
				if ctx.Err() != nil {
					return
				}
				a.Log.Warn("housekeeping", "task", name, "err", err)
			} else if n > 0 {
				a.Log.Info("housekeeping: removed "+name, "count", n)
			}
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
