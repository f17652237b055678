// Command wechat measures the WeChat callback under load: wrk (from
// Debian's package) posts signed text messages, each from one of many
// followers with its own MsgId, to a real `plaza serve`, and Plaza answers
// each with a passive XML reply. The mix is what an account sees: commands
// (HELP), a keyword reply (FARE) and messages for the staff inbox.
//
//	go run ./bench/wechat -db postgres -duration 30s -connections 64
//	go run ./bench/wechat -db sqlite
//
// Afterwards it counts the stored messages: every request answered with
// 200 must be in chat_messages once.
//
// With -rate R it drives the server itself instead of wrk, in an open
// loop (openloop.go): R messages a second at fixed times, latency from
// each one's scheduled start, messages answered 503 retried as WeChat
// does, then the same load on a static server answering Plaza's reply
// bytes, for the ratio:
//
//	go run ./bench/wechat -db postgres -rate 2000 -duration 20s
//
// See bench/README.md for figures.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/plazahq/plaza/bench/benchutil"
	"github.com/plazahq/plaza/bridge/wechat"
	"github.com/plazahq/plaza/bridge/wechat/wechattest"
	"github.com/plazahq/plaza/database"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "wechat:", err)
		os.Exit(1)
	}
}

// script is the wrk script: a signed query of its own per request, read
// from a file Go wrote (WeChat signs the token, timestamp and nonce, and
// Plaza takes each (timestamp, nonce) once, as WeChat sends it), and a new
// body per request. Each thread takes every nth line of the file.
const script = `
local counter = 0
local queries = {}
-- tid and threads are globals: setup sets them in each thread's own Lua state.
tid = 0
threads = 0
local texts = {"help", "fare", "The lift at Central station is broken again", "帮助", "Is line 12 running tonight?"}
function setup(thread)
  tid = tid + 1
  thread:set("tid", tid)
  thread:set("threads", %d)
end
function init(args)
  local i = 0
  for line in io.lines("%s") do
    if i %% threads == tid - 1 then queries[#queries + 1] = line end
    i = i + 1
  end
end
function request()
  counter = counter + 1
  local q = queries[((counter - 1) %% #queries) + 1]
  local user = (counter * 7 + tid * 131) %% %d
  local body = string.format("<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[oBench%%05d]]></FromUserName>" ..
    "<CreateTime>%%d</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[%%s]]></Content><MsgId>%%d%%09d</MsgId></xml>",
    user, os.time(), texts[(counter %% #texts) + 1], tid, counter)
  return wrk.format("POST", "%s" .. q, {["Content-Type"] = "text/xml"}, body)
end
`

func run() error {
	kind := flag.String("db", "postgres", "postgres or sqlite")
	duration := flag.Duration("duration", 30*time.Second, "how long to load")
	conns := flag.Int("connections", 64, "open connections")
	threads := flag.Int("threads", 2, "wrk threads")
	users := flag.Int("users", 5000, "distinct followers writing")
	admin := flag.String("postgres", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL server")
	rate := flag.Float64("rate", 0, "open loop: post this many messages a second (0: wrk's closed loop with -connections)")
	maxInFlight := flag.Int("max-in-flight", 4096, "open loop: most requests outstanding; one due beyond it is not sent (dropped)")
	retries := flag.Int("retries", 3, "open loop: times a message answered 503 or not at all is posted again, as WeChat does")
	retryDelay := flag.Duration("retry-delay", 5*time.Second, "open loop: pause before each retry (WeChat's come at its 5 s timeout)")
	anchor := flag.Bool("anchor", true, "open loop: then drive a static server answering Plaza's reply bytes at the same rate, for the ratio")
	serveArgs := flag.String("serve-args", "", "open loop: extra flags for plaza serve, space-separated (e.g. --bridge-in-flight=32)")
	staticAddr := flag.String("static-serve", "", "internal: serve -static-file at this address (the anchor)")
	staticFile := flag.String("static-file", "", "internal: the anchor's reply")
	flag.Parse()
	if *staticAddr != "" {
		return serveStatic(*staticAddr, *staticFile, replyType)
	}
	if _, err := exec.LookPath("wrk"); err != nil && *rate == 0 {
		return fmt.Errorf("wrk is not installed (apt-get install wrk)")
	}
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "plaza-wechat")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin, err := benchutil.BuildPlaza(dir)
	if err != nil {
		return err
	}
	var dbURL string
	switch *kind {
	case "postgres":
		u, cleanup, err := benchutil.FreshDatabase(ctx, *admin, "plaza_wechat_bench")
		if err != nil {
			return err
		}
		defer cleanup()
		dbURL = u
	case "sqlite":
		dbURL = "sqlite:" + filepath.Join(dir, "plaza.db")
	default:
		return fmt.Errorf("-db %q: want postgres or sqlite", *kind)
	}
	env := append(os.Environ(), "PLAZA_DATABASE_URL="+dbURL, "PLAZA_SECRET_KEY="+strings.Repeat("ab", 32),
		"PLAZA_METRICS_TOKEN="+metricsToken)
	demo := exec.Command(bin, "demo", "--json")
	demo.Env, demo.Stderr = env, os.Stderr
	out, err := demo.Output()
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	var seeded struct {
		Chat struct {
			WeChat struct {
				URL, Token string
			} `json:"wechat"`
		} `json:"chat"`
		BaseURL string `json:"base_url"`
	}
	if err := json.Unmarshal(out, &seeded); err != nil {
		return err
	}
	server, err := benchutil.Serve(bin, env, strings.Fields(*serveArgs)...)
	if err != nil {
		return err
	}
	defer server.Stop()
	serve, base := server.Cmd, server.Base
	path := strings.TrimPrefix(seeded.Chat.WeChat.URL, seeded.BaseURL)
	caller := &wechattest.Caller{URL: base + path, Token: seeded.Chat.WeChat.Token}
	// One message first, to see the reply is what WeChat expects.
	ans, err := caller.Post(wechattest.Text("oWarmUp", "1", "help"))
	if err != nil || ans.Status != 200 || ans.Reply == nil || ans.Reply.ToUserName != "oWarmUp" {
		return fmt.Errorf("warm-up message: %+v %v", ans, err)
	}
	if *rate > 0 {
		db, err := database.Open(ctx, dbURL)
		if err != nil {
			return err
		}
		defer db.Close()
		o := openLoop{rate: *rate, duration: *duration, maxInFlight: *maxInFlight, retries: *retries, retryDelay: *retryDelay, users: *users}
		fmt.Printf("open loop: %.0f req/s offered for %v, at most %d in flight, %d retries after %v\n", *rate, *duration, *maxInFlight, *retries, *retryDelay)
		pr := o.run(target{url: base + path, token: seeded.Chat.WeChat.Token, pid: serve.Process.Pid}, "77")
		fmt.Print(pr.summary("plaza " + *kind))
		fmt.Println("  server:", serverMetrics(base))
		stored, serr := checkStored(ctx, db.SQL, "77", pr)
		fmt.Println(stored)
		if !*anchor {
			return serr
		}
		static, url, err := startStatic(dir, []byte(ans.Body))
		if err != nil {
			return err
		}
		defer func() { static.Process.Kill(); static.Wait() }()
		sr := o.run(target{url: url, token: "x", pid: static.Process.Pid}, "77")
		fmt.Print(sr.summary("static anchor"))
		fmt.Printf("ratio p99 (all first answers) plaza/static: %.1f; answered 200/s plaza/static: %.3f\n",
			float64(quantile(pr.lat, 0.99))/float64(max(quantile(sr.lat, 0.99), 1)),
			(float64(pr.ok)/pr.elapsed.Seconds())/(float64(sr.ok)/sr.elapsed.Seconds()))
		return serr
	}
	// More signed queries than the run can send (each is taken once).
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	var queries strings.Builder
	for i := range int(duration.Seconds()+1) * 10_000 {
		nonce := "bench" + strconv.Itoa(i) // not the warm-up caller's nonces
		fmt.Fprintf(&queries, "?timestamp=%s&nonce=%s&signature=%s\n", ts, nonce, wechat.Signature(seeded.Chat.WeChat.Token, ts, nonce))
	}
	qfile, lua := filepath.Join(dir, "queries.txt"), filepath.Join(dir, "wechat.lua")
	if err := os.WriteFile(qfile, []byte(queries.String()), 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(lua, []byte(fmt.Sprintf(script, *threads, qfile, *users, path)), 0o600); err != nil {
		return err
	}
	db, err := database.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	count := func() (int64, error) {
		var n int64
		err := db.SQL.QueryRow(`SELECT COUNT(*) FROM chat_messages WHERE direction = 'in'`).Scan(&n)
		return n, err
	}
	before, err := count()
	if err != nil {
		return err
	}
	rss0 := benchutil.Memory(serve.Process.Pid, "VmRSS")
	cmd := exec.Command("wrk", "-t", strconv.Itoa(*threads), "-c", strconv.Itoa(*conns), "-d", duration.String(), "--latency", "-s", lua, base)
	var wout bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.MultiWriter(os.Stdout, &wout), os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("wrk: %w", err)
	}
	after, err := count()
	if err != nil {
		return err
	}
	total := wrkNumber(`(\d+) requests in`, wout.String())
	bad := wrkNumber(`Non-2xx or 3xx responses: (\d+)`, wout.String())
	errs := wrkNumber(`Socket errors: connect (\d+)`, wout.String())
	stored := after - before
	fmt.Printf("\n%s: %d requests, %d not 200, socket errors %d; messages stored %d (answered but missing: %d); RSS %d → %d MB\n",
		*kind, total, bad, errs, stored, total-bad-stored, rss0/1024, benchutil.Memory(serve.Process.Pid, "VmRSS")/1024)
	// wrk stops at the deadline with requests in flight, which Plaza may
	// still store after wrk stopped counting them: stored can exceed the
	// answered count by at most the connections, never fall short.
	if stored < total-bad || stored > total-bad+int64(*conns) || bad > 0 {
		return fmt.Errorf("stored %d messages for %d answered requests (%d not 200)", stored, total-bad, bad)
	}
	return nil
}

// metricsToken lets the bench read the server's /metrics.
const metricsToken = "bench-metrics-token-0123456789"

// serverMetrics picks the server's own counts of shed callbacks and of
// waits for database connections from its /metrics.
func serverMetrics(base string) string {
	req, _ := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+metricsToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	var out []string
	re := regexp.MustCompile(`^(plaza_bridge_shed_total\S*|go_sql_(wait_count_total|max_lifetime_closed_total|max_idle_closed_total|wait_duration_seconds_total)\S*) (\S+)$`)
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if m := re.FindStringSubmatch(line); m != nil {
			out = append(out, m[1]+"="+m[3])
		}
	}
	return strings.Join(out, " ")
}

// replyType is the Content-Type of Plaza's passive replies.
const replyType = "application/xml; charset=utf-8"

func wrkNumber(re, s string) int64 {
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	if m == nil {
		return 0
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}
