// Command vslistmonk measures Plaza's broadcast against listmonk's
// campaign on the same machine, the same PostgreSQL server and the same
// receiver, in pairs run back to back: Plaza sends a notice to N webhook
// followers (bench/broadcast -sink, a fresh database each run), then
// listmonk sends a campaign to a list of N subscribers through a postback
// messenger, both to one counting receiver in this process. Each pair
// prints both rates, the machine's load before each run, and their ratio.
//
// listmonk is not part of Plaza: build it yourself from its repository
// (any v6 tag; the figures in bench/README.md are for v6.2.0) and point
// this program at the binary and at its source directory, from which it
// reads its static files, queries and schema:
//
//	git clone https://github.com/knadh/listmonk && cd listmonk && git checkout v6.2.0
//	mkdir -p frontend/dist && echo '<html></html>' > frontend/dist/index.html
//	go build -o listmonk ./cmd
//	cd /path/to/plaza && go run ./bench/vslistmonk -listmonk ../listmonk/listmonk -listmonk-dir ../listmonk -followers 1000000
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/plazahq/plaza/bench/benchutil"
	"github.com/plazahq/plaza/database"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "vslistmonk:", err)
		os.Exit(1)
	}
}

// campaignBody is listmonk's message, the size of Plaza's webhook JSON
// for the same notice (about 500 bytes), so both receivers read alike.
const campaignBody = `<p>Line 12 buses use <strong>Harbour Road</strong> until 18:00.</p><p>12 路公交车改经<strong>海港路</strong>行驶，至 18:00。</p><p>Sent by the City Transit Authority. Reply STOP to unsubscribe.</p>`

func run() error {
	bin := flag.String("listmonk", "", "the listmonk binary (see the package comment)")
	dir := flag.String("listmonk-dir", "", "listmonk's source directory (its static files, queries and schema)")
	followers := flag.Int("followers", 1_000_000, "recipients in each run")
	pairs := flag.Int("pairs", 3, "pairs to run")
	admin := flag.String("postgres", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL server")
	concurrency := flag.Int("listmonk-concurrency", 10, "listmonk's app.concurrency")
	rate := flag.Int("listmonk-rate", 20000, "listmonk's app.message_rate (per worker per second)")
	floor := flag.Bool("floor", true, "after each pair, run the floor: a bare Go sender posting the same number of messages to the receiver, with no database")
	blast := flag.String("blast", "", "internal: post -followers messages to this receiver and print the rate")
	blastWorkers := flag.Int("blast-workers", 64, "the floor's concurrent senders")
	flag.Parse()
	if *blast != "" {
		return runBlast(*blast, *followers, *blastWorkers)
	}
	if *bin == "" || *dir == "" {
		return errors.New("-listmonk and -listmonk-dir are required (see go doc ./bench/vslistmonk)")
	}
	ctx := context.Background()
	run := fmt.Sprintf("%d_%d", os.Getpid(), time.Now().Unix())

	tmp, err := os.MkdirTemp("", "vslistmonk")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	step("building bench/broadcast")
	broadcast := filepath.Join(tmp, "broadcast")
	if out, err := exec.Command("go", "build", "-o", broadcast, "./bench/broadcast").CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./bench/broadcast: %v\n%s", err, out)
	}

	// The receiver both systems send to.
	counter := benchutil.NewCounter()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	sinkSrv := &http.Server{Handler: counter, ReadHeaderTimeout: 5 * time.Second}
	go sinkSrv.Serve(ln)
	defer sinkSrv.Close()
	sink := "http://" + ln.Addr().String()

	step("setting up listmonk with a list of " + strconv.Itoa(*followers))
	lm, err := setUpListmonk(ctx, *bin, *dir, *admin, "vslistmonk_"+run, *followers, sink, *concurrency, *rate)
	if err != nil {
		return err
	}
	defer lm.close()

	type result struct {
		plazaLoad, listmonkLoad string
		plaza, listmonk         float64 // end to end, messages/s
		plazaWin, listmonkWin   float64 // the receiver's window, requests/s
		plazaHWM, listmonkHWM   int64   // MB
		floor                   float64 // the bare sender, messages/s
	}
	var results []result
	for i := range *pairs {
		var r result
		step(fmt.Sprintf("pair %d: Plaza", i+1))
		r.plazaLoad = benchutil.LoadAvg()
		counter.Reset()
		out, err := plazaRun(broadcast, *admin, fmt.Sprintf("vsplaza_%s_%d", run, i), *followers, sink)
		if err != nil {
			return err
		}
		st := counter.Stats()
		if st.Requests < int64(*followers) {
			return fmt.Errorf("Plaza: the receiver got %d requests of %d", st.Requests, *followers)
		}
		r.plaza, r.plazaWin, r.plazaHWM = out.EndToEndRate, st.Rate(), out.PeakMB

		step(fmt.Sprintf("pair %d: listmonk", i+1))
		r.listmonkLoad = benchutil.LoadAvg()
		counter.Reset()
		took, hwm, err := lm.campaign(i, *followers)
		if err != nil {
			return err
		}
		st = counter.Stats()
		if st.Requests < int64(*followers) {
			return fmt.Errorf("listmonk: the receiver got %d requests of %d", st.Requests, *followers)
		}
		r.listmonk, r.listmonkWin, r.listmonkHWM = float64(*followers)/took.Seconds(), st.Rate(), hwm
		if *floor {
			step(fmt.Sprintf("pair %d: the floor (load %s)", i+1, benchutil.LoadAvg()))
			counter.Reset()
			if r.floor, err = floorRun(*followers, *blastWorkers, sink); err != nil {
				return err
			}
			if st := counter.Stats(); st.Requests < int64(*followers) {
				return fmt.Errorf("floor: the receiver got %d requests of %d", st.Requests, *followers)
			}
			fmt.Printf("pair %d: the floor %.0f/s: 2 × listmonk is %.2f of it, Plaza %.2f\n", i+1, r.floor, 2*r.listmonk/r.floor, r.plaza/r.floor)
		}
		results = append(results, r)
		fmt.Printf("pair %d: Plaza %.0f/s (receiver window %.0f/s, load %s, peak %d MB); listmonk %.0f/s (window %.0f/s, load %s, peak %d MB); ratio %.3f (window %.3f)\n",
			i+1, r.plaza, r.plazaWin, r.plazaLoad, r.plazaHWM, r.listmonk, r.listmonkWin, r.listmonkLoad, r.listmonkHWM, r.plaza/r.listmonk, r.plazaWin/r.listmonkWin)
	}

	fmt.Printf("\n| pair | load before Plaza | Plaza end to end | receiver window | peak | load before listmonk | listmonk end to end | receiver window | peak | ratio (end to end) | ratio (window) |\n")
	fmt.Printf("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	var ratios, windows []float64
	for i, r := range results {
		ratios, windows = append(ratios, r.plaza/r.listmonk), append(windows, r.plazaWin/r.listmonkWin)
		fmt.Printf("| %d | %s | %.0f/s | %.0f/s | %d MB | %s | %.0f/s | %.0f/s | %d MB | **%.3f** | %.3f |\n", i+1,
			r.plazaLoad, r.plaza, r.plazaWin, r.plazaHWM, r.listmonkLoad, r.listmonk, r.listmonkWin, r.listmonkHWM, ratios[i], windows[i])
	}
	if *floor {
		var f []float64
		for _, r := range results {
			f = append(f, r.floor)
		}
		fmt.Printf("\nthe floor (a bare sender, no database): median %.0f/s\n", median(f))
	}
	fmt.Printf("\nmedian ratio Plaza ÷ listmonk, %d recipients: %.3f end to end, %.3f in the receiver's window\n", *followers, median(ratios), median(windows))
	return nil
}

func step(s string) { fmt.Fprintln(os.Stderr, "==>", s) }

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

// plazaResult is the JSON line bench/broadcast -json prints last.
type plazaResult struct {
	Sent         int64   `json:"sent"`
	EndToEndRate float64 `json:"end_to_end_per_second"`
	SendRate     float64 `json:"send_per_second"`
	PeakMB       int64   `json:"peak_mb"`
}

func plazaRun(bin, admin, db string, followers int, sink string) (*plazaResult, error) {
	cmd := exec.Command(bin, "-followers", strconv.Itoa(followers), "-postgres", admin, "-db", db, "-sink", sink+"/plaza", "-json")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("bench/broadcast: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var r plazaResult
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &r); err != nil {
		return nil, fmt.Errorf("bench/broadcast -json output %q: %w", lines[len(lines)-1], err)
	}
	if r.Sent < int64(followers) {
		return nil, fmt.Errorf("bench/broadcast sent %d of %d", r.Sent, followers)
	}
	return &r, nil
}

// listmonk is a running listmonk with its list and template.
type listmonk struct {
	cmd      *exec.Cmd
	base     string
	auth     string
	list     int64
	template int64
	drop     func()
	client   *http.Client
}

func (l *listmonk) close() {
	if l.cmd != nil && l.cmd.Process != nil {
		_ = l.cmd.Process.Signal(syscall.SIGTERM)
		_ = l.cmd.Wait()
	}
	l.drop()
}

var tokenLine = regexp.MustCompile(`LISTMONK_ADMIN_API_TOKEN="([^"]+)"`)

func setUpListmonk(ctx context.Context, bin, dir, admin, name string, n int, sink string, concurrency, rate int) (*listmonk, error) {
	dbURL, drop, err := benchutil.FreshDatabase(ctx, admin, name)
	if err != nil {
		return nil, err
	}
	l := &listmonk{drop: drop, client: &http.Client{Timeout: 30 * time.Second}}
	ok := false
	defer func() {
		if !ok {
			l.close()
		}
	}()
	u, err := url.Parse(dbURL)
	if err != nil {
		return nil, err
	}
	pass, _ := u.User.Password()
	port := u.Port()
	if port == "" {
		port = "5432"
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := filepath.Join(os.TempDir(), name+".toml")
	// The same pool size as Plaza's (database.Open: 25 open).
	conf := fmt.Sprintf(`[app]
address = %q
[db]
host = %q
port = %s
user = %q
password = %q
database = %q
ssl_mode = "disable"
max_open = 25
max_idle = 25
max_lifetime = "300s"
`, addr, u.Hostname(), port, u.User.Username(), pass, name)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		return nil, err
	}
	defer os.Remove(cfg)

	secret := make([]byte, 12)
	_, _ = rand.Read(secret)
	install := exec.Command(bin, "--config", cfg, "--install", "--yes", "--idempotent")
	install.Dir = dir
	install.Env = append(os.Environ(), "LISTMONK_ADMIN_USER=admin", "LISTMONK_ADMIN_PASSWORD="+hex.EncodeToString(secret), "LISTMONK_ADMIN_API_USER=apiuser")
	var stderr bytes.Buffer
	install.Stderr, install.Stdout = &stderr, io.Discard
	if err := install.Run(); err != nil {
		return nil, fmt.Errorf("listmonk --install: %v\n%s", err, stderr.String())
	}
	m := tokenLine.FindStringSubmatch(stderr.String())
	if m == nil {
		return nil, fmt.Errorf("listmonk --install printed no API token:\n%s", stderr.String())
	}
	l.auth = "token apiuser:" + m[1]

	db, err := database.Open(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if err := db.Gorm.Raw(`INSERT INTO lists (uuid, name, type, optin) VALUES (gen_random_uuid(), 'bench', 'public', 'single') RETURNING id`).Scan(&l.list).Error; err != nil {
		return nil, fmt.Errorf("listmonk list: %w", err)
	}
	for _, q := range []string{
		fmt.Sprintf(`INSERT INTO subscribers (uuid, email, name, status)
			SELECT gen_random_uuid(), 'sub' || g || '@example.org', 'Subscriber ' || g, 'enabled' FROM generate_series(1, %d) g`, n),
		fmt.Sprintf(`INSERT INTO subscriber_lists (subscriber_id, list_id, status)
			SELECT id, %d, 'confirmed' FROM subscribers WHERE email LIKE 'sub%%@example.org'`, l.list),
		// Settings: workers and rate high enough not to be the limit (its
		// limiter sleeps a whole second after message_rate messages per
		// worker), batches as Plaza's, no update check (no network here),
		// and the receiver as a postback messenger.
		fmt.Sprintf(`UPDATE settings SET value = '%d' WHERE key = 'app.concurrency'`, concurrency),
		fmt.Sprintf(`UPDATE settings SET value = '%d' WHERE key = 'app.message_rate'`, rate),
		`UPDATE settings SET value = '1000' WHERE key = 'app.batch_size'`,
		`UPDATE settings SET value = 'false' WHERE key = 'app.check_updates'`,
		fmt.Sprintf(`UPDATE settings SET value = '[{"enabled": true, "name": "sink", "root_url": "%s/listmonk", "username": "", "password": "", "max_conns": 64, "retries": 1, "timeout": "10s"}]' WHERE key = 'messengers'`, sink),
	} {
		if err := db.Gorm.Exec(q).Error; err != nil {
			return nil, fmt.Errorf("listmonk set-up: %w", err)
		}
	}
	if err := db.Gorm.Exec("VACUUM ANALYZE").Error; err != nil {
		return nil, err
	}

	l.cmd = exec.Command(bin, "--config", cfg)
	l.cmd.Dir = dir
	logs, err := os.CreateTemp("", "listmonk-*.log")
	if err != nil {
		return nil, err
	}
	defer logs.Close()
	l.cmd.Stdout, l.cmd.Stderr = logs, logs
	if err := l.cmd.Start(); err != nil {
		return nil, err
	}
	l.base = "http://" + addr
	if !wait(30*time.Second, func() bool {
		resp, err := l.client.Get(l.base + "/health")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}) {
		return nil, fmt.Errorf("listmonk did not answer on %s (log: %s)", l.base, logs.Name())
	}
	var tpl struct {
		Data struct {
			ID int64 `json:"id"`
		} `json:"data"`
	}
	if err := l.api(http.MethodPost, "/api/templates", map[string]any{"name": "bare", "type": "campaign",
		"body": `{{ template "content" . }}`}, &tpl); err != nil {
		return nil, err
	}
	l.template = tpl.Data.ID
	fmt.Fprintf(os.Stderr, "listmonk on %s, list %d, template %d, log %s\n", l.base, l.list, l.template, logs.Name())
	ok = true
	return l, nil
}

// campaign sends one campaign to the list and returns the time from the
// start call to listmonk reporting it finished, and listmonk's peak memory.
func (l *listmonk) campaign(i, n int) (time.Duration, int64, error) {
	var c struct {
		Data struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
			Sent   int64  `json:"sent"`
		} `json:"data"`
	}
	if err := l.api(http.MethodPost, "/api/campaigns", map[string]any{
		"name": fmt.Sprintf("bench %d", i+1), "subject": "Line 12 diverted", "lists": []int64{l.list},
		"from_email": "City Transit <transit@example.org>", "content_type": "html", "messenger": "sink",
		"type": "regular", "template_id": l.template, "body": campaignBody,
	}, &c); err != nil {
		return 0, 0, err
	}
	id := c.Data.ID
	start := time.Now()
	if err := l.api(http.MethodPut, fmt.Sprintf("/api/campaigns/%d/status", id), map[string]any{"status": "running"}, nil); err != nil {
		return 0, 0, err
	}
	for {
		time.Sleep(100 * time.Millisecond)
		if err := l.api(http.MethodGet, fmt.Sprintf("/api/campaigns/%d", id), nil, &c); err != nil {
			return 0, 0, err
		}
		switch c.Data.Status {
		case "finished":
			took := time.Since(start)
			if c.Data.Sent < int64(n) {
				return 0, 0, fmt.Errorf("listmonk campaign finished with %d sent of %d", c.Data.Sent, n)
			}
			return took, benchutil.Memory(l.cmd.Process.Pid, "VmHWM") >> 10, nil
		case "cancelled", "paused":
			return 0, 0, fmt.Errorf("listmonk campaign %s", c.Data.Status)
		}
		if time.Since(start) > 30*time.Minute {
			return 0, 0, errors.New("listmonk campaign not finished after 30 minutes")
		}
	}
}

// api calls listmonk's API with the API user's token.
func (l *listmonk) api(method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, l.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", l.auth)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return fmt.Errorf("listmonk %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("listmonk %s %s: HTTP %d: %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func wait(d time.Duration, ok func() bool) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if ok() {
			return true
		}
		time.Sleep(200 * time.Millisecond)
	}
	return false
}
