package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/plazahq/plaza/database"
	"github.com/plazahq/plaza/demo"
	"github.com/plazahq/plaza/models"
)

func demoCmd(ctx context.Context, args []string, e env) error {
	fs, load := flags("demo", e)
	asJSON := fs.Bool("json", false, "print the logins and URLs as one JSON object")
	cfg, err := parseOnly(fs, args, load)
	if err != nil {
		return err
	}
	db, err := database.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	res, err := demo.Seed(ctx, models.NewStore(db, nil), cfg.BaseURL)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Fprintf(e.stdout, "The demo is ready in the %s database. Start Plaza with `go run ./cmd/plaza` and open %s\n\n", db.Dialect, res.URLs["home"])
	fmt.Fprintln(e.stdout, "Sign in at", res.URLs["login"], "with any of these (passwords are new on every run):")
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "\nEMAIL\tPASSWORD\tROLE\tORGANIZATION")
	for _, u := range res.Users {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", u.Email, u.Password, u.Role, u.Organization)
	}
	w.Flush()
	fmt.Fprintln(e.stdout, "\nOfficial accounts:")
	for _, a := range res.Accounts {
		fmt.Fprintf(e.stdout, "  %-20s %s\n", "@"+a.Handle, a.URL)
	}
	fmt.Fprintln(e.stdout, "\nMore to try:")
	for _, k := range []string{"directory", "studio", "admin"} {
		fmt.Fprintf(e.stdout, "  %-20s %s\n", k, res.URLs[k])
	}
	return nil
}
