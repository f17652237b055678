package benchutil

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Counter is a receiver shared by the systems a bench compares: it
// answers 200 to everything and counts the requests, their bytes and the
// window from the first to the last. Its own paths start with /_.
type Counter struct {
	requests, bytes atomic.Int64
	mu              sync.Mutex
	first, last     time.Time
}

// NewCounter returns a Counter with nothing counted.
func NewCounter() *Counter { return &Counter{} }

// Stats is what GET /_stats answers.
type Stats struct {
	Requests int64     `json:"requests"`
	Bytes    int64     `json:"bytes"`
	First    time.Time `json:"first"`
	Last     time.Time `json:"last"`
}

// Rate is the requests per second between the first and the last.
func (s Stats) Rate() float64 {
	if s.Requests < 2 || !s.Last.After(s.First) {
		return 0
	}
	return float64(s.Requests-1) / s.Last.Sub(s.First).Seconds()
}

func (c *Counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/_stats" && r.Method == http.MethodGet:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(c.Stats())
		return
	case r.URL.Path == "/_reset" && r.Method == http.MethodPost:
		c.Reset()
		w.WriteHeader(http.StatusNoContent)
		return
	}
	n, _ := io.Copy(io.Discard, r.Body)
	now := time.Now()
	c.requests.Add(1)
	c.bytes.Add(n)
	c.mu.Lock()
	if c.first.IsZero() {
		c.first = now
	}
	if now.After(c.last) {
		c.last = now
	}
	c.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// Stats reads the counts.
func (c *Counter) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{Requests: c.requests.Load(), Bytes: c.bytes.Load(), First: c.first, Last: c.last}
}

// Reset sets the counts to zero.
func (c *Counter) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.requests.Store(0)
	c.bytes.Store(0)
	c.first, c.last = time.Time{}, time.Time{}
}

// SinkStats reads the counts of a Counter at base (its URL, without a
// path), for a program whose receiver runs elsewhere.
func SinkStats(base string) (Stats, error) {
	var s Stats
	resp, err := http.Get(strings.TrimRight(base, "/") + "/_stats")
	if err != nil {
		return s, fmt.Errorf("sink stats: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return s, fmt.Errorf("sink stats: HTTP %d", resp.StatusCode)
	}
	return s, json.NewDecoder(resp.Body).Decode(&s)
}

// ResetSink sets the counts of a Counter at base to zero.
func ResetSink(base string) error {
	resp, err := http.Post(strings.TrimRight(base, "/")+"/_reset", "text/plain", nil)
	if err != nil {
		return fmt.Errorf("sink reset: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("sink reset: HTTP %d", resp.StatusCode)
	}
	return nil
}
