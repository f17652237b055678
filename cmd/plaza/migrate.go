package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/plazahq/plaza/database"
	"github.com/plazahq/plaza/queue"
)

func migrate(ctx context.Context, args []string, e env) error {
	fs, load := flags("migrate", e)
	// The subcommand comes first (`plaza migrate status --database-url
	// URL`): the flag package stops at the first argument that is not a
	// flag, so flags after it would otherwise be silently ignored.
	sub := ""
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		sub, args = args[0], args[1:]
	}
	cfg, err := parse(fs, args, load)
	if err != nil {
		return err
	}
	rest := fs.Args()
	if sub == "" && len(rest) > 0 {
		sub, rest = rest[0], rest[1:]
	}
	if len(rest) > 0 {
		return usageError{fmt.Errorf("unexpected argument %q: want plaza migrate [status] [flags]", rest[0])}
	}
	if sub != "" && sub != "status" && sub != "up" {
		return usageError{fmt.Errorf("unknown subcommand %q: want status or nothing", sub)}
	}
	db, err := database.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if sub == "status" {
		st, err := db.Status(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "VERSION\tNAME\tSTATE\tAPPLIED AT")
		for _, m := range st {
			state, at := "pending", ""
			if m.Applied {
				state, at = "applied", m.AppliedAt.UTC().Format("2006-01-02 15:04:05 MST")
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\n", m.Version, m.Name, state, at)
		}
		return w.Flush()
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	if err := queue.Migrate(ctx, db); err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintf(e.stdout, "%s database is up to date\n", db.Dialect)
		return nil
	}
	fmt.Fprintf(e.stdout, "applied %d migration(s) to the %s database: %v\n", len(applied), db.Dialect, applied)
	return nil
}
