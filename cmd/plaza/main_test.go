package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/database"
	"github.com/plazahq/plaza/migrations"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/org"
)

// result is what one in-process run of the command printed and returned.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return "exit " + strconv.Itoa(r.code) + "\n--- stdout:\n" + r.stdout + "\n--- stderr:\n" + r.stderr
}

// noEnv is a process environment with nothing set, so the developer's own
// PLAZA_* variables never leak into a test; only the database URL is set,
// to one that cannot be opened, so a command that drops its
// --database-url flag fails loudly instead of writing ./data/plaza.db.
func noEnv(name string) string {
	if name == "PLAZA_DATABASE_URL" {
		return "trap:the --database-url flag was ignored"
	}
	return ""
}

// plaza runs a command in-process with stdin as its standard input.
func plaza(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(t.Context(), args, env{
		stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, getenv: noEnv,
	})
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// openStore opens the database a command wrote to, as a second process
// would.
func openStore(t *testing.T, dbURL string) (*database.DB, *models.Store) {
	t.Helper()
	db, err := database.Open(t.Context(), dbURL)
	if err != nil {
		t.Fatalf("open %s: %v", dbURL, err)
	}
	t.Cleanup(func() { db.Close() })
	return db, models.NewStore(db, nil)
}

func count(t *testing.T, db *database.DB, model any) int64 {
	t.Helper()
	var n int64
	if err := db.Gorm.Model(model).Count(&n).Error; err != nil {
		t.Fatalf("count %T: %v", model, err)
	}
	return n
}

// migrationState finds version's state ("applied" or "pending") in the
// output of `migrate status`.
func migrationState(t *testing.T, out string, version string) string {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 3 && f[0] == version {
			return f[2]
		}
	}
	t.Fatalf("version %s is not listed:\n%s", version, out)
	return ""
}

func TestMigrate(t *testing.T) {
	apptest.EachEmpty(t, func(t *testing.T, dbURL string) {
		res := plaza(t, "", "migrate", "status", "--database-url", dbURL)
		if res.code != 0 {
			t.Fatalf("migrate status on an empty database: %s", res)
		}
		if !strings.Contains(res.stdout, "VERSION") || !strings.Contains(res.stdout, "00001_foundation.sql") {
			t.Fatalf("migrate status should list the migrations with a header:\n%s", res.stdout)
		}
		if got := migrationState(t, res.stdout, "1"); got != "pending" {
			t.Fatalf("before migrating, version 1 is %q, want pending:\n%s", got, res.stdout)
		}

		res = plaza(t, "", "migrate", "--database-url", dbURL)
		if res.code != 0 || !strings.Contains(res.stdout, allMigrations(t)) {
			t.Fatalf("first migrate should apply every migration (%s): %s", allMigrations(t), res)
		}
		res = plaza(t, "", "migrate", "--database-url", dbURL)
		if res.code != 0 || !strings.Contains(res.stdout, "up to date") {
			t.Fatalf("second migrate should say the database is up to date: %s", res)
		}
		res = plaza(t, "", "migrate", "up", "--database-url", dbURL)
		if res.code != 0 || !strings.Contains(res.stdout, "up to date") {
			t.Fatalf("`migrate up` is the same as `migrate`: %s", res)
		}

		res = plaza(t, "", "migrate", "status", "--database-url", dbURL)
		if res.code != 0 {
			t.Fatalf("migrate status: %s", res)
		}
		if got := migrationState(t, res.stdout, "1"); got != "applied" {
			t.Fatalf("after migrating, version 1 is %q, want applied:\n%s", got, res.stdout)
		}
		if !regexp.MustCompile(`applied\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC`).MatchString(res.stdout) {
			t.Fatalf("an applied migration should show when it was applied:\n%s", res.stdout)
		}
	})
}

// allMigrations is what `plaza migrate` says after applying every embedded
// migration to an empty database, e.g. "applied 3 migration(s) ... [1 2 3]".
func allMigrations(t *testing.T) string {
	t.Helper()
	entries, err := fs.ReadDir(migrations.FS, "sqlite")
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("applied %d migration(s) to the", len(entries))
}

func TestMigrateArguments(t *testing.T) {
	dbURL := apptest.SQLiteURL(t)
	// The subcommand may come before or after the flags.
	res := plaza(t, "", "migrate", "--database-url", dbURL, "status")
	if res.code != 0 || migrationState(t, res.stdout, "1") != "pending" {
		t.Fatalf("migrate --database-url URL status: %s", res)
	}
	res = plaza(t, "", "migrate", "up", "--database-url", dbURL, "--log-level", "debug")
	if res.code != 0 || !strings.Contains(res.stdout, allMigrations(t)) {
		t.Fatalf("migrate up --database-url URL: %s", res)
	}
	bad := []struct {
		args []string
		want string
	}{
		{[]string{"migrate", "down", "--database-url", dbURL}, `unknown subcommand "down"`},
		{[]string{"migrate", "--database-url", dbURL, "down"}, `unknown subcommand "down"`},
		{[]string{"migrate", "status", "--database-url", dbURL, "extra"}, `unexpected argument "extra"`},
		{[]string{"migrate", "--database-url", dbURL, "status", "--log-level", "debug"}, `unexpected argument "--log-level"`},
		{[]string{"migrate", "status", "--database-url"}, "flag needs an argument: -database-url"},
	}
	for _, tt := range bad {
		res := plaza(t, "", tt.args...)
		if res.code != 2 || !strings.Contains(res.stderr, tt.want) {
			t.Errorf("%v: %s; want exit 2 with %q", tt.args, res, tt.want)
		}
	}
}

var passwordLine = regexp.MustCompile(`(?m)^Password: (\S+)$`)

func TestUserCreate(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		ctx := t.Context()

		// A generated password is printed once and works.
		res := plaza(t, "", "user", "create", "--admin", "--email", "a@b.org", "--database-url", dbURL, "--base-url", "https://plaza.example.org/")
		if res.code != 0 {
			t.Fatalf("user create --admin: %s", res)
		}
		if !strings.Contains(res.stdout, "Created platform admin a@b.org.") {
			t.Fatalf("stdout should confirm the admin: %s", res)
		}
		if !strings.Contains(res.stdout, "https://plaza.example.org/login") {
			t.Fatalf("stdout should say where to sign in (base URL without its trailing slash): %s", res)
		}
		m := passwordLine.FindStringSubmatch(res.stdout)
		if m == nil {
			t.Fatalf("no generated password printed: %s", res)
		}
		db, store := openStore(t, dbURL)
		u, err := org.New(store.Core).Authenticate(ctx, "a@b.org", m[1])
		if err != nil {
			t.Fatalf("the printed password does not work: %v", err)
		}
		if !u.IsAdmin {
			t.Fatal("--admin made a user who is not a platform admin")
		}

		// A password from stdin is used as given and never printed.
		const pw = "a long enough password"
		res = plaza(t, pw+"\r\n", "user", "create", "--email", " Staff@B.org ", "--name", "Sam Staff", "--password-stdin", "--database-url", dbURL)
		if res.code != 0 {
			t.Fatalf("user create --password-stdin: %s", res)
		}
		if !strings.Contains(res.stdout, "Created staff user staff@b.org.") {
			t.Fatalf("stdout should confirm the staff user with the normalized address: %s", res)
		}
		if strings.Contains(res.stdout, pw) || passwordLine.MatchString(res.stdout) {
			t.Fatalf("a password read from stdin must not be printed: %s", res)
		}
		u, err = org.New(store.Core).Authenticate(ctx, "staff@b.org", pw)
		if err != nil {
			t.Fatalf("the stdin password does not work: %v", err)
		}
		if u.IsAdmin || u.Name != "Sam Staff" {
			t.Fatalf("staff user = %+v; want a non-admin named Sam Staff", u)
		}

		// Mistakes exit 2 with a clear message and create nothing.
		bad := []struct {
			name  string
			stdin string
			args  []string
			want  string
		}{
			{"short stdin password", "short\n", []string{"--email", "short@b.org", "--password-stdin"}, "password must have at least 10 characters"},
			{"empty stdin line", "\n", []string{"--email", "empty@b.org", "--password-stdin"}, "password must have at least 10 characters"},
			{"bad e-mail", "", []string{"--email", "not-an-address"}, "email: Enter an e-mail address like name@example.org."},
			{"bad e-mail with stdin password", pw + "\n", []string{"--email", "x@localhost", "--password-stdin"}, "email: Enter an e-mail address like name@example.org."},
			{"duplicate e-mail", "", []string{"--email", "A@B.org"}, "email: A user with this e-mail address already exists."},
			{"duplicate e-mail as admin", pw + "\n", []string{"--admin", "--email", "staff@b.org", "--password-stdin"}, "already exists"},
			{"missing --email", "", []string{"--admin"}, "--email is required"},
			{"unknown flag", "", []string{"--email", "flag@b.org", "--role", "owner"}, "flag provided but not defined: -role"},
		}
		for _, tt := range bad {
			args := append([]string{"user", "create"}, tt.args...)
			args = append(args, "--database-url", dbURL)
			res := plaza(t, tt.stdin, args...)
			if res.code != 2 {
				t.Errorf("%s: %s; want exit 2", tt.name, res)
				continue
			}
			if !strings.Contains(res.stderr, tt.want) {
				t.Errorf("%s: stderr %q; want it to contain %q", tt.name, res.stderr, tt.want)
			}
			if !strings.Contains(res.stderr, "plaza user: ") {
				t.Errorf("%s: stderr %q; want it to name the command", tt.name, res.stderr)
			}
			if strings.Contains(res.stdout, "Created") || passwordLine.MatchString(res.stdout) {
				t.Errorf("%s: stdout claims a user was created: %s", tt.name, res)
			}
		}
		if n := count(t, db, &models.User{}); n != 2 {
			t.Fatalf("%d users after the refused commands, want the 2 created before", n)
		}
		for _, email := range []string{"short@b.org", "empty@b.org", "flag@b.org"} {
			if _, err := org.New(store.Core).UserByEmail(ctx, email); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("%s exists after a refused command (err %v)", email, err)
			}
		}
		u, err = org.New(store.Core).UserByEmail(ctx, "staff@b.org")
		if err != nil || u.IsAdmin {
			t.Fatalf("a refused duplicate --admin changed the existing user: %+v, %v", u, err)
		}
		if _, err := org.New(store.Core).Authenticate(ctx, "staff@b.org", pw); err != nil {
			t.Fatalf("a refused duplicate changed the existing password: %v", err)
		}
	})
}

func TestUserWithoutCreate(t *testing.T) {
	for _, args := range [][]string{{"user"}, {"user", "delete", "--email", "a@b.org"}} {
		res := plaza(t, "", args...)
		if res.code != 2 || !strings.Contains(res.stderr, "plaza user create --email ADDRESS") {
			t.Errorf("%v: %s; want exit 2 showing how to call it", args, res)
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	res := plaza(t, "", "frobnicate", "--addr", ":1")
	if res.code != 2 {
		t.Fatalf("unknown command: %s; want exit 2", res)
	}
	if !strings.Contains(res.stderr, `unknown command "frobnicate"`) || !strings.Contains(res.stderr, "Usage: plaza") {
		t.Fatalf("unknown command should name it and print the usage: %s", res)
	}
	for _, cmd := range []string{"help", "-h", "--help"} {
		res := plaza(t, "", cmd)
		if res.code != 0 || !strings.Contains(res.stdout, "Usage: plaza") || !strings.Contains(res.stdout, "user create") {
			t.Errorf("%s: %s; want exit 0 with the usage on stdout", cmd, res)
		}
	}
}

func TestServeBadFlags(t *testing.T) {
	// The database URL points nowhere usable: a bad flag must stop the
	// command before it touches a database.
	bad := []struct {
		args []string
		want string
	}{
		{[]string{"--log-format", "xml"}, `log-format "xml"`},
		{[]string{"--log-level", "loud"}, `log-level "loud"`},
		{[]string{"--base-url", "nope"}, `base-url "nope"`},
		{[]string{"--login-limit", "0"}, `login-limit "0"`},
		{[]string{"--shutdown-timeout", "soon"}, `shutdown-timeout "soon"`},
		{[]string{"--no-such-flag"}, "flag provided but not defined: -no-such-flag"},
		{[]string{"--addr"}, "flag needs an argument: -addr"},
	}
	for _, tt := range bad {
		for _, prefix := range [][]string{{"serve"}, nil} {
			args := append(append(append([]string{}, prefix...), "--database-url", "postgres://nobody@127.0.0.1:1/none"), tt.args...)
			res := plaza(t, "", args...)
			if res.code != 2 {
				t.Errorf("%v: %s; want exit 2", args, res)
				continue
			}
			if !strings.Contains(res.stderr, tt.want) {
				t.Errorf("%v: stderr %q; want it to contain %q", args, res.stderr, tt.want)
			}
		}
	}
}

// TestStrayArgument: a word among the flags would stop flag parsing and
// drop the flags after it (say, --database-url), so it is refused.
func TestStrayArgument(t *testing.T) {
	for _, args := range [][]string{
		{"demo", "now", "--database-url", "postgres://nobody@127.0.0.1:1/none"},
		{"serve", "please", "--addr", ":1"},
		{"user", "create", "--email", "a@example.org", "extra"},
	} {
		res := plaza(t, "", args...)
		if res.code != 2 || !strings.Contains(res.stderr, "unexpected argument") {
			t.Errorf("%v: %s; want exit 2 naming the unexpected argument", args, res)
		}
	}
}
