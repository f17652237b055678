package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/plazahq/plaza/bench/benchutil"
	"github.com/plazahq/plaza/bridge/wechat"
)

// openLoop is the load of -rate: requests start at fixed times whatever
// the answers do, as WeChat's servers post what people send, so a slow
// server meets a growing queue instead of a politely waiting client
// (wrk's closed loop hides that: it sends the next request only after an
// answer). Latency counts from each request's scheduled start, so a
// request that waited to be sent is charged for its wait (no coordinated
// omission). At most maxInFlight are outstanding; a request due while
// that many are is never sent and counted as dropped.
type openLoop struct {
	rate        float64
	duration    time.Duration
	maxInFlight int
	retries     int
	retryDelay  time.Duration
	users       int
}

// loadResult is what one open-loop run saw.
type loadResult struct {
	due, dropped                int64
	ok, shed, other, errs       int64 // first attempts' answers
	retried, retriedOK, givenUp int64
	lat, latOK                  []time.Duration // first attempts, from the scheduled start
	acked                       map[string]bool // MsgIds answered 200 on some attempt
	shedFirst                   map[string]bool // MsgIds whose first attempt was shed
	elapsed                     time.Duration
	rss0, rssPeak, rssEnd, hwm  int64 // kB
	load                        string
}

// target is what the load posts to: Plaza's callback, or the static
// anchor (which ignores the query and the body).
type target struct {
	url, token string
	pid        int
}

func (o openLoop) run(t target, prefix string) *loadResult {
	n := int64(o.rate * o.duration.Seconds())
	res := &loadResult{due: n, acked: map[string]bool{}, shedFirst: map[string]bool{}, load: benchutil.LoadAvg()}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConnsPerHost: o.maxInFlight, DisableCompression: true, IdleConnTimeout: 90 * time.Second}}
	defer client.CloseIdleConnections()
	texts := []string{"help", "fare", "The lift at Central station is broken again", "帮助", "Is line 12 running tonight?"}
	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		nonce atomic.Int64
	)
	post := func(i int64) (int, error) {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		nc := prefix + strconv.FormatInt(nonce.Add(1), 10)
		body := fmt.Sprintf("<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[oBench%05d]]></FromUserName>"+
			"<CreateTime>%s</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[%s]]></Content><MsgId>%s%09d</MsgId></xml>",
			(i*7)%int64(o.users), ts, texts[i%int64(len(texts))], prefix, i)
		u := t.url + "?timestamp=" + ts + "&nonce=" + nc + "&signature=" + wechat.Signature(t.token, ts, nc)
		resp, err := client.Post(u, "text/xml", strings.NewReader(body))
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	msgID := func(i int64) string { return fmt.Sprintf("%s%09d", prefix, i) }
	// retry is WeChat's: the same message again after a pause, a few
	// times, each with a fresh signed query.
	var retry func(i int64, left int)
	retry = func(i int64, left int) {
		defer wg.Done()
		time.Sleep(o.retryDelay)
		atomic.AddInt64(&res.retried, 1)
		code, err := post(i)
		if err == nil && code == http.StatusOK {
			atomic.AddInt64(&res.retriedOK, 1)
			mu.Lock()
			res.acked[msgID(i)] = true
			mu.Unlock()
			return
		}
		if left > 1 {
			wg.Add(1)
			go retry(i, left-1)
			return
		}
		atomic.AddInt64(&res.givenUp, 1)
	}
	sem := make(chan struct{}, o.maxInFlight)
	stopRSS := make(chan struct{})
	rssDone := make(chan struct{})
	if t.pid > 0 {
		res.rss0 = benchutil.Memory(t.pid, "VmRSS")
		go func() {
			defer close(rssDone)
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stopRSS:
					return
				case <-tick.C:
					if v := benchutil.Memory(t.pid, "VmRSS"); v > res.rssPeak {
						res.rssPeak = v
					}
				}
			}
		}()
	} else {
		close(rssDone)
	}
	interval := time.Duration(float64(time.Second) / o.rate)
	start := time.Now()
	for i := range n {
		at := start.Add(time.Duration(i) * interval)
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		}
		select {
		case sem <- struct{}{}:
		default:
			res.dropped++
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, err := post(i)
			<-sem
			took := time.Since(at)
			mu.Lock()
			defer mu.Unlock()
			res.lat = append(res.lat, took)
			switch {
			case err != nil:
				res.errs++
			case code == http.StatusOK:
				res.ok++
				res.latOK = append(res.latOK, took)
				res.acked[msgID(i)] = true
				return
			case code == http.StatusServiceUnavailable:
				res.shed++
				res.shedFirst[msgID(i)] = true
			default:
				res.other++
				return
			}
			if o.retries > 0 {
				wg.Add(1)
				go retry(i, o.retries)
			}
		}()
	}
	// Completed per second counts the answers of the scheduled span.
	sent := time.Since(start)
	wg.Wait()
	res.elapsed = sent
	close(stopRSS)
	<-rssDone
	if t.pid > 0 {
		res.rssEnd = benchutil.Memory(t.pid, "VmRSS")
		res.hwm = benchutil.Memory(t.pid, "VmHWM")
	}
	return res
}

func quantile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[min(len(d)-1, int(q*float64(len(d))))]
}

func (r *loadResult) summary(name string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: load %s; due %d, dropped %d (never sent, in-flight bound), first answers: 200 %d, 503 (shed) %d, other %d, errors %d; %.0f answered 200/s\n",
		name, r.load, r.due, r.dropped, r.ok, r.shed, r.other, r.errs, float64(r.ok)/r.elapsed.Seconds())
	fmt.Fprintf(&b, "  latency from scheduled start, all first answers p50 %v p99 %v max %v; answers 200 p50 %v p99 %v max %v\n",
		quantile(r.lat, 0.5), quantile(r.lat, 0.99), quantile(r.lat, 1), quantile(r.latOK, 0.5), quantile(r.latOK, 0.99), quantile(r.latOK, 1))
	if r.retried > 0 {
		fmt.Fprintf(&b, "  retries %d, answered 200 on retry %d, given up after every retry %d\n", r.retried, r.retriedOK, r.givenUp)
	}
	if r.rss0 > 0 {
		fmt.Fprintf(&b, "  RSS %d → %d MB (peak sampled %d MB, VmHWM %d MB)\n", r.rss0/1024, r.rssEnd/1024, r.rssPeak/1024, r.hwm/1024)
	}
	return b.String()
}

// checkStored compares the MsgIds answered 200 with the stored inbound
// messages of this run: each answered one stored exactly once, none
// stored twice.
func checkStored(ctx context.Context, db *sql.DB, prefix string, r *loadResult) (string, error) {
	// prefix is digits this program chose.
	rows, err := db.QueryContext(ctx, `SELECT msg_id, COUNT(*) FROM chat_messages WHERE direction = 'in' AND msg_id LIKE '`+prefix+`%' GROUP BY msg_id`)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	stored := map[string]int{}
	for rows.Next() {
		var id string
		var c int
		if err := rows.Scan(&id, &c); err != nil {
			return "", err
		}
		stored[id] = c
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	var missing, twice, unacked, shedStored int
	for id := range r.acked {
		if stored[id] == 0 {
			missing++
		}
	}
	for id, c := range stored {
		if c > 1 {
			twice++
		}
		if !r.acked[id] {
			unacked++
		}
		if r.shedFirst[id] && c == 1 {
			shedStored++
		}
	}
	msg := fmt.Sprintf("  stored %d distinct messages for %d answered 200: missing %d, stored twice %d, stored without a 200 %d; shed at first and stored once after a retry %d of %d",
		len(stored), len(r.acked), missing, twice, unacked, shedStored, len(r.shedFirst))
	if missing > 0 || twice > 0 {
		return msg, fmt.Errorf("%d answered messages missing, %d stored twice", missing, twice)
	}
	return msg, nil
}

// serveStatic is the anchor: a plain net/http server in a process of its
// own answering every request with body, as Plaza answers a message.
func serveStatic(addr, file, ctype string) error {
	body, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	return http.ListenAndServe(addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", ctype)
		w.Write(body)
	}))
}

// startStatic runs this program again as the static anchor.
func startStatic(dir string, reply []byte) (*exec.Cmd, string, error) {
	file := dir + "/reply.xml"
	if err := os.WriteFile(file, reply, 0o600); err != nil {
		return nil, "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(os.Args[0], "-static-serve", addr, "-static-file", file)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		if resp, err := http.Post("http://"+addr+"/", "text/xml", bytes.NewReader(nil)); err == nil {
			resp.Body.Close()
			return cmd, "http://" + addr + "/", nil
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			return nil, "", fmt.Errorf("static anchor did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
