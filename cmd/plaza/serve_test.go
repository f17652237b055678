package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
)

// Tests for the serve command, with the helpers that start a server and wait for it.

// syncBuffer is a bytes.Buffer that a running server and the test can use
// at the same time.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// serveUntilHealthy starts `plaza serve` and waits for /healthz to answer.
// stop shuts it down (as SIGTERM would) and returns the exit code.
func serveUntilHealthy(t *testing.T, dbURL string, extra ...string) (stdout *syncBuffer, stop func() int) {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	out, errb := &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", addr, "--database-url", dbURL, "--base-url", "http://" + addr},
			append([]string{"--log-level", "warn", "--shutdown-timeout", "5s"}, extra...)...),
			env{stdin: strings.NewReader(""), stdout: out, stderr: errb, getenv: noEnv})
	}()
	var once sync.Once
	code := -1
	stop = func() int {
		once.Do(func() {
			cancel()
			select {
			case code = <-done:
			case <-time.After(15 * time.Second):
				t.Errorf("serve did not return within 15 s of the shutdown signal\nstderr:\n%s", errb.String())
			}
		})
		return code
	}
	t.Cleanup(func() { stop() })

	client := &http.Client{Timeout: time.Second}
	var err error
	if !apptest.Eventually(10*time.Second, func() bool {
		select {
		case c := <-done:
			t.Fatalf("serve exited with %d before answering\nstdout:\n%s\nstderr:\n%s", c, out.String(), errb.String())
		default:
		}
		var res *http.Response
		if res, err = client.Get("http://" + addr + "/healthz"); err != nil {
			return false
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return false
		}
		if strings.TrimSpace(string(body)) != "ok" {
			t.Fatalf("/healthz answered %q", body)
		}
		return true
	}) {
		t.Fatalf("/healthz did not answer 200 within 10 s (last error %v)\nstderr:\n%s", err, errb.String())
	}
	return out, stop
}

// publicURL reads the address serve says it runs on.
func publicURL(t *testing.T, stdout string) string {
	t.Helper()
	m := regexp.MustCompile(`Plaza is running on (\S+) `).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("serve did not say where it runs:\n%s", stdout)
	}
	return m[1]
}

func TestServe(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		out, stop := serveUntilHealthy(t, dbURL)
		s := out.String()
		if !strings.Contains(s, "Plaza is running on http://127.0.0.1:") {
			t.Errorf("serve should say where it runs:\n%s", s)
		}
		if !strings.Contains(s, "user create --admin") || !strings.Contains(s, "No platform admin yet") {
			t.Errorf("with no admin, serve should say how to create the first one:\n%s", s)
		}
		if code := stop(); code != 0 {
			t.Fatalf("serve exited with %d after a graceful shutdown, want 0", code)
		}

		// Once an admin exists, the hint is gone. This run also serves
		// /metrics on the operator's own listener, and only there.
		if res := plaza(t, "", "user", "create", "--admin", "--email", "first@b.org", "--database-url", dbURL); res.code != 0 {
			t.Fatalf("user create: %s", res)
		}
		metricsAddr := freeAddr(t)
		out, stop = serveUntilHealthy(t, dbURL, "--metrics-addr", metricsAddr)
		if s := out.String(); strings.Contains(s, "No platform admin yet") {
			t.Errorf("serve still asks for a first admin after one was created:\n%s", s)
		}
		for _, c := range []struct {
			url    string
			status int
		}{
			{"http://" + metricsAddr + "/metrics", http.StatusOK},
			{"http://" + metricsAddr + "/", http.StatusNotFound},
			{"http://" + metricsAddr + "/login", http.StatusNotFound},
			{publicURL(t, out.String()) + "/metrics", http.StatusNotFound},
		} {
			res, err := http.Get(c.url)
			if err != nil {
				t.Fatalf("GET %s: %v", c.url, err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != c.status {
				t.Errorf("GET %s: %d, want %d", c.url, res.StatusCode, c.status)
			}
			if c.status == http.StatusOK && !strings.Contains(string(body), "plaza_deliveries_handled_total") {
				t.Errorf("GET %s does not serve Plaza's metrics:\n%.300s", c.url, body)
			}
		}
		if code := stop(); code != 0 {
			t.Fatalf("second serve exited with %d, want 0", code)
		}
	})
}
