package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/bridge/webhook"
	"github.com/plazahq/plaza/models"
)

// TestMain lets a test start this very binary as `plaza`, so the crash
// test can kill a real Plaza process with SIGKILL.
func TestMain(m *testing.M) {
	if os.Getenv("PLAZA_TEST_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
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
	time.Sleep(s.delay)
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

func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// TestKilledWorkerLosesNoMessage publishes a notice to thousands of webhook
// followers, kills the Plaza process that is sending it with SIGKILL part
// way through, starts it again and checks that every follower got the
// notice, with repeats bounded by the batches that were in flight.
func TestKilledWorkerLosesNoMessage(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real Plaza processes")
	}
	apptest.Each(t, func(t *testing.T, dbURL string) {
		const (
			followers = 6000
			workers   = 2
			batch     = 100
		)
		ctx := context.Background()
		// Migrate and seed through an app that runs no workers: the
		// sending is all done by the child processes.
		cfg := apptest.Config(dbURL)
		a, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler), app.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		fx := apptest.Seed(t, &apptest.App{App: a})
		owner := fx.Member(models.RoleOwner)
		rcv := &sink{delay: 20 * time.Millisecond, got: map[int64]int{}, seen: map[string]int{}}
		srv := httptest.NewServer(rcv)
		defer srv.Close()
		if err := a.Store.SaveWebhook(ctx, owner, fx.Account, models.WebhookInput{Enabled: true, URL: srv.URL}); err != nil {
			t.Fatal(err)
		}
		w, err := a.Store.Webhook(ctx, owner, fx.Account)
		if err != nil {
			t.Fatal(err)
		}
		rcv.secret = []byte(w.Secret)
		if n, err := a.Store.GenerateFollowers(ctx, fx.Account.ID, models.ChannelWebhook, "+1-555-", followers); err != nil || n != followers {
			t.Fatalf("generate followers: %d, %v", n, err)
		}
		in := models.NoticeInput{Kind: models.NoticeGeneral, TitleEn: "Crash test", BodyEn: "Everyone must get this."}
		n, err := a.Store.CreateNotice(ctx, owner, fx.Account, in)
		if err != nil {
			t.Fatal(err)
		}
		_, b, err := a.Store.PublishNotice(ctx, owner, fx.Account, n.ID, in)
		if err != nil {
			t.Fatal(err)
		}

		serve := func() *exec.Cmd {
			cmd := exec.Command(os.Args[0], "serve", "--addr", "127.0.0.1:0", "--database-url", dbURL,
				"--send-workers", fmt.Sprint(workers), "--send-batch", fmt.Sprint(batch), "--send-lease", "2s", "--secret-key", cfg.SecretKey,
				"--log-level", "warn")
			cmd.Env = append(os.Environ(), "PLAZA_TEST_RUN_MAIN=1")
			cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			return cmd
		}
		first := serve()
		deadline := time.Now().Add(60 * time.Second)
		for rcv.count() < followers/4 {
			if time.Now().After(deadline) {
				first.Process.Kill()
				t.Fatalf("only %d messages arrived before the kill", rcv.count())
			}
			time.Sleep(5 * time.Millisecond)
		}
		if err := first.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = first.Wait()
		atKill := rcv.count()
		if atKill >= followers {
			t.Fatalf("the broadcast finished (%d sent) before the kill; slow the sink down", atKill)
		}
		t.Logf("killed the sender after %d of %d messages", atKill, followers)

		second := serve()
		defer func() {
			_ = second.Process.Signal(syscall.SIGTERM)
			_ = second.Wait()
		}()
		for {
			var got models.Broadcast
			if err := a.Store.DB().First(&got, b.ID).Error; err != nil {
				t.Fatal(err)
			}
			if got.Status == models.BroadcastDone {
				if got.Sent != followers {
					t.Fatalf("broadcast done with %+v", got)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("broadcast not done after restart: %+v (sink has %d)", got, rcv.count())
			}
			time.Sleep(20 * time.Millisecond)
		}
		rcv.mu.Lock()
		defer rcv.mu.Unlock()
		if rcv.bad != 0 {
			t.Fatalf("%d requests failed signature or parsing", rcv.bad)
		}
		if len(rcv.got) != followers {
			t.Fatalf("%d of %d followers received the notice", len(rcv.got), followers)
		}
		dups := rcv.n - followers
		t.Logf("%d messages for %d followers: %d sent twice (bound %d)", rcv.n, followers, dups, workers*batch)
		if dups > workers*batch {
			t.Fatalf("%d duplicates, more than the %d deliveries the workers had in flight", dups, workers*batch)
		}
		for id, k := range rcv.got {
			if k > 2 {
				t.Fatalf("follower %d got the notice %d times", id, k)
			}
		}
	})
}
