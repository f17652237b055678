package main

import (
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/demo"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/account"
	"github.com/plazahq/plaza/models/media"
)

// TestDemoLooksReal checks what the UX review found toy-like in the demo:
// every follow in the same minute (a growth chart of one spike) and
// nobody following in the chat apps the inbox talks to.
func TestDemoLooksReal(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		if res := plaza(t, "", "demo", "--database-url", dbURL); res.code != 0 {
			t.Fatalf("demo: %s", res)
		}
		_, store := openStore(t, dbURL)
		transit, err := account.New(store.Core, nil).AccountByHandle(t.Context(), demo.TransitHandle)
		if err != nil {
			t.Fatal(err)
		}
		var fs []models.Follower
		if err := store.DB().Where("account_id = ?", transit.ID).Find(&fs).Error; err != nil {
			t.Fatal(err)
		}
		channels := map[string]int{}
		days := map[string]bool{}
		var oldest, newest time.Time
		for _, f := range fs {
			channels[f.Channel]++
			days[f.CreatedAt.UTC().Format(time.DateOnly)] = true
			if oldest.IsZero() || f.CreatedAt.Before(oldest) {
				oldest = f.CreatedAt
			}
			if f.CreatedAt.After(newest) {
				newest = f.CreatedAt
			}
		}
		for _, ch := range []string{models.ChannelEmail, models.ChannelWeChat, models.ChannelTelegram} {
			if channels[ch] == 0 {
				t.Errorf("no %s followers of @%s: %v", ch, demo.TransitHandle, channels)
			}
		}
		if span := newest.Sub(oldest); span < 4*7*24*time.Hour || len(days) < 15 {
			t.Errorf("the follows span %v over %d days; want weeks of them", span, len(days))
		}
		// The follow events, which the growth chart counts, carry the
		// follows' times.
		var events []models.FollowEvent
		if err := store.DB().Where("account_id = ? AND kind = ?", transit.ID, "follow").Find(&events).Error; err != nil {
			t.Fatal(err)
		}
		eventDays := map[string]bool{}
		for _, e := range events {
			eventDays[e.CreatedAt.UTC().Format(time.DateOnly)] = true
		}
		if len(eventDays) < 15 {
			t.Errorf("follow events on %d days; want them spread like the follows", len(eventDays))
		}
		// Pictures instead of letter placeholders: every account has an
		// avatar, and the open consultation a picture.
		var accs []models.Account
		if err := store.DB().Find(&accs).Error; err != nil {
			t.Fatal(err)
		}
		for _, a := range accs {
			if a.AvatarMediaID == nil {
				t.Errorf("@%s has no avatar", a.Handle)
			}
		}
		var images int64
		if err := store.DB().Model(&media.ProjectFile{}).Where("kind = ?", "image").Count(&images).Error; err != nil {
			t.Fatal(err)
		}
		if images == 0 {
			t.Error("no project has a picture")
		}
		// The detour was updated after it went out, as diversions are.
		var updated int64
		if err := store.DB().Model(&models.Notice{}).Where("account_id = ? AND status = ? AND revision > 0", transit.ID, models.NoticeUpdated).Count(&updated).Error; err != nil {
			t.Fatal(err)
		}
		if updated == 0 {
			t.Errorf("no updated notice of @%s", demo.TransitHandle)
		}
		noticesHaveAPast(t, store.DB())
	})
}

// noticesHaveAPast checks that the demo notices went out days and weeks
// ago rather than all in the minute the demo ran: published on different
// days, the update later, an ended one ended, and their broadcasts and
// deliveries at the times of the notice they sent.
func noticesHaveAPast(t *testing.T, db *gorm.DB) {
	t.Helper()
	now := time.Now().UTC()
	var ns []models.Notice
	if err := db.Order("id").Find(&ns).Error; err != nil {
		t.Fatal(err)
	}
	if len(ns) < 3 {
		t.Fatalf("%d demo notices", len(ns))
	}
	days := map[string]bool{}
	expired := 0
	byID := map[int64]models.Notice{}
	for _, n := range ns {
		byID[n.ID] = n
		if n.PublishedAt == nil || now.Sub(*n.PublishedAt) < 24*time.Hour {
			t.Errorf("notice %q published %v; want days ago", n.Title("en"), n.PublishedAt)
			continue
		}
		days[n.PublishedAt.UTC().Format(time.DateOnly)] = true
		if n.CreatedAt.After(*n.PublishedAt) || n.UpdatedAt.Before(*n.PublishedAt) || now.Sub(n.UpdatedAt) < time.Hour {
			t.Errorf("notice %q: created %v, published %v, changed %v", n.Title("en"), n.CreatedAt, *n.PublishedAt, n.UpdatedAt)
		}
		if n.Status == models.NoticeUpdated && n.UpdatedAt.Sub(*n.PublishedAt) < 24*time.Hour {
			t.Errorf("notice %q updated %v after it went out; want days later", n.Title("en"), n.UpdatedAt.Sub(*n.PublishedAt))
		}
		if n.Status == models.NoticeExpired {
			expired++
			if n.ExpiresAt == nil || !n.ExpiresAt.Before(now) || n.ExpiresAt.Before(*n.PublishedAt) {
				t.Errorf("expired notice %q expires %v", n.Title("en"), n.ExpiresAt)
			}
		} else if n.ExpiresAt != nil && n.ExpiresAt.Before(now) {
			t.Errorf("notice %q is %s past its expiry %v", n.Title("en"), n.Status, *n.ExpiresAt)
		}
	}
	if len(days) < 3 || expired == 0 {
		t.Errorf("notices published on %d days, %d expired; want them spread, one of them over", len(days), expired)
	}
	var bs []models.Broadcast
	if err := db.Order("id").Find(&bs).Error; err != nil {
		t.Fatal(err)
	}
	at := map[int64]time.Time{}
	for _, b := range bs {
		n, ok := byID[b.NoticeID]
		if !ok || n.PublishedAt == nil {
			continue
		}
		at[b.ID] = b.CreatedAt
		// The first broadcast went out with the notice, an update's when
		// the notice last changed.
		want := *n.PublishedAt
		if b.Kind == models.KindUpdate {
			want = n.UpdatedAt
		}
		if !b.CreatedAt.Equal(want) || b.Status != models.BroadcastDone || b.FinishedAt == nil || b.FinishedAt.Before(b.CreatedAt) ||
			b.MaterializedAt == nil || b.MaterializedAt.Before(b.CreatedAt) || now.Sub(*b.FinishedAt) < time.Hour || b.Sent == 0 {
			t.Errorf("%s broadcast of %q: created %v (want %v), %s, finished %v, sent %d", b.Kind, n.Title("en"), b.CreatedAt, want, b.Status, b.FinishedAt, b.Sent)
		}
	}
	var ds []struct {
		BroadcastID int64
		NextAt      time.Time // when the outcome was recorded
		Status      string
	}
	if err := db.Raw(`SELECT broadcast_id, next_at, status FROM deliveries`).Scan(&ds).Error; err != nil {
		t.Fatal(err)
	}
	sent := 0
	for _, d := range ds {
		b, ok := at[d.BroadcastID]
		if !ok || d.Status != "sent" {
			continue
		}
		sent++
		if d.NextAt.Before(b) || d.NextAt.Sub(b) > time.Hour {
			t.Errorf("delivery of broadcast %d sent %v; its broadcast went out %v", d.BroadcastID, d.NextAt, b)
		}
	}
	if sent == 0 {
		t.Error("no delivery of a demo notice was sent")
	}
}
