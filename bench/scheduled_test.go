package bench

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
)

// BenchmarkScheduledPublishDelay measures how late scheduled notices
// publish: from each notice's time to the creation of its broadcast, with
// Plaza on its production settings (no test knobs: River polls every
// second, the leader scans every second). The notices fall due 1.37 s
// apart, so their times land all over the scan's second.
//
//	go test ./bench/ -run '^$' -bench ScheduledPublishDelay -benchtime 1x
func BenchmarkScheduledPublishDelay(b *testing.B) {
	const notices = 20
	for _, db := range []struct {
		name string
		url  func(testing.TB) string
	}{{"sqlite", apptest.SQLiteURL}, {"postgres", apptest.PostgresURL}} {
		b.Run(db.name, func(b *testing.B) {
			var delays []time.Duration
			for b.Loop() {
				delays = scheduledDelays(b, db.url(b), notices)
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

func scheduledDelays(b *testing.B, dbURL string, n int) []time.Duration {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.New(ctx, apptest.Config(dbURL), log, app.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	f := apptest.Seed(b, &apptest.App{App: a})
	owner := f.Member(models.RoleOwner)
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
	// The first falls due once an instance has surely been elected leader.
	first := time.Now().UTC().Add(3 * time.Second)
	due := map[int64]time.Time{}
	for i := range n {
		in := notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", "Scheduled", "body", "Body")}
		later := time.Now().Add(time.Hour)
		in.PublishAt = &later
		nt, err := a.Notices.CreateNotice(ctx, owner, f.Account, in)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := a.Notices.PublishNotice(ctx, owner, f.Account, nt.ID, in); err != nil {
			b.Fatal(err)
		}
		// Staff schedule to the second; the bench needs times that fall
		// anywhere in the scan's second.
		at := first.Add(time.Duration(i) * 1370 * time.Millisecond)
		if err := a.Store.DB().Exec(`UPDATE notices SET publish_at = ? WHERE id = ?`, at, nt.ID).Error; err != nil {
			b.Fatal(err)
		}
		due[nt.ID] = at
	}
	deadline := first.Add(time.Duration(n)*1370*time.Millisecond + 30*time.Second)
	delays := map[int64]time.Duration{}
	if !apptest.Eventually(time.Until(deadline), func() bool {
		var bs []models.Broadcast
		if err := a.Store.DB().Where("kind = ?", models.KindPublish).Find(&bs).Error; err != nil {
			b.Fatal(err)
		}
		for _, br := range bs {
			if at, ok := due[br.NoticeID]; ok {
				delays[br.NoticeID] = br.CreatedAt.Sub(at)
			}
		}
		return len(delays) >= n
	}) {
		b.Fatalf("%d of %d scheduled notices published", len(delays), n)
	}
	out := make([]time.Duration, 0, n)
	for _, d := range delays {
		out = append(out, d.Round(time.Millisecond))
	}
	return out
}
