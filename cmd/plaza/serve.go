package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/plazahq/plaza/app"
)

func serve(ctx context.Context, args []string, e env) error {
	fs, load := flags("serve", e)
	cfg, err := parseOnly(fs, args, load)
	if err != nil {
		return err
	}
	log, err := app.NewLogger(cfg, e.stderr)
	if err != nil {
		return err
	}
	release, err := lockSQLite(cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer release()
	a, err := app.New(ctx, cfg, log, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	srv := app.Server(cfg.Addr, a.Handler)
	var (
		msrv *http.Server
		mln  net.Listener
	)
	if cfg.MetricsAddr != "" {
		if mln, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			ln.Close()
			return fmt.Errorf("listen on metrics-addr %s: %w", cfg.MetricsAddr, err)
		}
		msrv = app.Server(cfg.MetricsAddr, a.Metrics)
	}
	// The workers get their own context: on SIGTERM they are stopped after
	// the HTTP server, so requests in flight can still enqueue work.
	if err := a.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}

	fmt.Fprintf(e.stdout, "Plaza is running on %s (listening on %s, %s database)\n", cfg.BaseURL, ln.Addr(), a.DB.Dialect)
	if n, err := a.Orgs.CountAdmins(ctx); err == nil && n == 0 {
		fmt.Fprintf(e.stdout, "\nNo platform admin yet. Create the first one with:\n\n"+
			"  go run ./cmd/plaza user create --admin --email you@example.org\n\n"+
			"(or `plaza user create ...` with the built binary), then sign in at %s/login.\n"+
			"For a ready-made demo instead, run: go run ./cmd/plaza demo\n\n", cfg.BaseURL)
	}

	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	if msrv != nil {
		go func() { errc <- msrv.Serve(mln) }()
		log.Info("serving /metrics", "addr", mln.Addr().String())
	}
	var errs []error
	select {
	case err := <-errc:
		srv.Close()
		if msrv != nil {
			msrv.Close()
		}
		errs = append(errs, fmt.Errorf("serve: %w", err))
	case <-ctx.Done():
		log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
		sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		if msrv != nil {
			// Scrapes are short and nothing depends on them finishing.
			msrv.Close()
		}
		if err := srv.Shutdown(sctx); err != nil {
			// Waiting longer for a slow upload or download would only
			// delay the workers' drain, or tempt the process manager
			// to kill us in the middle of it.
			srv.Close()
			errs = append(errs, fmt.Errorf("shutdown: requests still running after %s were cut off: %w", cfg.ShutdownTimeout, err))
		}
	}
	// Whatever happened to the HTTP server, the workers finish and record
	// the batches in flight before the deferred Close takes the database
	// away; they get a budget of their own, since the requests may have
	// used up the shutdown timeout.
	log.Info("stopping the workers", "timeout", cfg.DrainTimeout.String())
	dctx, cancel := context.WithTimeout(context.Background(), cfg.DrainTimeout)
	defer cancel()
	if err := a.Stop(dctx); err != nil {
		errs = append(errs, fmt.Errorf("stop workers: %w", err))
	}
	return errors.Join(errs...)
}
