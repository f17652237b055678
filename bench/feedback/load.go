package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

var (
	csrfRE     = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
	questionRE = regexp.MustCompile(`name="(q\d+)"`)
)

// loadResult is what one run of the clients saw.
type loadResult struct {
	clients                int
	elapsed                time.Duration
	acked, refused, failed int64
	codes                  map[int]int
	latencies              []time.Duration // acknowledged answers, sorted
	question               string
}

func (r *loadResult) rate() float64 { return float64(r.acked) / r.elapsed.Seconds() }

func (r *loadResult) pct(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	return r.latencies[min(len(r.latencies)-1, int(float64(len(r.latencies))*p))].Round(100 * time.Microsecond)
}

func (r *loadResult) summary(name string, clients int) string {
	return fmt.Sprintf("%s: %d clients for %v; extra question %q\n", name, clients, r.elapsed.Round(time.Millisecond), r.question) +
		fmt.Sprintf("acknowledged: %d (%.0f submissions/s); refused: %d; failed (no response): %d; statuses: %v\n",
			r.acked, r.rate(), r.refused, r.failed, r.codes) +
		fmt.Sprintf("latency of acknowledged submissions: p50 %v, p90 %v, p99 %v, max %v\n", r.pct(0.50), r.pct(0.90), r.pct(0.99), r.pct(1))
}

// drive lets clients citizens each read the form at page and post
// answers to page+"/feedback" until duration has passed, each answer with
// a contact of its own, from an address of its own (X-Forwarded-For), as
// a browser of the same site sends it. An answer is acknowledged by a 303
// to the thank-you page.
func drive(page, origin string, clients int, duration time.Duration) *loadResult {
	res := &loadResult{codes: map[int]int{}}
	var mu sync.Mutex
	transport := &http.Transport{MaxIdleConnsPerHost: clients, MaxIdleConns: clients}
	stances := []string{"support", "oppose", "neutral"}
	districts := []string{"Central", "Wan Chai", "North Point", ""}
	travel := []string{"Bus", "Car or taxi", "Bicycle", "On foot"}
	start := time.Now()
	stop := start.Add(duration)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			var acked, refused, failed int64
			var mine []time.Duration
			codes := map[int]int{}
			defer func() {
				mu.Lock()
				res.acked += acked
				res.refused += refused
				res.failed += failed
				res.latencies = append(res.latencies, mine...)
				for k, v := range codes {
					res.codes[k] += v
				}
				mu.Unlock()
			}()
			jar, _ := cookiejar.New(nil)
			client := &http.Client{Jar: jar, Transport: transport, Timeout: 10 * time.Second,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := client.Get(page)
			if err != nil {
				failed++
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				failed++
				return
			}
			// An anonymous reader's page has no form token (the form is
			// guarded by the cross-origin check); a signed-in one's does.
			token := ""
			if m := csrfRE.FindSubmatch(body); m != nil {
				token = string(m[1])
			}
			q := questionRE.FindSubmatch(body)
			if q != nil {
				mu.Lock()
				res.question = string(q[1])
				mu.Unlock()
			}
			for i := 0; time.Now().Before(stop); i++ {
				form := url.Values{"stance": {stances[i%3]}, "consent": {"on"},
					"comment": {fmt.Sprintf("Answer %d of citizen %d: 请把巴士专线延长到北角。", i, c)},
					"contact": {fmt.Sprintf("c%d-%d@bench.example.org", c, i)}, "district": {districts[(i+c)%4]}}
				if q != nil {
					form.Set(string(q[1]), travel[(i+c)%4])
				}
				if token != "" {
					form.Set("_csrf", token)
				}
				req, _ := http.NewRequest("POST", page+"/feedback", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				// What a browser sends with a form of the same site.
				req.Header.Set("Origin", origin)
				req.Header.Set("Sec-Fetch-Site", "same-origin")
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", c/250, c%250, 1+i%250))
				began := time.Now()
				resp, err := client.Do(req)
				took := time.Since(began)
				if err != nil {
					failed++
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				codes[resp.StatusCode]++
				if resp.StatusCode == http.StatusSeeOther && strings.HasSuffix(resp.Header.Get("Location"), "/thanks") {
					acked++
					mine = append(mine, took)
				} else {
					refused++
				}
			}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	slices.Sort(res.latencies)
	return res
}
