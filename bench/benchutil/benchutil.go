// Package benchutil holds what the load programs under bench/ share:
// building plaza, a fresh database, and reading a process's memory.
package benchutil

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/plazahq/plaza/database"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
	"github.com/plazahq/plaza/models/org"
)

// BuildPlaza builds cmd/plaza into dir and returns the binary's path.
func BuildPlaza(dir string) (string, error) {
	bin := filepath.Join(dir, "plaza")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/plaza").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
}

// FreshDatabase (re)creates the database name on the PostgreSQL server at
// admin and returns its URL and a function that drops it.
func FreshDatabase(ctx context.Context, admin, name string) (string, func(), error) {
	db, err := database.Open(ctx, admin)
	if err != nil {
		return "", nil, err
	}
	db.Gorm.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	if err := db.Gorm.Exec("CREATE DATABASE " + name).Error; err != nil {
		db.Close()
		return "", nil, fmt.Errorf("create database: %w", err)
	}
	u, err := url.Parse(admin)
	if err != nil {
		db.Close()
		return "", nil, err
	}
	u.Path = "/" + name
	return u.String(), func() {
		db.Gorm.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		db.Close()
	}, nil
}

// Memory reads a field of /proc/PID/status (VmRSS, VmHWM) in kB.
func Memory(pid int, field string) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, field+":") {
			if f := strings.Fields(line); len(f) >= 2 {
				v, _ := strconv.ParseInt(f[1], 10, 64)
				return v
			}
		}
	}
	return 0
}

// Server is a `plaza serve` child process.
type Server struct {
	Cmd  *exec.Cmd
	Base string
}

// Serve starts `plaza serve` from bin with env (and any further flags) on
// a free loopback port and waits until it is ready.
func Serve(bin string, env []string, flags ...string) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", addr, "--log-level", "warn"}, flags...)...)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &Server{Cmd: cmd, Base: "http://" + addr}
	for deadline := time.Now().Add(20 * time.Second); ; {
		if resp, err := http.Get(s.Base + "/readyz"); err == nil && resp.StatusCode == 200 {
			resp.Body.Close()
			return s, nil
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("plaza did not start")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop ends the server as a service manager would (SIGTERM) and waits.
func (s *Server) Stop() {
	_ = s.Cmd.Process.Signal(syscall.SIGTERM)
	_ = s.Cmd.Wait()
}

// Sink is a webhook receiver that answers each POST after Delay and
// tallies how often each delivery arrived (by X-Plaza-Delivery), so a
// program can tell how many were sent twice; one request in a hundred has
// its signature checked.
type Sink struct {
	Secret []byte
	Delay  time.Duration

	tally *Tally
	bad   atomic.Int64
}

// NewSink builds a sink that answers after delay.
func NewSink(delay time.Duration) *Sink {
	return &Sink{Delay: delay, tally: NewTally()}
}

func (s *Sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if s.Delay > 0 {
		time.Sleep(s.Delay)
	}
	n := s.tally.Add(r.Header.Get("X-Plaza-Delivery"))
	if err == nil && n%100 == 0 {
		mac := hmac.New(sha256.New, s.Secret)
		mac.Write([]byte(r.Header.Get("X-Plaza-Timestamp") + "."))
		mac.Write(body)
		want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
		if !hmac.Equal([]byte(want), []byte(r.Header.Get("X-Plaza-Signature"))) {
			s.bad.Add(1)
		}
	}
	w.WriteHeader(http.StatusOK)
}

// Counts are the requests received, the distinct deliveries among them,
// the repeats (requests beyond the first of a delivery) and the requests
// whose signature was checked and wrong. A program reads them once the
// sending is over.
func (s *Sink) Counts() (received, distinct, repeats, bad int64) {
	received, distinct = s.tally.Counts()
	return received, distinct, received - distinct, s.bad.Load()
}

// Publish creates and publishes a notice on the demo account handle as
// the demo user owner would from the studio.
func Publish(ctx context.Context, store *models.Store, notices *notice.Service, owner, handle string, in notice.Input) (*models.Broadcast, error) {
	var u models.User
	if err := store.DB().Where("email = ?", owner).First(&u).Error; err != nil {
		return nil, fmt.Errorf("demo owner: %w", err)
	}
	var a models.Account
	if err := store.DB().Where("handle = ?", handle).First(&a).Error; err != nil {
		return nil, fmt.Errorf("demo account: %w", err)
	}
	m, err := org.New(store.Core).MemberOf(ctx, &u, a.OrganizationID)
	if err != nil {
		return nil, err
	}
	n, err := notices.CreateNotice(ctx, m, &a, in)
	if err != nil {
		return nil, err
	}
	_, b, err := notices.PublishNotice(ctx, m, &a, n.ID, in)
	return b, err
}

// LoadAvg is the machine's 1-, 5- and 15-minute load averages, as
// /proc/loadavg gives them ("?" where there is none): every figure in
// bench/README.md is recorded with it, the machine being shared.
func LoadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
