package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/plazahq/plaza/auth"
	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/org"
)

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

func user(ctx context.Context, args []string, e env) error {
	if len(args) == 0 || args[0] != "create" {
		return usageError{errors.New(`want "plaza user create --email ADDRESS [--admin] [--name NAME] [--password-stdin]"`)}
	}
	fs, load := flags("user create", e)
	email := fs.String("email", "", "e-mail address the user signs in with (required)")
	name := fs.String("name", "", "display name")
	admin := fs.Bool("admin", false, "make the user a platform admin")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	cfg, err := parseOnly(fs, args[1:], load)
	if err != nil {
		return err
	}
	if *email == "" {
		return usageError{errors.New("--email is required")}
	}

	password, generated, err := choosePassword(e, *fromStdin)
	if err != nil {
		return err
	}
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := org.New(models.NewStore(db, nil).Core).CreateUser(ctx, org.NewUser{Email: *email, Name: *name, Password: password, IsAdmin: *admin})
	if v, ok := models.AsValidation(err); ok {
		var msgs []string
		for f, k := range v.Fields {
			msgs = append(msgs, f+": "+i18n.T(i18n.EN, k))
		}
		return usageError{errors.New(strings.Join(msgs, "; "))}
	}
	if err != nil {
		return err
	}
	kind := "staff user"
	if u.IsAdmin {
		kind = "platform admin"
	}
	fmt.Fprintf(e.stdout, "Created %s %s.\n", kind, u.Email)
	if generated {
		fmt.Fprintf(e.stdout, "Password: %s\n(shown once; sign in and keep it somewhere safe)\n", password)
	}
	fmt.Fprintf(e.stdout, "Sign in at %s/login\n", cfg.BaseURL)
	return nil
}

// choosePassword reads the password from stdin when asked to, prompts for
// it on a terminal (an empty answer generates one), and otherwise
// generates one.
func choosePassword(e env, fromStdin bool) (string, bool, error) {
	switch {
	case fromStdin:
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", false, fmt.Errorf("read password from stdin: %w", err)
		}
		p := strings.TrimRight(line, "\r\n")
		if len([]rune(p)) < auth.MinPasswordLength {
			return "", false, usageError{fmt.Errorf("password must have at least %d characters", auth.MinPasswordLength)}
		}
		return p, false, nil
	case e.stdinIsTerminal:
		fmt.Fprintf(e.stdout, "Password (at least %d characters; leave empty to generate one): ", auth.MinPasswordLength)
		p1, err := term.ReadPassword(int(os.Stdin.Fd()))
		fmt.Fprintln(e.stdout)
		if err != nil {
			return "", false, fmt.Errorf("read password: %w", err)
		}
		if len(p1) == 0 {
			return auth.GeneratePassword(), true, nil
		}
		fmt.Fprint(e.stdout, "Repeat the password: ")
		p2, err := term.ReadPassword(int(os.Stdin.Fd()))
		fmt.Fprintln(e.stdout)
		if err != nil {
			return "", false, fmt.Errorf("read password: %w", err)
		}
		if string(p1) != string(p2) {
			return "", false, usageError{errors.New("the two passwords differ")}
		}
		if len([]rune(string(p1))) < auth.MinPasswordLength {
			return "", false, usageError{fmt.Errorf("password must have at least %d characters", auth.MinPasswordLength)}
		}
		return string(p1), false, nil
	default:
		return auth.GeneratePassword(), true, nil
	}
}
