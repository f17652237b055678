package alertfeed_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/database"
	"github.com/plazahq/plaza/jobs"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/alertsource"
)

// pollJobsOf counts the poll jobs queued for one feed, whatever their state.
func pollJobsOf(t *testing.T, a *apptest.App, feedID int64) int {
	t.Helper()
	text := "CAST(args AS TEXT)"
	if a.Store.Dialect() == database.SQLite {
		text = "json(args)" // River keeps SQLite's binary JSON
	}
	var args []string
	if err := a.Store.DB().Raw(`SELECT `+text+` FROM river_job WHERE kind = ?`, jobs.PollFeed{}.Kind()).Scan(&args).Error; err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range args {
		var j jobs.PollFeed
		if err := json.Unmarshal([]byte(s), &j); err != nil {
			t.Fatalf("poll job args %q: %v", s, err)
		}
		if j.FeedID == feedID {
			n++
		}
	}
	return n
}

// TestAHangingFeedHoldsUpNoOther runs the app's own scan and poll jobs:
// while one feed's server has taken the request and never answers, another
// feed is polled and imported, and the hanging feed is not polled twice.
// The fetch timeout is longer than the test, so nothing but the queue's
// concurrency can let the other feed through.
func TestAHangingFeedHoldsUpNoOther(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.StartOptions(t, dbURL, nil, func(o *app.Options) { o.Feeds.Timeout = time.Hour })
		a.StartWorkers(t)
		fx := apptest.Seed(t, a)
		ctx := context.Background()
		owner := fx.Member(models.RoleOwner)

		entered, release := make(chan struct{}), make(chan struct{})
		var once sync.Once
		var answered atomic.Bool
		hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			once.Do(func() { close(entered) })
			select {
			case <-release:
			case <-r.Context().Done():
			}
			answered.Store(true)
		}))
		t.Cleanup(hang.Close)
		t.Cleanup(func() { close(release) }) // runs first: lets the server close

		if err := a.AlertSources.Save(ctx, owner, fx.Account, alertsource.Input{URL: hang.URL, Interval: "15"}); err != nil {
			t.Fatal(err)
		}
		hung, err := a.AlertSources.Of(ctx, owner, fx.Account)
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-entered:
		case <-time.After(30 * time.Second):
			t.Fatal("the app's scan never polled the hanging feed")
		}

		// Now another account's feed becomes due.
		ferry, err := a.Accounts.CreateAccount(ctx, owner, models.AccountInput{Handle: "ferry", Name: "Ferry", Category: "transit",
			Languages: []string{"en"}})
		if err != nil {
			t.Fatal(err)
		}
		src := &feedServer{}
		src.set("", alert("F", "Ferry cancelled", "High winds.", "F1"))
		srv := httptest.NewServer(src)
		t.Cleanup(srv.Close)
		if err := a.AlertSources.Save(ctx, owner, ferry, alertsource.Input{URL: srv.URL, AutoPublish: true, Interval: "60"}); err != nil {
			t.Fatal(err)
		}
		apptest.WaitFor(t, 30*time.Second, "the other feed's notice", func() bool {
			var n int64
			a.Store.DB().Model(&models.Notice{}).Where("account_id = ? AND status = ?", ferry.ID, models.NoticePublished).Count(&n)
			return n == 1
		})
		if answered.Load() {
			t.Fatal("the hanging feed's request ended before the other feed was imported")
		}

		// The hanging feed's turn comes again while its poll still hangs:
		// the scan claims it, but its poll is not queued a second time.
		a.Store.DB().Exec(`UPDATE alert_feeds SET next_poll_at = ? WHERE id = ?`, time.Now().UTC().Add(-time.Minute), hung.ID)
		apptest.WaitFor(t, 30*time.Second, "the scan to claim the hanging feed again", func() bool {
			f, err := a.AlertSources.ByID(ctx, hung.ID)
			return err == nil && f.NextPollAt.After(time.Now())
		})
		if n := pollJobsOf(t, a, hung.ID); n != 1 || answered.Load() {
			t.Fatalf("%d poll jobs for the hanging feed (answered: %v); want its one poll, still waiting", n, answered.Load())
		}
	})
}
