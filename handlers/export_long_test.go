package handlers_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

// shortWriteServer serves the app through the same http.Server the
// binary uses (app.Server), with its write timeout cut to d, so an
// export that leans on the server's timeout is cut off in the test as it
// was in production after 60 seconds.
func shortWriteServer(t *testing.T, a *apptest.App, d time.Duration) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(a.Handler)
	srv.Config = app.Server("", a.Handler)
	srv.Config.WriteTimeout = d
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// TestFollowerExportOutlastsWriteTimeout exports 200,000 followers
// through the real HTTP server whose write timeout is far shorter than
// the download: every row must arrive, once.
func TestFollowerExportOutlastsWriteTimeout(t *testing.T) {
	const n = 200000
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		start := time.Now()
		// One set-based INSERT, as `plaza demo --followers` does.
		added, err := a.Followers.GenerateFollowers(ctx, f.Account.ID, models.ChannelEmail, "long-export-", n)
		if err != nil || added != n {
			t.Fatalf("seed %d followers: %d, %v", n, added, err)
		}
		t.Logf("seeded %d followers in %s", n, time.Since(start).Round(time.Millisecond))

		owner := a.Client(t)
		owner.Login(f.ByRole[models.RoleOwner].Email, apptest.Password)
		srv := shortWriteServer(t, a, 300*time.Millisecond)
		// The session cookie is for 127.0.0.1, whatever the port.
		hc := &http.Client{Jar: owner.HTTP.Jar, Timeout: 5 * time.Minute}
		start = time.Now()
		res, err := hc.Get(fmt.Sprintf("%s/studio/orgs/%d/accounts/metro/followers/export.csv", srv.URL, f.Org.ID))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b, _ := io.ReadAll(res.Body)
			t.Fatalf("export: %d %s", res.StatusCode, b)
		}
		r := csv.NewReader(res.Body)
		r.ReuseRecord = true
		head, err := r.Read()
		if err != nil || strings.TrimPrefix(head[0], "\ufeff") != "address" {
			t.Fatalf("header %q: %v", head, err)
		}
		seen := make(map[string]bool, n)
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("after %d rows in %s: %v", len(seen), time.Since(start).Round(time.Millisecond), err)
			}
			if !strings.HasPrefix(rec[0], "long-export-") || seen[rec[0]] {
				t.Fatalf("bad or repeated row %q", rec)
			}
			seen[rec[0]] = true
		}
		took := time.Since(start)
		if len(seen) != n {
			t.Fatalf("export has %d rows; want %d", len(seen), n)
		}
		t.Logf("exported %d rows in %s: %.0f rows/s", n, took.Round(time.Millisecond), float64(n)/took.Seconds())
	})
}

// TestFeedbackExportOutlastsWriteTimeout: the same for a consultation's
// answers, as CSV, through a server whose write timeout is far shorter
// than the download.
func TestFeedbackExportOutlastsWriteTimeout(t *testing.T) {
	const n = 100000
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		p := openProject(t, a, f, "")
		series := "SELECT g AS x FROM generate_series(1, ?) AS g"
		if strings.HasPrefix(dbURL, "sqlite") {
			series = "WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < ?) SELECT x FROM g"
		}
		now := a.Store.Now()
		res := a.DB.Gorm.Exec(`INSERT INTO feedback (project_id, stance, comment, name, contact, channel, lang, status, created_at, updated_at)
			SELECT ?, 'support', 'Answer number ' || CAST(s.x AS TEXT), 'Citizen', 'c' || CAST(s.x AS TEXT) || '@example.org', 'web', 'en', 'published', ?, ?
			FROM (`+series+`) AS s`, p.ID, now, now, n)
		if res.Error != nil || res.RowsAffected != n {
			t.Fatalf("seed %d answers: %d, %v", n, res.RowsAffected, res.Error)
		}
		owner := a.Client(t)
		owner.Login(f.ByRole[models.RoleOwner].Email, apptest.Password)
		srv := shortWriteServer(t, a, 250*time.Millisecond)
		hc := &http.Client{Jar: owner.HTTP.Jar, Timeout: 5 * time.Minute}
		start := time.Now()
		resp, err := hc.Get(fmt.Sprintf("%s/studio/orgs/%d/accounts/metro/projects/%d/export.csv", srv.URL, f.Org.ID, p.ID))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		r := csv.NewReader(resp.Body)
		r.FieldsPerRecord = -1
		rows := -1 // the header
		for {
			_, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("after %d rows in %s: %v", rows, time.Since(start).Round(time.Millisecond), err)
			}
			rows++
		}
		if rows != n {
			t.Fatalf("export has %d rows; want %d", rows, n)
		}
		t.Logf("exported %d answers in %s: %.0f rows/s", n, time.Since(start).Round(time.Millisecond), float64(n)/time.Since(start).Seconds())
	})
}
