package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/auth"
)

// pgCluster is a PostgreSQL server of the test's own, so that restarting it
// disturbs no other test.
type pgCluster struct {
	t       *testing.T
	version string
	name    string
	port    string
}

func ctl(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func newPGCluster(t *testing.T) *pgCluster {
	t.Helper()
	_, err := exec.LookPath("pg_createcluster")
	versions, _ := os.ReadDir("/etc/postgresql")
	if err != nil || os.Geteuid() != 0 || len(versions) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("restarting PostgreSQL needs root and Debian's postgresql-common (pg_createcluster)")
		}
		t.Skip("needs root and Debian's pg_createcluster")
	}
	addr := freeAddr(t)
	c := &pgCluster{t: t, version: versions[len(versions)-1].Name(), name: "plazafault" + strings.ToLower(auth.GeneratePassword()[:6]),
		port: addr[strings.LastIndexByte(addr, ':')+1:]}
	ctl(t, "pg_createcluster", c.version, c.name, "--port", c.port, "--", "--auth=trust")
	t.Cleanup(func() {
		_ = exec.Command("pg_ctlcluster", "--skip-systemctl-redirect", c.version, c.name, "stop", "-m", "immediate").Run()
		_ = exec.Command("pg_dropcluster", c.version, c.name).Run()
	})
	c.start()
	return c
}

func (c *pgCluster) start() {
	ctl(c.t, "pg_ctlcluster", "--skip-systemctl-redirect", c.version, c.name, "start")
}

func (c *pgCluster) stop() {
	ctl(c.t, "pg_ctlcluster", "--skip-systemctl-redirect", c.version, c.name, "stop", "-m", "fast")
}

func (c *pgCluster) url() string {
	return "postgres://postgres@127.0.0.1:" + c.port + "/postgres?sslmode=disable"
}

// TestDatabaseRestartUnderLoad restarts the PostgreSQL server while
// citizens follow an account: while it is down Plaza answers 503 quickly
// (never 500, never a hang) and /readyz says so; it reconnects by itself;
// and every follow it acknowledged is in the database afterwards. (SQLite
// has no server to restart: this test is PostgreSQL's alone.)
func TestDatabaseRestartUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL server and real Plaza processes")
	}
	pg := newPGCluster(t)
	dbURL := pg.url()
	if r := plaza(t, "", "demo", "--database-url", dbURL); r.code != 0 {
		t.Fatalf("demo: %s", r)
	}
	addr := freeAddr(t)
	cmd := exec.Command(os.Args[0], "serve", "--addr", addr, "--database-url", dbURL, "--log-level", "error",
		"--trusted-proxies", "127.0.0.1/32")
	cmd.Env = append(os.Environ(), "PLAZA_TEST_RUN_MAIN=1")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	base := "http://" + addr
	waitHealthy(t, base)

	var mu sync.Mutex
	statuses := map[int]int{}
	var unavailable [4]int // 503s each worker got
	var acknowledged []string
	var failures []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			jar, _ := cookiejar.New(nil)
			client := &http.Client{Jar: jar, Timeout: 15 * time.Second}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				page, err := client.Get(base + "/@citysafety/follow")
				if err != nil {
					mu.Lock()
					failures = append(failures, err.Error())
					mu.Unlock()
					continue
				}
				body, _ := io.ReadAll(page.Body)
				page.Body.Close()
				mu.Lock()
				statuses[page.StatusCode]++
				if page.StatusCode == http.StatusServiceUnavailable {
					unavailable[w]++
				}
				mu.Unlock()
				if page.StatusCode != 200 {
					time.Sleep(20 * time.Millisecond)
					continue
				}
				address := fmt.Sprintf("w%d-%d@restart.test", w, i)
				form := url.Values{"_csrf": {formToken(string(body))}, "address": {address}, "language": {"en"}}
				req, _ := http.NewRequest("POST", base+"/@citysafety/follow", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.1.%d.%d", w, i%250))
				began := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					mu.Lock()
					failures = append(failures, err.Error())
					mu.Unlock()
					continue
				}
				rb, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				mu.Lock()
				statuses[resp.StatusCode]++
				if resp.StatusCode == http.StatusServiceUnavailable {
					unavailable[w]++
				}
				if resp.StatusCode == 200 && strings.Contains(string(rb), "Check your inbox") {
					acknowledged = append(acknowledged, address)
				}
				if d := time.Since(began); d > 10*time.Second {
					failures = append(failures, fmt.Sprintf("a follow took %v", d))
				}
				mu.Unlock()
			}
		})
	}
	// everyWorker says whether each worker has a follow acknowledged
	// among acknowledged[from:].
	everyWorker := func(from int) bool {
		mu.Lock()
		defer mu.Unlock()
		for w := range unavailable {
			if !slices.ContainsFunc(acknowledged[from:], func(a string) bool { return strings.HasPrefix(a, fmt.Sprintf("w%d-", w)) }) {
				return false
			}
		}
		return true
	}
	acked := func() int { mu.Lock(); defer mu.Unlock(); return len(acknowledged) }
	// The load runs: every worker has a follow acknowledged before the
	// outage.
	apptest.WaitFor(t, 20*time.Second, "a follow acknowledged for every worker before the outage", func() bool { return everyWorker(0) })
	pg.stop()
	// While it is down: 503 from /readyz and from pages, quickly.
	var err error
	if !apptest.Eventually(10*time.Second, func() bool {
		var resp *http.Response
		if resp, err = http.Get(base + "/readyz"); err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusServiceUnavailable
	}) {
		t.Fatalf("/readyz did not report the outage: %v", err)
	}
	// The database stays down until every worker has had a request
	// answered 503 since.
	mu.Lock()
	before := unavailable
	mu.Unlock()
	apptest.WaitFor(t, 20*time.Second, "a 503 for every worker during the outage", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for w := range unavailable {
			if unavailable[w] == before[w] {
				return false
			}
		}
		return true
	})
	pg.start()
	waitHealthy(t, base)
	// The load goes on until every worker has a follow acknowledged
	// after the restart too.
	restarted := acked()
	apptest.WaitFor(t, 20*time.Second, "a follow acknowledged for every worker after the restart", func() bool { return everyWorker(restarted) })
	close(stop)
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	t.Logf("responses by status: %v; acknowledged follows: %d", statuses, len(acknowledged))
	if statuses[http.StatusInternalServerError] > 0 {
		t.Fatalf("%d requests answered 500 during the restart", statuses[http.StatusInternalServerError])
	}
	if statuses[http.StatusServiceUnavailable] == 0 {
		t.Fatal("no request saw the outage; the restart came too late")
	}
	if len(failures) > 0 {
		t.Fatalf("%d requests failed without an answer: %v", len(failures), failures[:min(3, len(failures))])
	}
	db, _ := openStore(t, dbURL)
	var stored []string
	db.Gorm.Raw(`SELECT address FROM followers WHERE address LIKE '%@restart.test'`).Scan(&stored)
	have := map[string]bool{}
	for _, a := range stored {
		have[a] = true
	}
	for _, a := range acknowledged {
		if !have[a] {
			t.Fatalf("the acknowledged follow of %s is missing after the restart", a)
		}
	}
	if len(acknowledged) == 0 {
		t.Fatal("no follow was acknowledged")
	}
}
