package pagecache_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/database"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/project"
	"github.com/plazahq/plaza/pagecache"
)

// TestVersionAndPages: a page is served only under the version it was
// built at; the version is read again after Poll or after Changed, and
// not before (Poll is an hour here, so nothing depends on the clock).
func TestVersionAndPages(t *testing.T) {
	apptest.EachInTurn(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		db, err := database.Open(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		bump := func() {
			t.Helper()
			if _, err := db.SQL.ExecContext(ctx, `UPDATE page_versions SET version = version + 1 WHERE id = 1`); err != nil {
				t.Fatal(err)
			}
		}
		c := pagecache.New(db.Read, pagecache.Options{Poll: time.Hour})
		v1, err := c.Version(ctx)
		if err != nil {
			t.Fatal(err)
		}
		p := c.Put("en /@metro", v1, 200, "text/html; charset=UTF-8", []byte("<p>page</p>"), time.Time{})
		if got, ok := c.Get("en /@metro", v1); !ok || got != p || p.ETag == "" {
			t.Fatalf("Get after Put: %v %v", got, ok)
		}
		if _, ok := c.Get("zh-Hans /@metro", v1); ok {
			t.Fatal("another key was served")
		}
		same := c.Put("en /other", v1, 200, "text/html", []byte("<p>page</p>"), time.Time{})
		if same.ETag != p.ETag {
			t.Fatal("the same bytes got another ETag")
		}

		// A page whose content changes at a known time is kept until
		// then, no longer; a time past the TTL leaves the TTL in charge.
		c.Put("en /alerts", v1, 200, "text/html", []byte("<p>banner</p>"), time.Now().Add(-time.Millisecond))
		if _, ok := c.Get("en /alerts", v1); ok {
			t.Fatal("a page was served past the time its content changes")
		}
		c.Put("en /alerts", v1, 200, "text/html", []byte("<p>banner</p>"), time.Now().Add(24*time.Hour))
		if _, ok := c.Get("en /alerts", v1); !ok {
			t.Fatal("a page whose content changes tomorrow was not kept")
		}

		bump()
		if v, _ := c.Version(ctx); v != v1 {
			t.Fatalf("version read again within Poll: %d, was %d", v, v1)
		}
		c.Changed()
		v2, err := c.Version(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v2 == v1 {
			t.Fatal("a change made here was not seen")
		}
		if _, ok := c.Get("en /@metro", v2); ok {
			t.Fatal("a page of the old version was served")
		}

		// With a poll of a nanosecond every call reads the database.
		every := pagecache.New(db.Read, pagecache.Options{Poll: time.Nanosecond})
		before, _ := every.Version(ctx)
		bump()
		if after, _ := every.Version(ctx); after != before+1 {
			t.Fatalf("version %d after a bump from %d", after, before)
		}
	})
}

// TestTriggersBumpTheVersion: a change to what public pages show, made
// through a service, moves the version (by the migration's triggers).
func TestTriggersBumpTheVersion(t *testing.T) {
	t.Parallel()
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		version := func() int64 {
			var v int64
			if err := a.DB.Read.QueryRowContext(ctx, `SELECT version FROM page_versions WHERE id = 1`).Scan(&v); err != nil {
				t.Fatal(err)
			}
			return v
		}
		before := version()
		if err := a.Accounts.SetAgencyID(ctx, f.Member(models.RoleOwner), f.Account, "MTA"); err != nil {
			t.Fatal(err)
		}
		if after := version(); after <= before {
			t.Fatalf("an account change left the version at %d", after)
		}

		// Answers: only those the public sees move it, once per
		// statement however many rows it has (PostgreSQL's statement
		// triggers; SQLite's row triggers move it once per row).
		p, err := a.Projects.CreateProject(ctx, f.Member(models.RoleOwner), f.Account, project.Input{Translations: models.Translations{"en": {"title": "Park"}}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		insert := func(status string, n int) string {
			var b strings.Builder
			b.WriteString("INSERT INTO feedback (project_id, stance, comment, channel, lang, status, created_at, updated_at) VALUES ")
			for i := range n {
				if i > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "(%d, 'support', 'answer %d', 'web', 'en', '%s', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)", p.ID, i, status)
			}
			return b.String()
		}
		for _, c := range []struct {
			what  string
			sql   string
			moves bool
		}{
			{"three answers waiting for moderation", insert(models.FeedbackPending, 3), false},
			{"an update that matches no answer", "UPDATE feedback SET reports = reports + 1 WHERE id < 0", false},
			{"a delete that matches no answer", "DELETE FROM feedback WHERE id < 0", false},
			{"three published answers", insert(models.FeedbackPublished, 3), true},
			{"answers published by moderation", fmt.Sprintf("UPDATE feedback SET status = 'published' WHERE project_id = %d AND status = 'pending'", p.ID), true},
			{"answers deleted", fmt.Sprintf("DELETE FROM feedback WHERE project_id = %d", p.ID), true},
		} {
			before := version()
			if err := a.DB.Gorm.Exec(c.sql).Error; err != nil {
				t.Fatalf("%s: %v", c.what, err)
			}
			if moved := version() > before; moved != c.moves {
				t.Errorf("%s: the version moved %v, want %v", c.what, moved, c.moves)
			}
		}
	})
}
