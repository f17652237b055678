package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/bridge/webhook"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/channel"
	"github.com/plazahq/plaza/models/notice"
	"github.com/plazahq/plaza/outbound"
)

// TestMain lets a test start this very binary as `plaza`, so the crash
// test can kill a real Plaza process with SIGKILL.
func TestMain(m *testing.M) {
	if os.Getenv("PLAZA_TEST_RUN_MAIN") == "1" {
		main()
		return
	}
	apptest.Main(m)
}

// sink is the receiving end of an account's webhook: it checks every
// signature and counts what each follower received.
type sink struct {
	secret []byte
	delay  time.Duration

	mu   sync.Mutex
	got  map[int64]int
	n    int
	bad  int
	seen map[string]int
}

func (s *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	delay := s.delay
	s.mu.Unlock()
	time.Sleep(delay)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := webhook.Verify(s.secret, r.Header.Get("X-Plaza-Timestamp"), r.Header.Get("X-Plaza-Signature"), body, time.Now(), 5*time.Minute); err != nil {
		s.bad++
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var m struct {
		Recipient struct {
			FollowerID int64 `json:"follower_id"`
		} `json:"recipient"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		s.bad++
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.got[m.Recipient.FollowerID]++
	s.seen[r.Header.Get("X-Plaza-Delivery")]++
	s.n++
}

// setDelay makes the receiver slower (or faster) from now on.
func (s *sink) setDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// broadcastRun is a notice published to thousands of webhook followers,
// with the database seeded by an app that runs no workers: the sending is
// all done by the child processes the tests start and stop.
type broadcastRun struct {
	t         *testing.T
	a         *app.App
	cfg       config.Config
	rcv       *sink
	broadcast *models.Broadcast
	followers int
	// env is added to the environment of the processes serve starts.
	env []string
}

func newBroadcastRun(t *testing.T, dbURL string, followers int) *broadcastRun {
	ctx := context.Background()
	cfg := apptest.Config(dbURL)
	a, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	fx := apptest.Seed(t, &apptest.App{App: a})
	owner := fx.Member(models.RoleOwner)
	rcv := &sink{delay: 20 * time.Millisecond, got: map[int64]int{}, seen: map[string]int{}}
	srv := httptest.NewServer(rcv)
	t.Cleanup(srv.Close)
	if err := a.Channels.SaveWebhook(ctx, owner, fx.Account, channel.WebhookInput{Enabled: true, URL: srv.URL}); err != nil {
		t.Fatal(err)
	}
	w, err := a.Channels.Webhook(ctx, owner, fx.Account)
	if err != nil {
		t.Fatal(err)
	}
	rcv.secret = []byte(w.Secret)
	if n, err := a.Followers.GenerateFollowers(ctx, fx.Account.ID, models.ChannelWebhook, "+1-555-", followers); err != nil || n != int64(followers) {
		t.Fatalf("generate followers: %d, %v", n, err)
	}
	in := notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", "Everyone", "body", "Everyone must get this.")}
	n, err := a.Notices.CreateNotice(ctx, owner, fx.Account, in)
	if err != nil {
		t.Fatal(err)
	}
	_, b, err := a.Notices.PublishNotice(ctx, owner, fx.Account, n.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	return &broadcastRun{t: t, a: a, cfg: cfg, rcv: rcv, broadcast: b, followers: followers}
}

// serve starts `plaza serve` as a child process.
func (r *broadcastRun) serve(addr string, workers, batch int) *exec.Cmd {
	cmd := r.command(addr, workers, batch)
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	return cmd
}

// command is the `plaza serve` that serve starts, not yet started, for a
// test that adds flags (a flag given twice takes the last value) or reads
// the log.
func (r *broadcastRun) command(addr string, workers, batch int) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "serve", "--addr", addr, "--database-url", r.cfg.DatabaseURL,
		"--send-workers", fmt.Sprint(workers), "--send-batch", fmt.Sprint(batch), "--send-lease", "2s",
		"--secret-key", r.cfg.SecretKey, "--shutdown-timeout", "20s", "--log-level", "warn")
	// The webhook receiver listens on loopback, which the outbound guard
	// refuses unless the operator allows it.
	cmd.Env = append(append(os.Environ(), "PLAZA_TEST_RUN_MAIN=1",
		"PLAZA_OUTBOUND_ALLOW="+outbound.Loopback), r.env...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd
}

func (r *broadcastRun) waitSent(n int, deadline time.Time) {
	if !apptest.EventuallyEvery(time.Until(deadline), 5*time.Millisecond, func() bool { return r.rcv.count() >= n }) {
		r.t.Fatalf("only %d messages arrived", r.rcv.count())
	}
}

func (r *broadcastRun) waitDone(deadline time.Time) {
	var got models.Broadcast
	if !apptest.Eventually(time.Until(deadline), func() bool {
		got = models.Broadcast{}
		if err := r.a.Store.DB().First(&got, r.broadcast.ID).Error; err != nil {
			r.t.Fatal(err)
		}
		return got.Status == models.BroadcastDone
	}) {
		r.t.Fatalf("broadcast not done: %+v (sink has %d)", got, r.rcv.count())
	}
	if got.Sent != int64(r.followers) {
		r.t.Fatalf("broadcast done with %+v", got)
	}
}

// restart starts `plaza serve` again (stopped when the test ends), waits
// for it to finish the broadcast, and checks the deliveries as check does.
func (r *broadcastRun) restart(workers, batch int, deadline time.Time, maxDups int) int {
	again := r.serve("127.0.0.1:0", workers, batch)
	r.t.Cleanup(func() {
		_ = again.Process.Signal(syscall.SIGTERM)
		_ = again.Wait()
	})
	r.waitDone(deadline)
	return r.check(maxDups)
}

// check verifies every follower got the notice, with at most maxDups
// repeats, and returns the number of repeats.
func (r *broadcastRun) check(maxDups int) int {
	r.rcv.mu.Lock()
	defer r.rcv.mu.Unlock()
	if r.rcv.bad != 0 {
		r.t.Fatalf("%d requests failed signature or parsing", r.rcv.bad)
	}
	if len(r.rcv.got) != r.followers {
		r.t.Fatalf("%d of %d followers received the notice", len(r.rcv.got), r.followers)
	}
	dups := r.rcv.n - r.followers
	if dups > maxDups {
		r.t.Fatalf("%d messages sent twice, more than the %d allowed", dups, maxDups)
	}
	for id, k := range r.rcv.got {
		if k > 2 {
			r.t.Fatalf("follower %d got the notice %d times", id, k)
		}
	}
	return dups
}

// burnCPU keeps every core busy until the test ends, so what runs meanwhile
// runs on a loaded machine.
func burnCPU(t *testing.T) {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 * runtime.NumCPU() {
		wg.Go(func() {
			x := uint64(1)
			for {
				select {
				case <-stop:
					return
				default:
				}
				for i := 0; i < 100000; i++ {
					x = x*6364136223846793005 + 1442695040888963407
				}
			}
		})
	}
	t.Cleanup(func() {
		close(stop)
		wg.Wait()
	})
}

// TestKilledWorkerLosesNoMessage kills the Plaza process that is sending a
// broadcast with SIGKILL part way through, starts it again and checks that
// every follower got the notice, with repeats bounded by the messages that
// were in flight (workers × concurrency: a message holds its slot until its
// outcome is recorded), not by the size of the claimed batches. It runs
// while the machine is loaded: the bound must not depend on the workers
// keeping up with their lease.
func TestKilledWorkerLosesNoMessage(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real Plaza processes")
	}
	apptest.EachInTurn(t, func(t *testing.T, dbURL string) {
		const followers, workers, batch, concurrency = 2400, 2, 600, 8
		r := newBroadcastRun(t, dbURL, followers)
		r.env = append(r.env, fmt.Sprintf("PLAZA_SEND_CONCURRENCY=%d", concurrency))
		burnCPU(t)
		deadline := time.Now().Add(120 * time.Second)
		first := r.serve("127.0.0.1:0", workers, batch)
		r.waitSent(followers/4, deadline)
		if err := first.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = first.Wait()
		atKill := r.rcv.count()
		if atKill >= followers {
			t.Fatalf("the broadcast finished (%d sent) before the kill; slow the sink down", atKill)
		}
		dups := r.restart(workers, batch, deadline, workers*concurrency)
		t.Logf("killed after %d of %d messages; %d sent twice (bound %d)", atKill, followers, dups, workers*concurrency)
	})
}

// TestGracefulShutdownLosesNothing stops the sending process with SIGTERM
// while it serves pages and sends a broadcast: the batches in flight are
// finished, not abandoned, so after the restart every follower has the
// notice exactly once; and no page request the server had accepted fails.
func TestGracefulShutdownLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real Plaza processes")
	}
	apptest.EachInTurn(t, func(t *testing.T, dbURL string) {
		const followers, workers, batch = 4000, 2, 100
		r := newBroadcastRun(t, dbURL, followers)
		deadline := time.Now().Add(60 * time.Second)
		addr := freeAddr(t)
		first := r.serve(addr, workers, batch)
		// Page load from a few clients until the server goes away.
		var wg sync.WaitGroup
		var mu sync.Mutex
		var served int
		var broken []error
		stop := make(chan struct{})
		for range 4 {
			wg.Go(func() {
				client := &http.Client{Timeout: 10 * time.Second}
				for {
					select {
					case <-stop:
						return
					default:
					}
					resp, err := client.Get("http://" + addr + "/@metro")
					if err != nil {
						// Refused: the server was not (or no longer)
						// accepting. Anything else is a request cut off.
						if !errors.Is(err, syscall.ECONNREFUSED) {
							mu.Lock()
							broken = append(broken, err)
							mu.Unlock()
						}
						time.Sleep(5 * time.Millisecond)
						continue
					}
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					mu.Lock()
					if err != nil || resp.StatusCode != http.StatusOK {
						broken = append(broken, fmt.Errorf("status %d, body %v", resp.StatusCode, err))
					} else {
						served++
					}
					mu.Unlock()
				}
			})
		}
		r.waitSent(followers/4, deadline)
		if err := first.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if err := first.Wait(); err != nil {
			t.Fatalf("plaza did not exit cleanly on SIGTERM: %v", err)
		}
		atStop := r.rcv.count()
		close(stop)
		wg.Wait()
		if atStop >= followers {
			t.Fatalf("the broadcast finished before the SIGTERM; slow the sink down")
		}
		if dups := r.restart(workers, batch, deadline, 0); dups != 0 {
			t.Fatalf("%d sent twice", dups)
		}
		if len(broken) > 0 || served == 0 {
			t.Fatalf("%d page requests served, %d cut off: %v", served, len(broken), broken[:min(len(broken), 3)])
		}
		t.Logf("stopped after %d of %d messages, %d pages served during the run", atStop, followers, served)
	})
}

// TestShutdownDrainsPastASlowRequest sends SIGTERM during a broadcast while
// a request outlives PLAZA_SHUTDOWN_TIMEOUT (an upload the client never
// finishes). The request is cut off, but the send workers still finish and
// record their batches before the database closes, so after a restart every
// follower has the notice exactly once.
func TestShutdownDrainsPastASlowRequest(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real Plaza processes")
	}
	apptest.EachInTurn(t, func(t *testing.T, dbURL string) {
		const followers, workers, batch = 3000, 2, 50
		r := newBroadcastRun(t, dbURL, followers)
		// A slow receiver: a batch is in flight nearly all the time, and
		// the broadcast lasts well past the shutdown timeout.
		r.rcv.setDelay(200 * time.Millisecond)
		deadline := time.Now().Add(90 * time.Second)
		addr := freeAddr(t)
		first := r.command(addr, workers, batch)
		// A lease far longer than a batch, so that nothing but the
		// shutdown can make a message go out twice.
		first.Args = append(first.Args, "--shutdown-timeout", "1s", "--send-lease", "10s")
		var logs syncBuffer
		first.Stderr = io.MultiWriter(os.Stderr, &logs)
		if err := first.Start(); err != nil {
			t.Fatal(err)
		}
		r.waitSent(followers/10, deadline)
		slowUpload(t, addr)
		if err := first.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- first.Wait() }()
		select {
		case err := <-exited:
			var exit *exec.ExitError
			if err != nil && (!errors.As(err, &exit) || !exit.Exited()) {
				t.Fatalf("plaza did not exit by itself on SIGTERM: %v", err)
			}
		case <-time.After(time.Until(deadline)):
			_ = first.Process.Kill()
			t.Fatalf("plaza still running long after SIGTERM\n%s", logs.String())
		}
		atStop := r.rcv.count()
		if atStop >= followers {
			t.Fatalf("the broadcast finished before the SIGTERM; slow the sink down")
		}
		log := logs.String()
		if !strings.Contains(log, "shutdown: ") || !strings.Contains(log, "deadline exceeded") {
			t.Fatalf("the upload did not outlive the shutdown timeout, so this test tested nothing:\n%s", log)
		}
		if strings.Contains(log, "database is closed") {
			t.Fatalf("the database was closed under the workers:\n%s", log)
		}
		if dups := r.restart(workers, batch, deadline, 0); dups != 0 {
			t.Fatalf("%d sent twice", dups)
		}
		t.Logf("stopped after %d of %d messages", atStop, followers)
	})
}

// slowUpload starts a form POST whose body the client sends a byte at a
// time and never finishes, and returns once Plaza's handler is reading it
// (Plaza answered the Expect: 100-continue).
func slowUpload(t *testing.T, addr string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST /login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\n"+
		"Content-Length: 100000\r\nExpect: 100-continue\r\n\r\n", addr)
	if err := conn.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.HasPrefix(status, "HTTP/1.1 100 ") {
		t.Fatalf("the upload was not taken in: %q, %v", status, err)
	}
	go func() {
		for {
			if _, err := conn.Write([]byte("e")); err != nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
}
