package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/database"
	"github.com/plazahq/plaza/migrations"
	"github.com/plazahq/plaza/models"
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
		u, err := store.Authenticate(ctx, "a@b.org", m[1])
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
		u, err = store.Authenticate(ctx, "staff@b.org", pw)
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
			if _, err := store.UserByEmail(ctx, email); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("%s exists after a refused command (err %v)", email, err)
			}
		}
		u, err = store.UserByEmail(ctx, "staff@b.org")
		if err != nil || u.IsAdmin {
			t.Fatalf("a refused duplicate --admin changed the existing user: %+v, %v", u, err)
		}
		if _, err := store.Authenticate(ctx, "staff@b.org", pw); err != nil {
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

// demoResult mirrors the JSON that `plaza demo --json` prints.
type demoResult struct {
	BaseURL string `json:"base_url"`
	Users   []struct {
		Email        string `json:"email"`
		Password     string `json:"password"`
		Role         string `json:"role"`
		Organization string `json:"organization"`
		Admin        bool   `json:"admin"`
	} `json:"users"`
	Organizations []struct {
		ID        int64  `json:"id"`
		Name      string `json:"name"`
		Kind      string `json:"kind"`
		Verified  bool   `json:"verified"`
		StudioURL string `json:"studio_url"`
	} `json:"organizations"`
	Accounts []struct {
		Handle       string `json:"handle"`
		Name         string `json:"name"`
		Organization string `json:"organization"`
		URL          string `json:"url"`
		FollowURL    string `json:"follow_url"`
		Followers    int    `json:"followers"`
	} `json:"accounts"`
	FollowCodes []struct {
		Account   string `json:"account"`
		Name      string `json:"name"`
		Scene     string `json:"scene"`
		URL       string `json:"url"`
		StudioURL string `json:"studio_url"`
	} `json:"follow_codes"`
	URLs     map[string]string `json:"urls"`
	Projects []struct {
		ID      int64  `json:"id"`
		Account string `json:"account"`
		Title   string `json:"title"`
		Status  string `json:"status"`
		URL     string `json:"url"`
	} `json:"projects"`
	Webhook struct {
		Account string `json:"account"`
		URL     string `json:"url"`
		Secret  string `json:"secret"`
	} `json:"webhook"`
	Chat struct {
		Account string `json:"account"`
		Webhook struct {
			URL    string `json:"url"`
			Secret string `json:"secret"`
		} `json:"webhook"`
		WeChat struct {
			URL            string `json:"url"`
			AppID          string `json:"app_id"`
			Token          string `json:"token"`
			EncodingAESKey string `json:"encoding_aes_key"`
		} `json:"wechat"`
		Telegram struct {
			URL         string `json:"url"`
			SecretToken string `json:"secret_token"`
		} `json:"telegram"`
	} `json:"chat"`
}

// demoJSON runs `plaza demo --json` and decodes its one JSON object.
func demoJSON(t *testing.T, dbURL, baseURL string) demoResult {
	t.Helper()
	res := plaza(t, "", "demo", "--json", "--database-url", dbURL, "--base-url", baseURL)
	if res.code != 0 {
		t.Fatalf("demo --json: %s", res)
	}
	dec := json.NewDecoder(strings.NewReader(res.stdout))
	dec.DisallowUnknownFields()
	var d demoResult
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("demo --json printed no JSON object of the expected shape: %v\n%s", err, res.stdout)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		t.Fatalf("demo --json printed more than one JSON value:\n%s", res.stdout)
	}
	if !strings.HasPrefix(strings.TrimSpace(res.stdout), "{") {
		t.Fatalf("demo --json should print an object:\n%s", res.stdout)
	}
	return d
}

func TestDemoJSON(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		ctx := t.Context()
		const base = "http://demo.example.org"
		d := demoJSON(t, dbURL, base)
		db, store := openStore(t, dbURL)

		if d.BaseURL != base {
			t.Errorf("base_url = %q, want %q", d.BaseURL, base)
		}
		// An open consultation to answer and a decided project, each with
		// its public page.
		statuses := map[string]bool{}
		for _, p := range d.Projects {
			statuses[p.Status] = true
			if p.Account != "citytransit" || p.URL != fmt.Sprintf("%s/@citytransit/projects/%d", base, p.ID) {
				t.Errorf("project %+v", p)
			}
		}
		if len(d.Projects) != 2 || !statuses["consultation"] || !statuses["decided"] {
			t.Errorf("projects: %+v", d.Projects)
		}
		for k, want := range map[string]string{
			"home": base + "/", "directory": base + "/accounts", "login": base + "/login",
			"studio": base + "/studio", "admin": base + "/admin",
		} {
			if d.URLs[k] != want {
				t.Errorf("urls[%q] = %q, want %q", k, d.URLs[k], want)
			}
		}

		// Four organizations: two agencies, an NGO and a business, with
		// both verified and unverified ones so the badge can be seen.
		kinds := map[string]int{}
		orgByName := map[string]int64{}
		verified := map[bool]int{}
		for _, o := range d.Organizations {
			kinds[o.Kind]++
			orgByName[o.Name] = o.ID
			verified[o.Verified]++
			if want := base + "/studio/orgs/" + strconv.FormatInt(o.ID, 10); o.StudioURL != want {
				t.Errorf("organization %s: studio_url %q, want %q", o.Name, o.StudioURL, want)
			}
			got, err := store.OrganizationByID(ctx, o.ID)
			if err != nil {
				t.Fatalf("organization %s (%d): %v", o.Name, o.ID, err)
			}
			if got.Name != o.Name || string(got.Kind) != o.Kind || got.Verified() != o.Verified {
				t.Errorf("organization %d in the database is %+v; the demo printed %+v", o.ID, got, o)
			}
		}
		if len(d.Organizations) != 4 || kinds["agency"] != 2 || kinds["ngo"] != 1 || kinds["business"] != 1 {
			t.Errorf("organizations by kind = %v (%d in all); want agency 2, ngo 1, business 1", kinds, len(d.Organizations))
		}
		if verified[true] == 0 || verified[false] == 0 {
			t.Errorf("verified organizations = %v; want both verified and unverified ones", verified)
		}

		// Accounts: each has a public page at base/@handle that exists.
		if len(d.Accounts) == 0 {
			t.Fatal("the demo printed no accounts")
		}
		for _, a := range d.Accounts {
			if a.Handle == "" || a.URL != base+"/@"+a.Handle {
				t.Errorf("account %+v: want a handle and url %s/@handle", a, base)
			}
			pa, err := store.AccountByHandle(ctx, a.Handle)
			if err != nil {
				t.Errorf("account @%s: %v", a.Handle, err)
				continue
			}
			if pa.OrgName != a.Organization {
				t.Errorf("account @%s belongs to %q, the demo says %q", a.Handle, pa.OrgName, a.Organization)
			}
			if a.FollowURL != a.URL+"/follow" {
				t.Errorf("account @%s has follow_url %q", a.Handle, a.FollowURL)
			}
			var active int64
			store.DB().Model(&models.Follower{}).Where("account_id = ? AND status = ?", pa.ID, models.StatusActive).Count(&active)
			if a.Followers == 0 || active != int64(a.Followers) {
				t.Errorf("account @%s: the demo says %d followers, the database has %d active", a.Handle, a.Followers, active)
			}
		}

		// Follow codes: one per account, its short link names a real code.
		if len(d.FollowCodes) != len(d.Accounts) {
			t.Errorf("%d follow codes for %d accounts", len(d.FollowCodes), len(d.Accounts))
		}
		for _, fc := range d.FollowCodes {
			code, ok := strings.CutPrefix(fc.URL, base+"/q/")
			if !ok || fc.Scene == "" || fc.Name == "" || !strings.HasPrefix(fc.StudioURL, base+"/studio/orgs/") {
				t.Errorf("follow code %+v: want a name, a scene, %s/q/CODE and a studio URL", fc, base)
				continue
			}
			c, err := store.FollowCodeByCode(ctx, code)
			if err != nil || c.Scene != fc.Scene {
				t.Errorf("follow code %s: %v (scene %q)", fc.URL, err, fc.Scene)
			}
		}

		// Every login works, and every staff role is what the database says.
		roles := map[string]int{}
		admins := 0
		for _, u := range d.Users {
			if u.Email == "" || u.Password == "" || u.Role == "" {
				t.Errorf("incomplete demo user %+v", u)
				continue
			}
			got, err := store.Authenticate(ctx, u.Email, u.Password)
			if err != nil {
				t.Errorf("demo login %s / %s does not work: %v", u.Email, u.Password, err)
				continue
			}
			if got.IsAdmin != u.Admin {
				t.Errorf("%s: is_admin %v in the database, the demo says %v", u.Email, got.IsAdmin, u.Admin)
			}
			if u.Admin {
				admins++
				continue
			}
			roles[u.Role]++
			orgID, ok := orgByName[u.Organization]
			if !ok {
				t.Errorf("%s: organization %q is not among the printed ones", u.Email, u.Organization)
				continue
			}
			m, err := store.MemberOf(ctx, got, orgID)
			if err != nil {
				t.Errorf("%s is not a member of %s: %v", u.Email, u.Organization, err)
				continue
			}
			if string(m.Role) != u.Role {
				t.Errorf("%s is %s of %s, the demo says %s", u.Email, m.Role, u.Organization, u.Role)
			}
		}
		if admins != 1 {
			t.Errorf("%d platform admins printed, want 1", admins)
		}
		for _, r := range models.AllRoles() {
			if roles[string(r)] == 0 {
				t.Errorf("no demo staff with role %s (roles: %v)", r, roles)
			}
		}
		// Every organization has an owner who can manage it.
		for name, id := range orgByName {
			owners := 0
			for _, u := range d.Users {
				if u.Organization == name && u.Role == string(models.RoleOwner) {
					owners++
				}
			}
			if owners == 0 {
				t.Errorf("organization %s (%d) has no owner login", name, id)
			}
		}

		// Running it again adds nothing, and replaces every password.
		counts := func() [4]int64 {
			return [4]int64{count(t, db, &models.User{}), count(t, db, &models.Organization{}),
				count(t, db, &models.Account{}), count(t, db, &models.Membership{})}
		}
		before := counts()
		if before[0] != int64(len(d.Users)) || before[1] != int64(len(d.Organizations)) || before[2] != int64(len(d.Accounts)) {
			t.Errorf("database has users/orgs/accounts/memberships %v; the demo printed %d/%d/%d",
				before, len(d.Users), len(d.Organizations), len(d.Accounts))
		}
		d2 := demoJSON(t, dbURL, base)
		if after := counts(); after != before {
			t.Fatalf("users/orgs/accounts/memberships went from %v to %v on the second run", before, after)
		}
		if len(d2.Users) != len(d.Users) || len(d2.Organizations) != len(d.Organizations) || len(d2.Accounts) != len(d.Accounts) {
			t.Fatalf("second run printed %d/%d/%d users/orgs/accounts, first run %d/%d/%d",
				len(d2.Users), len(d2.Organizations), len(d2.Accounts), len(d.Users), len(d.Organizations), len(d.Accounts))
		}
		old := map[string]string{}
		for _, u := range d.Users {
			old[u.Email] = u.Password
		}
		for i, u := range d2.Users {
			if u.Email != d.Users[i].Email || u.Role != d.Users[i].Role || u.Organization != d.Users[i].Organization {
				t.Errorf("user %d changed between runs: %+v, then %+v", i, d.Users[i], u)
			}
			if u.Password == old[u.Email] {
				t.Errorf("%s kept the same password on the second run", u.Email)
			}
			if _, err := store.Authenticate(ctx, u.Email, u.Password); err != nil {
				t.Errorf("%s: the new password does not work: %v", u.Email, err)
			}
			if _, err := store.Authenticate(ctx, u.Email, old[u.Email]); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("%s: the old password still works (err %v)", u.Email, err)
			}
		}
	})
}

func TestDemoText(t *testing.T) {
	dbURL := apptest.SQLiteURL(t)
	res := plaza(t, "", "demo", "--database-url", dbURL)
	if res.code != 0 {
		t.Fatalf("demo: %s", res)
	}
	_, store := openStore(t, dbURL)
	for _, want := range []string{
		"http://localhost:8080/login", "http://localhost:8080/accounts", "http://localhost:8080/studio",
		"http://localhost:8080/admin", "EMAIL", "PASSWORD", "ROLE", "ORGANIZATION",
	} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, res.stdout)
		}
	}
	// The login table: every row's password works.
	logins := 0
	sc := bufio.NewScanner(strings.NewReader(res.stdout))
	accountLine := regexp.MustCompile(`^\s+@([a-z0-9_]+)\s+(\S+)\s+\((\S+), \d+ followers\)$`)
	accounts := 0
	for sc.Scan() {
		line := sc.Text()
		if f := strings.Fields(line); len(f) >= 3 && strings.HasSuffix(f[0], ".demo.plaza.test") && strings.Contains(f[0], "@") {
			logins++
			if _, err := store.Authenticate(t.Context(), f[0], f[1]); err != nil {
				t.Errorf("printed login %s / %s does not work: %v", f[0], f[1], err)
			}
		}
		if m := accountLine.FindStringSubmatch(line); m != nil {
			accounts++
			if m[2] != "http://localhost:8080/@"+m[1] || m[3] != m[2]+"/follow" {
				t.Errorf("account @%s is listed with URLs %s and %s", m[1], m[2], m[3])
			}
		}
	}
	if logins < 1+len(models.AllRoles()) {
		t.Errorf("only %d logins printed:\n%s", logins, res.stdout)
	}
	if accounts != 4 {
		t.Errorf("%d account URLs printed, want 4:\n%s", accounts, res.stdout)
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

// syncBuffer is a bytes.Buffer that a running server and the test can use
// at the same time.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// serveUntilHealthy starts `plaza serve` and waits for /healthz to answer.
// stop shuts it down (as SIGTERM would) and returns the exit code.
func serveUntilHealthy(t *testing.T, dbURL string, extra ...string) (stdout *syncBuffer, stop func() int) {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	out, errb := &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", addr, "--database-url", dbURL, "--base-url", "http://" + addr},
			append([]string{"--log-level", "warn", "--shutdown-timeout", "5s"}, extra...)...),
			env{stdin: strings.NewReader(""), stdout: out, stderr: errb, getenv: noEnv})
	}()
	var once sync.Once
	code := -1
	stop = func() int {
		once.Do(func() {
			cancel()
			select {
			case code = <-done:
			case <-time.After(15 * time.Second):
				t.Errorf("serve did not return within 15 s of the shutdown signal\nstderr:\n%s", errb.String())
			}
		})
		return code
	}
	t.Cleanup(func() { stop() })

	client := &http.Client{Timeout: time.Second}
	var err error
	if !apptest.Eventually(10*time.Second, func() bool {
		select {
		case c := <-done:
			t.Fatalf("serve exited with %d before answering\nstdout:\n%s\nstderr:\n%s", c, out.String(), errb.String())
		default:
		}
		var res *http.Response
		if res, err = client.Get("http://" + addr + "/healthz"); err != nil {
			return false
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return false
		}
		if strings.TrimSpace(string(body)) != "ok" {
			t.Fatalf("/healthz answered %q", body)
		}
		return true
	}) {
		t.Fatalf("/healthz did not answer 200 within 10 s (last error %v)\nstderr:\n%s", err, errb.String())
	}
	return out, stop
}

// publicURL reads the address serve says it runs on.
func publicURL(t *testing.T, stdout string) string {
	t.Helper()
	m := regexp.MustCompile(`Plaza is running on (\S+) `).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("serve did not say where it runs:\n%s", stdout)
	}
	return m[1]
}

func TestServe(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		out, stop := serveUntilHealthy(t, dbURL)
		s := out.String()
		if !strings.Contains(s, "Plaza is running on http://127.0.0.1:") {
			t.Errorf("serve should say where it runs:\n%s", s)
		}
		if !strings.Contains(s, "user create --admin") || !strings.Contains(s, "No platform admin yet") {
			t.Errorf("with no admin, serve should say how to create the first one:\n%s", s)
		}
		if code := stop(); code != 0 {
			t.Fatalf("serve exited with %d after a graceful shutdown, want 0", code)
		}

		// Once an admin exists, the hint is gone. This run also serves
		// /metrics on the operator's own listener, and only there.
		if res := plaza(t, "", "user", "create", "--admin", "--email", "first@b.org", "--database-url", dbURL); res.code != 0 {
			t.Fatalf("user create: %s", res)
		}
		metricsAddr := freeAddr(t)
		out, stop = serveUntilHealthy(t, dbURL, "--metrics-addr", metricsAddr)
		if s := out.String(); strings.Contains(s, "No platform admin yet") {
			t.Errorf("serve still asks for a first admin after one was created:\n%s", s)
		}
		for _, c := range []struct {
			url    string
			status int
		}{
			{"http://" + metricsAddr + "/metrics", http.StatusOK},
			{"http://" + metricsAddr + "/", http.StatusNotFound},
			{"http://" + metricsAddr + "/login", http.StatusNotFound},
			{publicURL(t, out.String()) + "/metrics", http.StatusNotFound},
		} {
			res, err := http.Get(c.url)
			if err != nil {
				t.Fatalf("GET %s: %v", c.url, err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != c.status {
				t.Errorf("GET %s: %d, want %d", c.url, res.StatusCode, c.status)
			}
			if c.status == http.StatusOK && !strings.Contains(string(body), "plaza_deliveries_handled_total") {
				t.Errorf("GET %s does not serve Plaza's metrics:\n%.300s", c.url, body)
			}
		}
		if code := stop(); code != 0 {
			t.Fatalf("second serve exited with %d, want 0", code)
		}
	})
}
