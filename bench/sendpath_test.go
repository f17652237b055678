package bench

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/channel"
	"github.com/plazahq/plaza/models/notice"
)

// BenchmarkSendPath sends one notice to 50,000 webhook followers with the
// whole engine in this process (materialize, claim, render, sign, POST to
// a receiver on loopback, record), so that a CPU profile of the send path
// needs no separate server:
//
//	go test ./bench/ -run '^$' -bench SendPath -benchtime 1x -cpuprofile /tmp/send.prof
//	go tool pprof -top -nodecount 40 bench.test /tmp/send.prof
//
// It reports messages/s from publish to the broadcast's end. bench/broadcast
// measures the same with a real `plaza serve` process and a million
// followers; this one is for finding where the time goes.
func BenchmarkSendPath(b *testing.B) {
	const followers = 50_000
	for _, db := range []struct {
		name string
		url  func(testing.TB) string
	}{{"postgres", apptest.PostgresURL}, {"sqlite", apptest.SQLiteURL}} {
		b.Run(db.name, func(b *testing.B) {
			var rate float64
			for b.Loop() {
				rate = sendPath(b, db.url(b), followers)
			}
			b.ReportMetric(rate, "msgs/s")
		})
	}
}

func sendPath(b *testing.B, dbURL string, followers int) float64 {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg := apptest.Config(dbURL)
	// The production defaults of the engine (config's defaults).
	cfg.SendWorkers, cfg.SendBatch, cfg.SendConcurrency, cfg.SendEmergencyWorkers = 4, 1000, 64, 2
	a, err := app.New(ctx, cfg, log, app.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	f := apptest.Seed(b, &apptest.App{App: a})
	owner := f.Member(models.RoleOwner)
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	if err := a.Channels.SaveWebhook(ctx, owner, f.Account, channel.WebhookInput{Enabled: true, URL: srv.URL + "/hook"}); err != nil {
		b.Fatal(err)
	}
	if _, err := a.Followers.GenerateFollowers(ctx, f.Account.ID, models.ChannelWebhook, "bench-", followers); err != nil {
		b.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := a.Stop(sctx); err != nil {
			b.Error(err)
		}
	}()
	in := notice.Input{Kind: models.NoticeTransit, Translations: models.Texts("en", "title", "Line 12 diverted",
		"body", "Line 12 buses use **Harbour Road** until 18:00.").With("zh-Hans", "title", "12 路改道", "body", "12 路公交车改经**海港路**行驶，至 18:00。"),
		Routes: "12", Effect: "DETOUR"}
	nt, err := a.Notices.CreateNotice(ctx, owner, f.Account, in)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if _, _, err := a.Notices.PublishNotice(ctx, owner, f.Account, nt.ID, in); err != nil {
		b.Fatal(err)
	}
	var br models.Broadcast
	if !apptest.Eventually(10*time.Minute, func() bool {
		if err := a.Store.DB().Where("notice_id = ?", nt.ID).First(&br).Error; err != nil {
			b.Fatal(err)
		}
		return br.Status == models.BroadcastDone
	}) {
		b.Fatalf("broadcast not done: %+v", br)
	}
	took := time.Since(start)
	if br.Sent != int64(followers) || got.Load() < int64(followers) {
		b.Fatalf("sent %d, received %d, want %d", br.Sent, got.Load(), followers)
	}
	return float64(br.Sent) / took.Seconds()
}
