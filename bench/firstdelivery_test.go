package bench

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/channel"
	"github.com/plazahq/plaza/models/notice"
)

// BenchmarkPublishToFirstDelivery measures the latency floor of an alert:
// from the editor's "Publish now" (the publish transaction, which
// enqueues the materialization) to the first signed webhook reaching the
// receiver, with Plaza in-process: River and the engine as in production
// (River's one-second poll and, on PostgreSQL, its LISTEN connection; the
// send workers woken by the materialization), the tests' configuration
// otherwise (2 send workers, batches of 500). Each of 20 notices goes to the
// account's 1,000 webhook followers; the next is published once the last
// has finished, so each measures a quiet engine.
//
//	go test ./bench/ -run '^$' -bench PublishToFirstDelivery -benchtime 1x
func BenchmarkPublishToFirstDelivery(b *testing.B) {
	const notices, followers = 20, 1000
	for _, db := range []struct {
		name string
		url  func(testing.TB) string
	}{{"sqlite", apptest.SQLiteURL}, {"postgres", apptest.PostgresURL}} {
		b.Run(db.name, func(b *testing.B) {
			var delays []time.Duration
			for b.Loop() {
				delays = firstDeliveryDelays(b, db.url(b), notices, followers)
			}
			slices.Sort(delays)
			b.Logf("delays: %v", delays)
			ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
			b.ReportMetric(ms(delays[0]), "min-ms")
			b.ReportMetric(ms(delays[len(delays)/2]), "median-ms")
			b.ReportMetric(ms(delays[len(delays)*9/10]), "p90-ms")
			b.ReportMetric(ms(delays[len(delays)-1]), "max-ms")
		})
	}
}

// firstArrival is a webhook receiver that notes when the first request
// after each reset arrived.
type firstArrival struct {
	mu    sync.Mutex
	first time.Time
}

func (f *firstArrival) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	f.mu.Lock()
	if f.first.IsZero() {
		f.first = now
	}
	f.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (f *firstArrival) reset() {
	f.mu.Lock()
	f.first = time.Time{}
	f.mu.Unlock()
}

func (f *firstArrival) at() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.first
}

func firstDeliveryDelays(b *testing.B, dbURL string, n, followers int) []time.Duration {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.New(ctx, apptest.Config(dbURL), log, app.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	f := apptest.Seed(b, &apptest.App{App: a})
	owner := f.Member(models.RoleOwner)
	sink := &firstArrival{}
	srv := httptest.NewServer(sink)
	defer srv.Close()
	if err := a.Channels.SaveWebhook(ctx, owner, f.Account, channel.WebhookInput{Enabled: true, URL: srv.URL + "/hook"}); err != nil {
		b.Fatal(err)
	}
	for i := range followers {
		if _, err := a.Followers.SeedFollower(ctx, f.Account.ID, models.ChannelWebhook, fmt.Sprintf("bench-%d", i), "", "en", nil, 0, ""); err != nil {
			b.Fatal(err)
		}
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
	// Let the workers settle (leader election, the first periodic jobs).
	time.Sleep(2 * time.Second)
	var out []time.Duration
	for i := range n {
		in := notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", fmt.Sprintf("Notice %d", i), "body", "Body")}
		nt, err := a.Notices.CreateNotice(ctx, owner, f.Account, in)
		if err != nil {
			b.Fatal(err)
		}
		sink.reset()
		start := time.Now()
		if _, _, err := a.Notices.PublishNotice(ctx, owner, f.Account, nt.ID, in); err != nil {
			b.Fatal(err)
		}
		if !apptest.Eventually(30*time.Second, func() bool { return !sink.at().IsZero() }) {
			b.Fatalf("notice %d: no delivery within 30 s", i)
		}
		out = append(out, sink.at().Sub(start).Round(time.Millisecond))
		// The next notice starts on a quiet engine.
		if !apptest.Eventually(60*time.Second, func() bool {
			var br models.Broadcast
			if err := a.Store.DB().Where("notice_id = ?", nt.ID).First(&br).Error; err != nil {
				b.Fatal(err)
			}
			return br.Status == models.BroadcastDone
		}) {
			b.Fatalf("notice %d: broadcast did not finish", i)
		}
	}
	return out
}
