// Command pages measures Plaza's public pages against a tiny static Go
// server serving the same bytes (issue 23, item 1: at least half its
// speed). For each database it makes a fresh one with `plaza demo`,
// starts a real `plaza serve` (default settings, log level info to a
// file), fetches the notice page and the account page as an anonymous
// reader, starts a static server that answers those exact bytes with the
// same Content-Type, and runs wrk against Plaza then the static server,
// pairs times, printing req/s, p50/p99 and the ratio of each pair; the
// median ratio is the figure. Other work on the machine changes both sides
// of a pair alike; the load average before each run is printed.
//
//	go run ./bench/pages                      # SQLite and PostgreSQL
//	go run ./bench/pages -dbs sqlite -duration 5s -pairs 1
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/plazahq/plaza/bench/benchutil"
)

func main() {
	admin := flag.String("postgres", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL server (the bench creates and drops its own database)")
	dbs := flag.String("dbs", "sqlite,postgres", "databases to measure, comma-separated")
	duration := flag.Duration("duration", 10*time.Second, "each wrk run")
	pairs := flag.Int("pairs", 3, "Plaza/static pairs per page")
	conns := flag.Int("c", 32, "wrk connections")
	threads := flag.Int("t", 2, "wrk threads")
	flag.Parse()
	if _, err := exec.LookPath("wrk"); err != nil {
		log.Fatal("wrk is not installed")
	}
	dir, err := os.MkdirTemp("", "plaza-bench-pages")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	bin, err := benchutil.BuildPlaza(dir)
	if err != nil {
		log.Fatal(err)
	}
	commit, _ := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	fmt.Printf("bench/pages %s, commit %s, wrk -t%d -c%d -d%s, %d pairs\n", time.Now().UTC().Format(time.RFC3339), strings.TrimSpace(string(commit)), *threads, *conns, *duration, *pairs)
	for _, db := range strings.Split(*dbs, ",") {
		var url string
		switch db {
		case "sqlite":
			url = "sqlite:" + filepath.Join(dir, "pages.db")
		case "postgres":
			u, drop, err := benchutil.FreshDatabase(context.Background(), *admin, "plaza_bench_pages")
			if err != nil {
				log.Fatal(err)
			}
			defer drop()
			url = u
		default:
			log.Fatalf("unknown database %q", db)
		}
		if err := run(bin, dir, db, url, *duration, *pairs, *conns, *threads); err != nil {
			log.Fatalf("%s: %v", db, err)
		}
	}
}

func run(bin, dir, db, url string, duration time.Duration, pairs, conns, threads int) error {
	env := append(os.Environ(), "PLAZA_DATABASE_URL="+url, "PLAZA_METRICS_TOKEN=bench-pages-metrics-token")
	demo := exec.Command(bin, "demo", "--json")
	demo.Env, demo.Stdout, demo.Stderr = env, io.Discard, os.Stderr
	if err := demo.Run(); err != nil {
		return fmt.Errorf("plaza demo: %w", err)
	}
	srv, err := serve(bin, filepath.Join(dir, db+"-serve.log"), env)
	if err != nil {
		return err
	}
	defer srv.stop()

	account, _, err := fetchSame(srv.base + "/@citytransit")
	if err != nil {
		return err
	}
	m := regexp.MustCompile(`/@citytransit/notices/\d+`).Find(account)
	if m == nil {
		return fmt.Errorf("no notice link on the account page")
	}
	pages := []string{string(m), "/@citytransit"}

	fmt.Printf("\n### %s\n", db)
	for _, path := range pages {
		body, ct, err := fetchSame(srv.base + path)
		if err != nil {
			return err
		}
		if path == "/@citytransit" && !bytes.Equal(body, account) {
			return fmt.Errorf("account page changed between fetches")
		}
		static, err := staticServer(path, ct, body)
		if err != nil {
			return err
		}
		got, _, err := fetchSame(static.base + path)
		if err != nil || !bytes.Equal(got, body) {
			static.close()
			return fmt.Errorf("static server's bytes differ from Plaza's (%v)", err)
		}
		// Warm-up, not counted.
		if _, err := wrk(srv.base+path, 3*time.Second, conns, threads); err != nil {
			static.close()
			return err
		}
		closedBefore := srv.idleClosed()
		fmt.Printf("\n%s (%d bytes, %s):\n\n", path, len(body), ct)
		fmt.Println("| pair | load before Plaza | Plaza req/s (p50 / p99) | load before static | static req/s (p50 / p99) | ratio Plaza/static |")
		fmt.Println("|---|---|---|---|---|---|")
		var ratios []float64
		for i := 1; i <= pairs; i++ {
			lp := load()
			p, err := wrk(srv.base+path, duration, conns, threads)
			if err != nil {
				static.close()
				return err
			}
			ls := load()
			s, err := wrk(static.base+path, duration, conns, threads)
			if err != nil {
				static.close()
				return err
			}
			r := p.rps / s.rps
			ratios = append(ratios, r)
			fmt.Printf("| %d | %s | %s (%s / %s)%s | %s | %s (%s / %s)%s | **%.3f** |\n", i, lp, thousands(p.rps), p.p50, p.p99, p.errors(),
				ls, thousands(s.rps), s.p50, s.p99, s.errors(), r)
		}
		static.close()
		sort.Float64s(ratios)
		fmt.Printf("\nmedian ratio: **%.3f**; connections closed for max idle during the runs: %d\n", ratios[len(ratios)/2], srv.idleClosed()-closedBefore)
	}
	fmt.Printf("\nplaza serve VmHWM: %d MB\n", benchutil.Memory(srv.cmd.Process.Pid, "VmHWM")/1024)
	return nil
}

// fetchSame fetches url twice as an anonymous reader and checks that the
// two answers are the same bytes, 200, without a cookie.
func fetchSame(url string) ([]byte, string, error) {
	var first []byte
	var ctype string
	for i := range 2 {
		resp, err := http.Get(url)
		if err != nil {
			return nil, "", err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, "", err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, "", fmt.Errorf("GET %s: %d", url, resp.StatusCode)
		}
		if c := resp.Header.Values("Set-Cookie"); len(c) > 0 {
			return nil, "", fmt.Errorf("GET %s sets cookies: %q", url, c)
		}
		if i == 0 {
			first, ctype = body, resp.Header.Get("Content-Type")
		} else if !bytes.Equal(body, first) {
			return nil, "", fmt.Errorf("GET %s: two fetches differ", url)
		}
	}
	return first, ctype, nil
}

type server struct {
	cmd  *exec.Cmd
	base string
	log  *os.File
}

// serve starts `plaza serve` with its default log level (info), logging
// to a file, on a free port, and waits until it is ready.
func serve(bin, logFile string, env []string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	f, err := os.Create(logFile)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", "--addr", addr)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, err
	}
	s := &server{cmd: cmd, base: "http://" + addr, log: f}
	for deadline := time.Now().Add(30 * time.Second); ; {
		if resp, err := http.Get(s.base + "/readyz"); err == nil && resp.StatusCode == 200 {
			resp.Body.Close()
			return s, nil
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("plaza did not start (log: %s)", logFile)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	_ = s.cmd.Wait()
	s.log.Close()
}

// idleClosed is go_sql_max_idle_closed_total of the read pool, from
// Plaza's /metrics.
func (s *server) idleClosed() int64 {
	req, _ := http.NewRequest(http.MethodGet, s.base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer bench-pages-metrics-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), `go_sql_max_idle_closed_total{db_name="plaza"} `); ok {
			n, _ := strconv.ParseFloat(v, 64)
			return int64(n)
		}
	}
	return -1
}

type staticSrv struct {
	base  string
	close func()
}

// staticServer answers path with body and Content-Type ct, and nothing
// else: the fastest a Go server can send these bytes.
func staticServer(path, ct string, body []byte) (*staticSrv, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ct)
		_, _ = w.Write(body)
	})
	hs := &http.Server{Handler: mux}
	go func() { _ = hs.Serve(ln) }()
	return &staticSrv{base: "http://" + ln.Addr().String(), close: func() { hs.Close() }}, nil
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

type result struct {
	rps      float64
	p50, p99 string
	non2xx   int
	socket   string
}

func (r result) errors() string {
	var out string
	if r.non2xx > 0 {
		out += fmt.Sprintf(", %d non-2xx", r.non2xx)
	}
	if r.socket != "" {
		out += ", socket errors: " + r.socket
	}
	return out
}

// wrk runs wrk against url and reads its summary.
func wrk(url string, d time.Duration, conns, threads int) (result, error) {
	out, err := exec.Command("wrk", fmt.Sprintf("-t%d", threads), fmt.Sprintf("-c%d", conns),
		fmt.Sprintf("-d%ds", int(d.Seconds())), "--latency", url).CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("wrk: %v\n%s", err, out)
	}
	var r result
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "Requests/sec:":
			r.rps, _ = strconv.ParseFloat(f[1], 64)
		case len(f) == 2 && f[0] == "50%":
			r.p50 = f[1]
		case len(f) == 2 && f[0] == "99%":
			r.p99 = f[1]
		case len(f) >= 5 && f[0] == "Non-2xx":
			r.non2xx, _ = strconv.Atoi(f[len(f)-1])
		case len(f) > 2 && f[0] == "Socket" && f[1] == "errors:":
			r.socket = strings.Join(f[2:], " ")
		}
	}
	if r.rps == 0 {
		return r, fmt.Errorf("wrk: no Requests/sec in\n%s", out)
	}
	return r, nil
}

// load is the one-minute load average.
func load() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b))[0]
}

func thousands(v float64) string {
	s := strconv.FormatInt(int64(v+0.5), 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
