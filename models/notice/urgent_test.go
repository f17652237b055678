package notice_test

import (
	"context"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
)

// publishNow publishes in as a new notice of the fixtures' account.
func publishNow(t *testing.T, a *apptest.App, f *apptest.Fixtures, in notice.Input) *models.Notice {
	t.Helper()
	ctx := context.Background()
	boss := f.Member(models.RoleOwner)
	d, err := a.Notices.CreateNotice(ctx, boss, f.Account, in)
	if err != nil {
		t.Fatal(err)
	}
	n, _, err := a.Notices.PublishNotice(ctx, boss, f.Account, d.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func safetyInput(title, severity string) notice.Input {
	return notice.Input{Kind: models.NoticeSafety, Translations: models.Texts("en", "title", title, "body", "Take care."),
		CapCategory: "Met", CapEvent: "Weather", Urgency: "Expected", Severity: severity, Certainty: "Likely"}
}

func transitInput(title string) notice.Input {
	return notice.Input{Kind: models.NoticeTransit, Translations: models.Texts("en", "title", title, "body", "Diverted."), Routes: "12"}
}

// TestActiveAlertsBySeverity: the alerts in force come most severe first,
// then newest: a Moderate warning published before five transit notices
// still heads a list of three (the home page's).
func TestActiveAlertsBySeverity(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		publishNow(t, a, f, safetyInput("Minor fog", "Minor"))
		publishNow(t, a, f, safetyInput("Heat", "Moderate"))
		for _, title := range []string{"T1", "T2", "T3", "T4", "T5"} {
			publishNow(t, a, f, transitInput(title))
		}
		publishNow(t, a, f, safetyInput("Typhoon", "Severe"))
		publishNow(t, a, f, safetyInput("Flood", "Extreme"))
		list, err := a.Notices.ActiveAlerts(ctx, 0, a.Store.Now(), 100)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for i := range list {
			got = append(got, list[i].Title("en"))
		}
		want := []string{"Flood", "Typhoon", "Heat", "Minor fog", "T5", "T4", "T3", "T2", "T1"}
		if len(got) != len(want) {
			t.Fatalf("alerts %q, want %q", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("alerts %q, want %q", got, want)
			}
		}
		top, err := a.Notices.ActiveAlerts(ctx, 0, a.Store.Now(), 3)
		if err != nil || len(top) != 3 || top[2].Title("en") != "Heat" {
			t.Fatalf("the home page's three: %v %v", top, err)
		}
	})
}

// TestBanners: the banner lists the Severe and Extreme warnings in force,
// and says when it changes with the clock alone: the next expiry, or the
// start of one published to begin later.
func TestBanners(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		now := a.Store.Now().Truncate(time.Second)
		if list, next, err := a.Notices.Banners(ctx, now); err != nil || len(list) != 0 || !next.IsZero() {
			t.Fatalf("no warnings: %v %v %v", list, next, err)
		}
		publishNow(t, a, f, safetyInput("Heat", "Moderate"))
		publishNow(t, a, f, transitInput("Works"))
		severe := safetyInput("Typhoon", "Severe")
		ends := now.Add(2 * time.Hour)
		severe.ExpiresAt = &ends
		publishNow(t, a, f, severe)
		extreme := safetyInput("Flood", "Extreme")
		starts := now.Add(time.Hour)
		extreme.EffectiveAt = &starts
		flood := publishNow(t, a, f, extreme)

		list, next, err := a.Notices.Banners(ctx, now)
		if err != nil || len(list) != 1 || list[0].Title("en") != "Typhoon" || list[0].Handle != f.Account.Handle {
			t.Fatalf("banners now: %v %v", list, err)
		}
		if !next.Equal(starts) {
			t.Fatalf("next change %v, want the flood warning's start %v", next, starts)
		}
		list, next, err = a.Notices.Banners(ctx, starts)
		if err != nil || len(list) != 2 || list[0].Title("en") != "Flood" || !next.Equal(ends) {
			t.Fatalf("banners once the flood warning starts: %v, next %v, %v", list, next, err)
		}
		list, next, err = a.Notices.Banners(ctx, ends)
		if err != nil || len(list) != 1 || list[0].ID != flood.ID || !next.IsZero() {
			t.Fatalf("banners after the typhoon warning: %v, next %v, %v", list, next, err)
		}
		if _, _, err := a.Notices.EndNotice(ctx, f.Member(models.RoleOwner), f.Account, flood.ID, models.EndAllClear); err != nil {
			t.Fatal(err)
		}
		if list, _, err := a.Notices.Banners(ctx, ends); err != nil || len(list) != 0 {
			t.Fatalf("banners after the all-clear: %v %v", list, err)
		}
	})
}
