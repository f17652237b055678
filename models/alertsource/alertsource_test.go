package alertsource_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/database"
	"github.com/plazahq/plaza/jobs"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/alertsource"
)

// TestClaimDue: two scans that run at once claim each due feed
// exactly once between them, queue one poll job per claimed feed, and move
// each feed to its next turn.
func TestClaimDue(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		// The app's own scan runs on a clock stopped in 2000: only the
		// test's scans claim these feeds.
		stopped := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
		a := apptest.StartOptions(t, dbURL, nil, func(o *app.Options) { o.Feeds.Now = func() time.Time { return stopped } })
		fx := apptest.Seed(t, a)
		ctx := context.Background()
		owner := fx.Member(models.RoleOwner)
		intervals := map[int64]time.Duration{}
		for i := range 8 {
			acc := fx.Account
			if i > 0 {
				var err error
				acc, err = a.Accounts.CreateAccount(ctx, owner, models.AccountInput{Handle: fmt.Sprintf("line%d", i), Name: "Line",
					Category: "transit", Languages: []string{"en"}})
				if err != nil {
					t.Fatal(err)
				}
			}
			interval := 60 + 15*i
			if err := a.AlertSources.Save(ctx, owner, acc, alertsource.Input{URL: "http://127.0.0.1:1/feed",
				Interval: fmt.Sprint(interval)}); err != nil {
				t.Fatal(err)
			}
			f, err := a.AlertSources.Of(ctx, owner, acc)
			if err != nil {
				t.Fatal(err)
			}
			intervals[f.ID] = time.Duration(interval) * time.Second
		}
		// Two feeds are not due yet, and one is disabled.
		now := time.Now().UTC().Truncate(time.Millisecond)
		ids := slices.Sorted(maps.Keys(intervals))
		a.Store.DB().Exec(`UPDATE alert_feeds SET next_poll_at = ?`, now.Add(-time.Minute))
		a.Store.DB().Exec(`UPDATE alert_feeds SET next_poll_at = ? WHERE id IN ?`, now.Add(time.Second), ids[:2])
		a.Store.DB().Exec(`UPDATE alert_feeds SET enabled = FALSE WHERE id = ?`, ids[2])
		due := ids[3:]

		var wg sync.WaitGroup
		var got [2][]int64
		ready := make(chan struct{})
		for i := range got {
			wg.Go(func() {
				<-ready
				var err error
				if got[i], err = a.AlertSources.ClaimDue(ctx, now); err != nil {
					t.Error(err)
				}
			})
		}
		close(ready)
		wg.Wait()
		all := slices.Sorted(slices.Values(append(slices.Clone(got[0]), got[1]...)))
		if !slices.Equal(all, due) {
			t.Fatalf("two scans claimed %v and %v; want each of %v once", got[0], got[1], due)
		}
		var queued []int64
		var args []string
		text := "CAST(args AS TEXT)"
		if a.Store.Dialect() == database.SQLite {
			text = "json(args)" // River keeps SQLite's binary JSON
		}
		if err := a.Store.DB().Raw(`SELECT `+text+` FROM river_job WHERE kind = ?`, jobs.PollFeed{}.Kind()).
			Scan(&args).Error; err != nil {
			t.Fatal(err)
		}
		for _, s := range args {
			var id int64
			// PostgreSQL's jsonb adds a space after the colon.
			if _, err := fmt.Sscanf(strings.ReplaceAll(s, " ", ""), `{"feed_id":%d}`, &id); err != nil {
				t.Fatalf("poll job args %q: %v", s, err)
			}
			queued = append(queued, id)
		}
		if slices.Sort(queued); !slices.Equal(queued, due) {
			t.Fatalf("poll jobs queued for %v; want one for each of %v", queued, due)
		}
		// Each claimed feed's next turn is one interval from the scan.
		for _, id := range due {
			f, err := a.AlertSources.ByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if d := f.NextPollAt.Sub(now.Add(intervals[id])); d < -time.Millisecond || d > time.Millisecond {
				t.Fatalf("feed %d: next poll %s; want %s", id, f.NextPollAt, now.Add(intervals[id]))
			}
		}
		// A scan right after finds nothing; a later one finds the feeds
		// whose turn has come, and never the disabled one.
		if again, err := a.AlertSources.ClaimDue(ctx, now); err != nil || len(again) != 0 {
			t.Fatalf("a second scan at the same time claimed %v (%v)", again, err)
		}
		again, err := a.AlertSources.ClaimDue(ctx, now.Add(106*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if want := []int64{ids[0], ids[1], ids[3]}; !slices.Equal(again, want) {
			t.Fatalf("at +106s claimed %v; want %v (the two not due before, and the one polled every 105 s)", again, want)
		}
	})
}
