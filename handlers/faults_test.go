package handlers_test

import (
	"database/sql"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/database"
)

// TestAnswerIsStoredWithItsCount: a citizen is thanked only for an
// answer that is stored, and an answer is stored only with its count
// against its contact's limit, in one transaction (the count comes first,
// so several instances cannot all pass a limit only some answers fit).
// So a failure of the count (a trigger refusing it, as a database going
// away would) stores nothing and tells the citizen it failed, and the
// same answer sent again once the fault is gone is stored once.
func TestAnswerIsStoredWithItsCount(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.StartWith(t, dbURL, generous)
		f := apptest.Seed(t, a)
		p := openProject(t, a, f, "")
		fault := []string{`CREATE TRIGGER refuse_contact_count BEFORE INSERT ON rate_limits
			WHEN NEW.key LIKE 'feedback:contact:%' BEGIN SELECT RAISE(ABORT, 'injected fault'); END`}
		if a.DB.Dialect == database.Postgres {
			fault = []string{`CREATE FUNCTION refuse_contact_count() RETURNS trigger LANGUAGE plpgsql
				AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$`,
				`CREATE TRIGGER refuse_contact_count BEFORE INSERT ON rate_limits FOR EACH ROW
				WHEN (NEW.key LIKE 'feedback:contact:%') EXECUTE FUNCTION refuse_contact_count()`}
		}
		for _, q := range fault {
			if err := a.DB.Gorm.Exec(q).Error; err != nil {
				t.Fatal(err)
			}
		}
		c := a.Client(t)
		c.CSRF()
		answer := url.Values{"stance": {"support"}, "comment": {"Yes"}, "contact": {"ming@example.org"}, "consent": {"on"}}
		r := c.Post("/@metro/projects/"+strconv.FormatInt(p.ID, 10)+"/feedback", answer)
		if r.Status < 500 || strings.Contains(r.Location, "/thanks") {
			t.Fatalf("an answer whose count failed: %s; want an error, not thanks", r)
		}
		if rows := feedbackRows(t, a, p.ID); len(rows) != 0 {
			t.Fatalf("%d answers stored without their count, want 0", len(rows))
		}
		if err := a.DB.Gorm.Exec("DROP TRIGGER refuse_contact_count" + map[bool]string{true: " ON rate_limits"}[a.DB.Dialect == database.Postgres]).Error; err != nil {
			t.Fatal(err)
		}
		r = c.Post("/@metro/projects/"+strconv.FormatInt(p.ID, 10)+"/feedback", answer)
		if r.Status != http.StatusSeeOther || !strings.Contains(r.Location, "/thanks") {
			t.Fatalf("the same answer sent again: %s; want the thank-you page", r)
		}
		if rows := feedbackRows(t, a, p.ID); len(rows) != 1 {
			t.Fatalf("%d answers stored, want 1", len(rows))
		}
	})
}

// TestPostgresLostConnectionIs503: when the connection to PostgreSQL is
// lost in the middle of a request (the server restarts, a proxy or the
// network drops it, an operator terminates the backend), the answer is 503
// with Retry-After, "try again in a moment", never a 500 or a raw
// "unexpected EOF"; and the next request works on a new connection.
func TestPostgresLostConnectionIs503(t *testing.T) {
	pgURL := apptest.PostgresURL(t)
	u, err := url.Parse(pgURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := startTCPProxy(t, u.Host)
	u.Host = proxy.addr()
	a := apptest.Start(t, u.String())
	apptest.Seed(t, a)
	admin, err := sql.Open("pgx", pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()

	for i, tt := range []struct {
		name string
		drop func(t *testing.T, lockHolder int)
	}{
		{"connection cut", func(*testing.T, int) { proxy.cut() }},
		{"backend terminated", func(t *testing.T, lockHolder int) {
			// Every backend of the app's, not the test's own two.
			if _, err := admin.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
				WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> $1`, lockHolder); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := a.Client(t)
			c.CSRF()
			// A lock held by another session keeps the request waiting in
			// the server, so the connection is lost mid-request.
			tx, err := admin.Begin()
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			var lockHolder int
			if err := tx.QueryRow(`SELECT pg_backend_pid()`).Scan(&lockHolder); err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Exec(`LOCK TABLE followers IN ACCESS EXCLUSIVE MODE`); err != nil {
				t.Fatal(err)
			}
			done := make(chan *apptest.Response, 1)
			go func() {
				done <- c.Post("/@metro/follow", url.Values{"address": {"lost" + strconv.Itoa(i) + "@example.org"}})
			}()
			waitForLockWait(t, admin)
			tt.drop(t, lockHolder)
			var r *apptest.Response
			select {
			case r = <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("the request hangs after its connection was lost")
			}
			if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" ||
				strings.Contains(r.Body, "EOF") {
				t.Fatalf("request whose connection was lost: %s (Retry-After %q); want 503 with Retry-After", r, r.Header.Get("Retry-After"))
			}
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
			// Connections in the pool that died with it are found out by
			// use (or by pgx's check of a connection idle for a second):
			// until then the answer is still 503, never 500.
			var back *apptest.Response
			if !apptest.Eventually(10*time.Second, func() bool {
				back = c.Post("/@metro/follow", url.Values{"address": {"back" + strconv.Itoa(i) + "@example.org"}})
				if back.Status != http.StatusOK && back.Status != http.StatusServiceUnavailable {
					t.Fatalf("follow once the database is back: %s", back)
				}
				return back.Status == http.StatusOK
			}) {
				t.Fatalf("follow once the database is back: %s", back)
			}
		})
	}
}

// waitForLockWait returns once a backend of the test database waits for a
// lock.
func waitForLockWait(t *testing.T, admin *sql.DB) {
	t.Helper()
	apptest.WaitFor(t, 10*time.Second, "the request reaching the locked table", func() bool {
		var n int
		if err := admin.QueryRow(`SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n > 0
	})
}

// tcpProxy forwards connections to a database and can drop them all at
// once, as a network failure would.
type tcpProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
}

func startTCPProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go p.serve()
	return p
}

func (p *tcpProxy) addr() string { return p.ln.Addr().String() }

func (p *tcpProxy) serve() {
	for {
		in, err := p.ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			in.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, in, out)
		p.mu.Unlock()
		go func() { _, _ = io.Copy(out, in); out.Close() }()
		go func() { _, _ = io.Copy(in, out); in.Close() }()
	}
}

// cut closes every connection open through the proxy.
func (p *tcpProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// TestReadyzNeedsAWritableDatabase: /readyz answers 503 while the database
// answers but refuses writes, so a load balancer stops sending forms to an
// instance that would fail them all, and 200 again once it writes. The
// database is made read-only for real: PostgreSQL by the database's
// default_transaction_read_only (and new connections), SQLite by
// query_only on its one write connection.
func TestReadyzNeedsAWritableDatabase(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		apptest.Seed(t, a)
		c := a.Client(t)
		c.CSRF()
		if r := c.Get("/readyz"); r.Status != http.StatusOK {
			t.Fatalf("/readyz of a healthy database: %s", r)
		}
		readOnly := func(on bool) {
			t.Helper()
			if a.DB.Dialect == database.SQLite {
				if _, err := a.DB.SQL.Exec("PRAGMA query_only = " + strconv.FormatBool(on)); err != nil {
					t.Fatal(err)
				}
				return
			}
			admin, err := sql.Open("pgx", apptest.PostgresAdminURL())
			if err != nil {
				t.Fatal(err)
			}
			defer admin.Close()
			u, _ := url.Parse(dbURL)
			name := strings.TrimPrefix(u.Path, "/")
			set := "SET default_transaction_read_only = on"
			if !on {
				set = "RESET default_transaction_read_only"
			}
			if _, err := admin.Exec(`ALTER DATABASE ` + name + ` ` + set); err != nil {
				t.Fatal(err)
			}
			// The setting applies to new sessions.
			if _, err := admin.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, name); err != nil {
				t.Fatal(err)
			}
			if !on {
				// Nothing more to wait for: the test waits for /readyz
				// to answer 200, and a dead connection only delays that.
				return
			}
			// pgx checks a pooled connection idle for over a second
			// before it hands it out, and drops the terminated ones. A
			// fixed pause is right: that second is pgx's own rule, and no
			// event shows which pooled connections it has checked.
			time.Sleep(1200 * time.Millisecond)
		}

		readOnly(true)
		for i := range 3 {
			if r := c.Get("/readyz"); r.Status != http.StatusServiceUnavailable {
				t.Fatalf("/readyz %d of a database that cannot write: %s", i+1, r)
			}
		}
		if r := c.Post("/@metro/follow", url.Values{"address": {"readonly@example.org"}}); r.Status != http.StatusServiceUnavailable {
			t.Fatalf("a write to a read-only database: %s; want 503", r)
		}
		if r := c.Get("/@metro"); r.Status != http.StatusOK {
			t.Fatalf("a page that only reads, while the database cannot write: %s", r)
		}
		readOnly(false)
		var r *apptest.Response
		if !apptest.Eventually(10*time.Second, func() bool { r = c.Get("/readyz"); return r.Status == http.StatusOK }) {
			t.Fatalf("/readyz once the database writes again: %s", r)
		}
	})
}

// TestReadyzOnAFullDisk: with the SQLite database on a file system that
// fills up, /readyz answers 503 (it answered "ready" while every form
// failed), writes answer 503 rather than 500, and all is well again once
// space is freed. The file system is a small tmpfs of the test's own.
func TestReadyzOnAFullDisk(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", dir).CombinedOutput(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("mounting a tmpfs needs root: %v %s", err, out)
		}
		t.Skipf("mounting a tmpfs needs root: %v %s", err, out)
	}
	// Registered before the app starts, so it runs after the app closed.
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	a := apptest.Start(t, "sqlite:"+filepath.Join(dir, "plaza.db"))
	apptest.Seed(t, a)
	c := a.Client(t)
	c.CSRF()
	if r := c.Get("/readyz"); r.Status != http.StatusOK {
		t.Fatalf("/readyz with space left: %s", r)
	}

	filler := filepath.Join(dir, "filler")
	fill(t, filler)
	if r := c.Get("/readyz"); r.Status != http.StatusServiceUnavailable {
		t.Fatalf("/readyz on a full disk: %s", r)
	}
	for i := range 5 {
		r := c.Post("/@metro/follow", url.Values{"address": {"full" + strconv.Itoa(i) + "@example.org"}})
		if r.Status != http.StatusOK && r.Status != http.StatusServiceUnavailable {
			t.Fatalf("a follow on a full disk: %s; want it stored or 503", r)
		}
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if r := c.Get("/readyz"); r.Status != http.StatusOK {
		t.Fatalf("/readyz once space is freed: %s", r)
	}
	if r := c.Post("/@metro/follow", url.Values{"address": {"space@example.org"}}); r.Status != http.StatusOK {
		t.Fatalf("a follow once space is freed: %s", r)
	}
}

// fill writes path until its file system has no space left.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, size := range []int{1 << 20, 4 << 10, 1} {
		chunk := make([]byte, size)
		for {
			if _, err := f.Write(chunk); err != nil {
				break
			}
		}
	}
}
