package handlers_test

import (
	"database/sql"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/database"
)

// TestStoredAnswerIsNeverAFailure: once a citizen's answer is committed,
// a failure of the bookkeeping after it (counting the answer against its
// contact's limit) must not tell them it failed: they would send it again,
// or give up thinking it was lost. The fault is a trigger that refuses the
// count, as a database going away just after the commit would.
func TestStoredAnswerIsNeverAFailure(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
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
		r := c.Post("/@metro/projects/"+strconv.FormatInt(p.ID, 10)+"/feedback", url.Values{"stance": {"support"}, "comment": {"Yes"},
			"contact": {"ming@example.org"}, "consent": {"on"}})
		if r.Status != http.StatusSeeOther || !strings.Contains(r.Location, "/thanks") {
			t.Fatalf("a stored answer whose count failed: %s; want the thank-you page", r)
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
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
				r := c.Post("/@metro/follow", url.Values{"address": {"back" + strconv.Itoa(i) + "@example.org"}})
				if r.Status == http.StatusOK {
					break
				}
				if r.Status != http.StatusServiceUnavailable || time.Now().After(deadline) {
					t.Fatalf("follow once the database is back: %s", r)
				}
			}
		})
	}
}

// waitForLockWait returns once a backend of the test database waits for a
// lock.
func waitForLockWait(t *testing.T, admin *sql.DB) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var n int
		if err := admin.QueryRow(`SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the request never reached the locked table")
		}
	}
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
