// Command plaza runs Plaza and its administrative tasks.
//
//	plaza [serve] [flags]          run the web server (the default)
//	plaza migrate [status]         apply migrations, or list them
//	plaza user create --admin ...  create a staff user or platform admin
//	plaza demo [--json]            fill the database with a demo
//	plaza mailsink                 a local SMTP server for development
//	plaza smssink                  a local SMS provider for development
//	plaza pushsink                 a local Web Push service for development
//	plaza backup --to FILE         a consistent SQLite backup
//	plaza copy --from --to         SQLite to PostgreSQL
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/database"
)

// env is what a command gets from the process, passed explicitly so tests
// can run commands in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// stdinIsTerminal reports whether passwords can be asked for.
	stdinIsTerminal bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, stdinIsTerminal: isTerminal(os.Stdin)}
	os.Exit(run(ctx, os.Args[1:], e))
}

const usage = `Usage: plaza [command] [flags]

Commands:
  serve                 run Plaza (the default when no command is given)
  migrate               apply pending database migrations
  migrate status        list migrations and whether each is applied
  user create           create a staff user (--admin for a platform admin)
  demo                  fill the database with a demo (--json for scripts)
  mailsink              run a local SMTP server that prints the mail it gets
  smssink               run a local SMS provider that prints the texts it gets
  pushsink              run a local Web Push service that prints the notifications it gets
  backup --to FILE      write a consistent copy of the SQLite database while Plaza runs
  copy --from --to      move a SQLite Plaza into an empty PostgreSQL database

Run "plaza COMMAND -h" for the flags of a command.
`

func run(ctx context.Context, args []string, e env) int {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && (args[0][0] != '-' || isHelp(args[0])) {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, args, e)
	case "migrate":
		err = migrate(ctx, args, e)
	case "user":
		err = user(ctx, args, e)
	case "demo":
		err = demoCmd(ctx, args, e)
	case "mailsink":
		err = mailsink(ctx, args, e)
	case "smssink":
		err = smsSinkCmd(ctx, args, e)
	case "pushsink":
		err = pushSinkCmd(ctx, args, e)
	case "copy":
		err = copyCmd(ctx, args, e)
	case "backup":
		err = backupCmd(ctx, args, e)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(e.stdout, usage)
		return 0
	default:
		fmt.Fprintf(e.stderr, "plaza: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(e.stderr, "plaza %s: %v\n", cmd, err)
		return 2
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "plaza %s: %v\n", cmd, err)
		return 1
	}
	return 0
}

// isHelp reports whether arg asks for the list of commands; `plaza COMMAND -h`
// lists a command's flags instead.
func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }

// usageError is a mistake in the command line rather than a failure.
type usageError struct{ error }

// flags makes a command's flag set with every configuration setting.
func flags(name string, e env) (*flag.FlagSet, func() (config.Config, error)) {
	fs := flag.NewFlagSet("plaza "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs, config.Register(fs, e.getenv)
}

func parse(fs *flag.FlagSet, args []string, load func() (config.Config, error)) (config.Config, error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return config.Config{}, err
		}
		return config.Config{}, usageError{err}
	}
	cfg, err := load()
	if err != nil {
		return cfg, usageError{err}
	}
	return cfg, nil
}

// parseOnly is parse for commands that take flags but no arguments: a
// stray word would stop flag parsing and silently drop the flags after it.
func parseOnly(fs *flag.FlagSet, args []string, load func() (config.Config, error)) (config.Config, error) {
	cfg, err := parse(fs, args, load)
	if err == nil && fs.NArg() > 0 {
		return cfg, usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	return cfg, err
}

// openMigrated opens the configured database and brings it up to date, for
// the commands that write to it.
func openMigrated(ctx context.Context, cfg config.Config) (*database.DB, error) {
	db, err := database.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if err := app.Migrate(ctx, db, nil); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
