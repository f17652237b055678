// Command tenants runs the scenario of issue 15 as a city would meet it:
// on the SQLite demo, a transit account's 1,500 webhook followers sit
// behind a receiver that answers each POST after 2 s, with a short lease
// and small batches (PLAZA_SEND_LEASE=4s, PLAZA_SEND_BATCH=300); 3 s after
// the transit notice, the safety office (another organization) publishes
// an Extreme alert to its 25 followers. It reports how long the alert took
// to be fully sent and how many webhook messages were sent twice.
//
//	go run ./bench/tenants
//
// See bench/README.md for the latest figures.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/bench/benchutil"
	"github.com/plazahq/plaza/database"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
	"github.com/plazahq/plaza/queue"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "tenants bench:", err)
		os.Exit(1)
	}
}

func run() error {
	followers := flag.Int("followers", 1500, "webhook followers of the slow account")
	delay := flag.Duration("delay", 2*time.Second, "how long the slow receiver takes to answer")
	lease := flag.String("lease", "4s", "PLAZA_SEND_LEASE")
	batch := flag.Int("batch", 300, "PLAZA_SEND_BATCH")
	after := flag.Duration("after", 3*time.Second, "when the Extreme alert is published, after the slow notice")
	flag.Parse()
	ctx := context.Background()

	dir, err := os.MkdirTemp("", "plaza-tenants")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin, err := benchutil.BuildPlaza(dir)
	if err != nil {
		return err
	}
	dbURL := "sqlite:" + filepath.Join(dir, "plaza.db")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	rcv := benchutil.NewSink(*delay)
	srv := &http.Server{Handler: rcv, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()

	// The webhook receiver is on loopback, which Plaza refuses to reach
	// unless allowed.
	env := append(os.Environ(), "PLAZA_DATABASE_URL="+dbURL, "PLAZA_SECRET_KEY="+strings.Repeat("ab", 32),
		"PLAZA_OUTBOUND_ALLOW=127.0.0.1/32")
	demo := exec.Command(bin, "demo", "--json", "--followers", strconv.Itoa(*followers), "--webhook-url", "http://"+ln.Addr().String()+"/hook")
	demo.Env, demo.Stderr = env, os.Stderr
	out, err := demo.Output()
	if err != nil {
		return fmt.Errorf("plaza demo: %w", err)
	}
	var res struct {
		Webhook struct {
			Secret string `json:"secret"`
		} `json:"webhook"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return fmt.Errorf("demo output: %w", err)
	}
	rcv.Secret = []byte(res.Webhook.Secret)

	server, err := benchutil.Serve(bin, append(env, "PLAZA_SEND_LEASE="+*lease, "PLAZA_SEND_BATCH="+strconv.Itoa(*batch)))
	if err != nil {
		return err
	}
	defer server.Stop()

	db, err := database.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	inserter, err := queue.NewInserter(db)
	if err != nil {
		return err
	}
	d := app.Open(db, inserter, nil)
	store, notices := d.Store, d.Notices

	slow, err := benchutil.Publish(ctx, store, notices, "owner@transit.demo.plaza.test", "citytransit", notice.Input{Kind: models.NoticeTransit,
		Translations: models.Texts("en", "title", "Line 12 diverted", "body", "Line 12 buses use Harbour Road until 18:00."), Routes: "12", Effect: "DETOUR"})
	if err != nil {
		return err
	}
	time.Sleep(*after)
	urgent, err := benchutil.Publish(ctx, store, notices, "owner@safety.demo.plaza.test", "citysafety", notice.Input{Kind: models.NoticeSafety,
		Translations: models.Texts("en", "title", "Flash flood warning", "body", "Move to higher ground now."), CapCategory: "Met", CapEvent: "Flood",
		Urgency: "Immediate", Severity: "Extreme", Certainty: "Observed", AreaDesc: "Riverside"})
	if err != nil {
		return err
	}
	var urgentDone bool
	for deadline := time.Now().Add(10 * time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var u, s models.Broadcast
		if err := db.Gorm.First(&u, urgent.ID).Error; err != nil {
			return err
		}
		if err := db.Gorm.First(&s, slow.ID).Error; err != nil {
			return err
		}
		if !urgentDone && u.Status == models.BroadcastDone {
			urgentDone = true
			fmt.Printf("Extreme alert of the other organization: %d sent, fully sent %v after publishing (database clock); the slow broadcast had %d of %d left\n",
				u.Sent, u.FinishedAt.Sub(u.CreatedAt).Round(time.Millisecond), s.Remaining(), s.Total)
		}
		if urgentDone && s.Status == models.BroadcastDone {
			received, distinct, repeats, bad := rcv.Counts()
			fmt.Printf("slow broadcast: %d sent of %d in %v; the receiver got %d POSTs for %d deliveries: %d sent twice (%d bad signatures in the 1%% checked)\n",
				s.Sent, s.Total, s.FinishedAt.Sub(s.CreatedAt).Round(time.Millisecond), received, distinct, repeats, bad)
			return nil
		}
	}
	return fmt.Errorf("not done after 10 minutes")
}
