package main

import (
	"context"
	"fmt"
	"net/url"
	"text/tabwriter"

	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/database"
)

// copyCmd moves a SQLite Plaza into an empty PostgreSQL one.
func copyCmd(ctx context.Context, args []string, e env) error {
	fs, load := flags("copy", e)
	from := fs.String("from", "", "the SQLite database to copy, e.g. sqlite:./data/plaza.db")
	to := fs.String("to", "", "the empty PostgreSQL database to fill, e.g. postgres://plaza@db/plaza")
	if _, err := parseOnly(fs, args, load); err != nil {
		return err
	}
	if *from == "" || *to == "" {
		return usageError{fmt.Errorf("want --from sqlite:PATH --to postgres://…")}
	}
	src, err := openMigrated(ctx, config.Config{DatabaseURL: *from})
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	defer src.Close()
	dst, err := openMigrated(ctx, config.Config{DatabaseURL: *to})
	if err != nil {
		return fmt.Errorf("destination: %w", err)
	}
	defer dst.Close()
	report, err := database.Copy(ctx, src, dst, nil)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "TABLE\tSOURCE\tCOPIED\t")
	var total int64
	for _, r := range report {
		fmt.Fprintf(w, "%s\t%d\t%d\t\n", r.Table, r.From, r.To)
		total += r.To
	}
	w.Flush()
	fmt.Fprintf(e.stdout, "Copied %d rows; every table's count matches. Start Plaza with PLAZA_DATABASE_URL=%s\n", total, redact(*to))
	return nil
}

// backupCmd writes a consistent copy of the SQLite database while Plaza
// runs.
func backupCmd(ctx context.Context, args []string, e env) error {
	fs, load := flags("backup", e)
	to := fs.String("to", "", "file to write the backup to (must not exist)")
	cfg, err := parseOnly(fs, args, load)
	if err != nil {
		return err
	}
	if *to == "" {
		return usageError{fmt.Errorf("want --to FILE")}
	}
	db, err := database.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Backup(ctx, *to); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Backed up %s to %s\n", redact(cfg.DatabaseURL), *to)
	return nil
}

// redact hides a database URL's password before it is printed.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
