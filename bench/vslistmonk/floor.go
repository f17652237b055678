package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// floorBody is the size and shape of Plaza's webhook JSON for the notice.
var floorBody = []byte(`{"event":"notice.published","account":"citytransit","notice":{"id":1,"title":"Line 12 diverted","body":"Line 12 buses use Harbour Road until 18:00. 12 路公交车改经海港路行驶，至 18:00。","severity":"minor","url":"http://localhost:8080/@citytransit/notices/1"},"follower":{"id":"f-000000"},"unsubscribe":"http://localhost:8080/u/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx","sent_at":"2026-12-06T00:00:00Z"}`)

// runBlast is the floor: n POSTs of a webhook-sized body to url from
// workers goroutines sharing keep-alive connections, no database, no
// per-recipient work. It is what any sender on this machine could reach
// with this receiver; it prints the rate as JSON.
func runBlast(url string, n, workers int) error {
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConns: workers, MaxIdleConnsPerHost: workers}}
	var next, ok, failed atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				resp, err := client.Post(url, "application/json", bytes.NewReader(floorBody))
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode/100 == 2 {
					ok.Add(1)
				} else {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	if failed.Load() > 0 {
		return fmt.Errorf("floor: %d of %d posts failed", failed.Load(), n)
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]float64{"per_second": float64(ok.Load()) / took.Seconds()})
}

// floorRun runs this program again as the floor, in a process of its
// own as Plaza and listmonk are.
func floorRun(n, workers int, sink string) (float64, error) {
	cmd := exec.Command(os.Args[0], "-blast", sink+"/floor", "-followers", strconv.Itoa(n), "-blast-workers", strconv.Itoa(workers))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("floor: %w", err)
	}
	var r struct {
		PerSecond float64 `json:"per_second"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(string(out))), &r); err != nil {
		return 0, fmt.Errorf("floor output %q: %w", out, err)
	}
	return r.PerSecond, nil
}
