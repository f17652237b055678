package app_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
)

// TestScanEnqueuesADueNoticeOnce: scans overlap (a slow one, a new
// leader), so each enqueues the due notice's job, and only the first is
// kept while it waits. Once it has run, the notice is no longer due.
func TestScanEnqueuesADueNoticeOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		// Built but not started: nothing works the jobs until the scans
		// are done.
		a, err := app.New(ctx, apptest.Config(dbURL), slog.New(slog.DiscardHandler), app.Options{QueuePoll: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		fx := apptest.Seed(t, &apptest.App{App: a})
		owner := fx.Member(models.RoleOwner)
		in := notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", "Later", "body", "Body")}
		at := time.Now().Add(time.Hour)
		in.PublishAt = &at
		n, err := a.Notices.CreateNotice(ctx, owner, fx.Account, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.Notices.PublishNotice(ctx, owner, fx.Account, n.ID, in); err != nil {
			t.Fatal(err)
		}
		if k, err := a.EnqueueDuePublications(ctx); err != nil || k != 0 {
			t.Fatalf("scan before its time: %d, %v", k, err)
		}
		if err := a.Store.DB().Exec(`UPDATE notices SET publish_at = ? WHERE id = ?`, time.Now().UTC().Add(-time.Second), n.ID).Error; err != nil {
			t.Fatal(err)
		}
		for i, want := range []int{1, 0} {
			if k, err := a.EnqueueDuePublications(ctx); err != nil || k != want {
				t.Fatalf("scan %d: enqueued %d, %v; want %d", i+1, k, err, want)
			}
		}
		var queued int64
		if err := a.DB.Gorm.Table("river_job").Where("kind = 'notice_publish'").Count(&queued).Error; err != nil || queued != 1 {
			t.Fatalf("%d publish jobs, %v; want 1", queued, err)
		}

		if err := a.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer func() {
			sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if err := a.Stop(sctx); err != nil {
				t.Error(err)
			}
		}()
		var bs []models.Broadcast
		if !apptest.Eventually(20*time.Second, func() bool {
			var err error
			if bs, err = a.BroadcastService.ForNotice(ctx, n.ID); err != nil {
				t.Fatal(err)
			}
			if len(bs) > 1 {
				t.Fatalf("%d broadcasts of the scheduled notice", len(bs))
			}
			return len(bs) == 1
		}) {
			t.Fatalf("%d broadcasts of the scheduled notice", len(bs))
		}
		if k, err := a.EnqueueDuePublications(ctx); err != nil || k != 0 {
			t.Fatalf("scan after publishing: %d, %v", k, err)
		}
	})
}
