// Package apptest starts the whole of Plaza on a fresh SQLite or PostgreSQL
// database behind a real HTTP server, and gives tests a browser-like client
// with a cookie jar. Every test suite that touches the database runs once
// per database through Each.
package apptest

import (
	"context"
	"database/sql"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the driver used to create test databases

	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/auth"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/outbound"
)

// PostgresAdminURL is where test databases are created; override with
// PLAZA_TEST_POSTGRES_URL.
func PostgresAdminURL() string {
	if u := os.Getenv("PLAZA_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// Each runs fn once on a fresh, migrated SQLite database and once on a
// fresh, migrated PostgreSQL database (copies of a template, see
// MigratedPostgresURL). Without a reachable PostgreSQL the second run is
// skipped, except in CI (CI=true), where that is a failure.
// The two runs go side by side (the suite mostly waits on I/O), and
// beside the other parallel tests of the package.
func Each(t *testing.T, fn func(t *testing.T, dbURL string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); fn(t, MigratedSQLiteURL(t)) })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); fn(t, MigratedPostgresURL(t)) })
}

// EachSeeded is Each on databases that already hold the fixtures (Seed
// then finds them instead of making them): copies of a seeded template
// made once per test process.
func EachSeeded(t *testing.T, fn func(t *testing.T, dbURL string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); fn(t, SeededSQLiteURL(t)) })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); fn(t, SeededPostgresURL(t)) })
}

// EachInTurn is Each with one run after the other, for tests that time
// or load the machine themselves (a crash under load, a timeout).
func EachInTurn(t *testing.T, fn func(t *testing.T, dbURL string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, MigratedSQLiteURL(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, MigratedPostgresURL(t)) })
}

// EachEmpty is Each on empty databases, for tests of migrating itself.
func EachEmpty(t *testing.T, fn func(t *testing.T, dbURL string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLiteURL(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, PostgresURL(t)) })
}

// SQLiteURL is a new SQLite database in the test's temporary directory.
func SQLiteURL(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "plaza.db")
}

// PostgresURL creates an empty PostgreSQL database for the test and drops
// it afterwards.
func PostgresURL(t testing.TB) string {
	t.Helper()
	return newPostgresDatabase(t, adminDB(t), "")
}

// adminDB connects to the server test databases are made on; without a
// reachable PostgreSQL the test is skipped, except in CI (CI=true), where
// that is a failure.
func adminDB(t testing.TB) *sql.DB {
	t.Helper()
	admin := PostgresAdminURL()
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is not reachable at %s (required in CI): %v", admin, err)
		}
		t.Skipf("PostgreSQL is not reachable at %s: %v", admin, err)
	}
	return db
}

// newPostgresDatabase creates a database with the given CREATE DATABASE
// options (a template) for the test and returns its URL. It is dropped
// when the package's tests are over (Main), not when the test ends: see
// dropDatabases. Its name carries this process's id, for that.
//
// Commits on it do not wait for the write-ahead log to reach the disk
// (synchronous_commit=off): a test database need not survive a crash of
// the server, and the tests' many small transactions would otherwise
// each wait for an fsync. A crash of Plaza itself loses nothing either
// way, which is what the crash tests check.
func newPostgresDatabase(t testing.TB, db *sql.DB, options string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	name := fmt.Sprintf("%s%d_%s", testDatabasePrefix, os.Getpid(), strings.ToLower(auth.GeneratePassword()[:12]))
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name+" "+options); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	u, err := url.Parse(PostgresAdminURL())
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresAdminURL(), err)
	}
	u.Path = "/" + name
	// %20, not +: pgx reads the query without turning + into a space.
	u.RawQuery = strings.TrimPrefix(u.RawQuery+"&options=-c%20synchronous_commit%3Doff", "&")
	return u.String()
}

// App is Plaza running behind an httptest server.
type App struct {
	*app.App
	Server *httptest.Server
	URL    string

	working bool // the background workers run (StartWorkers)
}

// Config is the configuration tests run with.
func Config(dbURL string) config.Config {
	loopback, err := outbound.ParsePolicy(outbound.Loopback)
	if err != nil {
		panic(err) // a constant
	}
	return config.Config{
		Addr: "127.0.0.1:0", DatabaseURL: dbURL, BaseURL: "http://plaza.test",
		LogLevel: "warn", LogFormat: "text", LoginLimit: 5, ShutdownTimeout: 5 * time.Second,
		SMTPURL: "log", MailFrom: "no-reply@plaza.test",
		SecretKey: strings.Repeat("5e", 32),
		Location:  time.UTC, SendWorkers: 2, SendBatch: 500, SendLease: time.Minute, ChannelRates: map[string]float64{},
		// Tests' webhook receivers and feeds listen on this machine's
		// loopback; a test of the refusal clears this.
		Outbound: loopback,
	}
}

// Start runs Plaza on dbURL behind a test server until the test ends,
// without its background workers: jobs stay queued and broadcasts unsent
// until the test starts the workers (App.StartWorkers) or does the work
// itself. Most tests only look at pages and the database, and an idle app
// leaves the machine to the tests that run beside it.
func Start(t testing.TB, dbURL string) *App {
	t.Helper()
	return StartWith(t, dbURL, nil)
}

// StartWith is Start with a chance to change the configuration first (an
// SMTP server, a login limit).
func StartWith(t testing.TB, dbURL string, configure func(*config.Config)) *App {
	t.Helper()
	return StartOptions(t, dbURL, configure, nil)
}

// StartOptions is StartWith with a chance to change the app's options too
// (the broadcast engine's channels and timings). Tests run with fast
// polling and retries.
func StartOptions(t testing.TB, dbURL string, configure func(*config.Config), options func(*app.Options)) *App {
	t.Helper()
	cfg := Config(dbURL)
	if configure != nil {
		configure(&cfg)
	}
	opts := app.Options{QueuePoll: 50 * time.Millisecond}
	opts.Broadcast.Poll = 50 * time.Millisecond
	opts.Broadcast.Backoff = 20 * time.Millisecond
	opts.Broadcast.MaxBackoff = 200 * time.Millisecond
	// Tests change data through the services (not only through this
	// app's forms) and read the public pages at once: the page cache
	// reads the content version on every request, so what it serves is
	// never older than the last commit. Its production bound, a few
	// hundred milliseconds, is time and is not tested.
	opts.Pages.Poll = time.Nanosecond
	if options != nil {
		options(&opts)
	}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.New(context.Background(), cfg, log, opts)
	if err != nil {
		t.Fatalf("start plaza: %v", err)
	}
	srv := httptest.NewServer(a.Handler)
	ta := &App{App: a, Server: srv, URL: srv.URL}
	t.Cleanup(func() {
		srv.Close()
		if ta.working {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := a.Stop(ctx); err != nil {
				t.Logf("stop workers: %v", err)
			}
		}
		a.Close()
	})
	return ta
}

// StartWorkers runs the app's background workers from now until the test
// ends: the job queue (mail, publications, digests, feed polls, and the
// leader's periodic scans and housekeeping) and the broadcast engine. A
// test about what they do calls it; they stop after the server, as in
// `plaza serve`.
func (a *App) StartWorkers(t testing.TB) {
	t.Helper()
	if a.working {
		return
	}
	if err := a.App.Start(context.Background()); err != nil {
		t.Fatalf("start workers: %v", err)
	}
	a.working = true
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Client is a browser-like client: it keeps cookies, does not follow
// redirects (tests look at them) and sends the CSRF token with forms the
// way Plaza's own pages do.
type Client struct {
	t    testing.TB
	app  *App
	HTTP *http.Client

	mu            sync.Mutex
	csrf, csrfFor string // the last form token and the cookies it was for
}

// Client makes a new client with an empty cookie jar.
func (a *App) Client(t testing.TB) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{t: t, app: a, HTTP: &http.Client{
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Response is a finished response with its body read.
type Response struct {
	Status   int
	Header   http.Header
	Body     string
	Location string
}

func (c *Client) do(req *http.Request) *Response {
	c.t.Helper()
	res, err := c.HTTP.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("read %s %s: %v", req.Method, req.URL.Path, err)
	}
	return &Response{Status: res.StatusCode, Header: res.Header, Body: string(b), Location: res.Header.Get("Location")}
}

// Get fetches path.
func (c *Client) Get(path string) *Response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.app.URL+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req)
}

// CSRF returns the form token Plaza's pages give this client now: the
// token bound to the session (so it changes at sign-in), read from a
// page the way a browser gets it and kept while the session cookie stays
// the same. A client that is not signed in gets no token (its forms are
// guarded by the cross-origin check), and CSRF returns "".
func (c *Client) CSRF() string {
	c.t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.csrfFor != "" && c.csrfFor == c.formCookies() {
		return c.csrf
	}
	res := c.Get("/")
	m := csrfHeaderRE.FindStringSubmatch(html.UnescapeString(res.Body))
	if m == nil {
		if res.Status != http.StatusOK {
			c.t.Fatalf("home page for the CSRF token: status %d", res.Status)
		}
		c.csrf, c.csrfFor = "", c.formCookies()
		return ""
	}
	c.csrf, c.csrfFor = m[1], c.formCookies()
	return c.csrf
}

// csrfHeaderRE finds the token every page gives htmx in hx-headers.
var csrfHeaderRE = regexp.MustCompile(`"X-CSRF-Token":"([^"]+)"`)

// formCookies are the cookies a form token depends on, as one string.
func (c *Client) formCookies() string {
	u, _ := url.Parse(c.app.URL)
	var b strings.Builder
	// Never empty, so that "" in csrfFor means "not read yet".
	b.WriteString("cookies:")
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if strings.HasSuffix(ck.Name, "plaza_session") {
			b.WriteString(ck.Name + "=" + ck.Value + ";")
		}
	}
	return b.String()
}

// Post submits a form with the CSRF token, as a page of Plaza would.
func (c *Client) Post(path string, form url.Values) *Response {
	c.t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("_csrf", c.CSRF())
	return c.PostRaw(path, f)
}

// PostRaw submits a form exactly as given: no CSRF token is added.
func (c *Client) PostRaw(path string, form url.Values) *Response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.app.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// Upload posts a multipart form with one file and the CSRF token.
func (c *Client) Upload(path, field, filename string, data []byte) *Response {
	c.t.Helper()
	return c.UploadForm(path, field, filename, data, nil)
}

// UploadForm is Upload with more fields of the form (values).
func (c *Client) UploadForm(path, field, filename string, data []byte, values url.Values) *Response {
	c.t.Helper()
	body, contentType := multipartBody(c.CSRF(), field, filename, data, values)
	req, err := http.NewRequest(http.MethodPost, c.app.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	return c.do(req)
}

// Login signs in and fails the test if that does not work.
func (c *Client) Login(email, password string) {
	c.t.Helper()
	res := c.Post("/login", url.Values{"email": {email}, "password": {password}})
	if res.Status != http.StatusSeeOther {
		c.t.Fatalf("login as %s: status %d, want 303\n%s", email, res.Status, res.Body)
	}
}

// String describes the response for a failure message: its status and
// the page's main content rather than the whole document.
func (r *Response) String() string {
	body := r.Body
	if i := strings.Index(body, "<main"); i >= 0 {
		body = body[i:]
		if j := strings.Index(body, "</main>"); j >= 0 {
			body = body[:j+len("</main>")]
		}
	}
	if len(body) > 3000 {
		body = body[:3000] + "…"
	}
	return fmt.Sprintf("status %d, location %q\n%s", r.Status, r.Location, body)
}

// PagePoll sets how often the page cache reads the content version, for
// StartOptions (tests of the cache itself; the default reads it on every
// request).
func PagePoll(d time.Duration) func(*app.Options) {
	return func(o *app.Options) { o.Pages.Poll = d }
}
