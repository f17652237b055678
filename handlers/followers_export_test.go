package handlers_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

// Tests for the follower CSV export.

func TestFollowerCSVExport(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := newFollowerWorld(t, dbURL)
		// Moderators export (they may see contact details); see
		// TestContactDetailsByRole for everyone else.
		exporter := w.client(t, models.RoleModerator)
		res := exporter.Get(w.base + "/export.csv?channel=email&from=2025-02-01")
		if res.Status != http.StatusOK {
			t.Fatalf("%s", res)
		}
		if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Fatalf("Content-Type = %q", ct)
		}
		wantName := fmt.Sprintf(`attachment; filename="followers-metro-%s.csv"`, time.Now().UTC().Format("2006-01-02"))
		if cd := res.Header.Get("Content-Disposition"); cd != wantName {
			t.Fatalf("Content-Disposition = %q; want %q", cd, wantName)
		}
		if !strings.HasPrefix(res.Body, "\xef\xbb\xbf") {
			t.Fatalf("no UTF-8 byte-order mark: %q", res.Body[:10])
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\xef\xbb\xbf"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(recs[0], ","); got != "address,name,channel,status,language,tags,scene,source,followed_at,confirmed_at,unsubscribed_at" {
			t.Fatalf("header = %s", got)
		}
		byAddr := map[string][]string{}
		for _, r := range recs[1:] {
			byAddr[r[0]] = r
		}
		var got []string
		for a := range byAddr {
			got = append(got, a)
		}
		sort.Strings(got)
		if want := flSorted("chen@example.cn", "eve@example.org", "100%_real@example.org"); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("CSV rows %v; want %v", got, want)
		}
		if r := byAddr["chen@example.cn"]; r[1] != "陈小明" || r[3] != "active" || r[5] != "south" || r[6] != "poster-9" || r[8] != "2025-02-01T23:59:00Z" {
			t.Fatalf("chen's row = %q", r)
		}
		if name := byAddr["eve@example.org"][1]; name != `'=HYPERLINK("http://evil.test","click")` {
			t.Fatalf("formula not neutralised: %q", name)
		}
		if name := byAddr["100%_real@example.org"][1]; name != "'+Frank" {
			t.Fatalf("formula not neutralised: %q", name)
		}

		// More rows than one batch, all there, once each.
		ctx := context.Background()
		for i := 0; i < 1203; i++ {
			if _, err := w.a.Followers.SeedFollower(ctx, w.f.Account.ID, "email", fmt.Sprintf("bulk%04d@example.org", i), "@name", "zh-Hans", []string{"bulk"}, 0, ""); err != nil {
				t.Fatal(err)
			}
		}
		res = exporter.Get(w.base + "/export.csv?tag=bulk")
		recs, err = csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\xef\xbb\xbf"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, r := range recs[1:] {
			if seen[r[0]] || r[1] != "'@name" || r[5] != "bulk" {
				t.Fatalf("bad or repeated row %q", r)
			}
			seen[r[0]] = true
		}
		if len(seen) != 1203 {
			t.Fatalf("CSV has %d rows; want 1203", len(seen))
		}

		// Bad filter: the list with a message, no file.
		if res := exporter.Get(w.base + "/export.csv?from=someday"); res.Status != http.StatusUnprocessableEntity || res.Header.Get("Content-Disposition") != "" {
			t.Fatalf("bad filter export: %s", res)
		}
		var n int64
		w.a.DB.Gorm.Model(&models.AuditEntry{}).Where("action = 'followers.export'").Count(&n)
		if n != 2 {
			t.Fatalf("%d export audit entries; want 2", n)
		}
	})
}
