package main

import (
	"testing"
	"time"

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
	})
}
