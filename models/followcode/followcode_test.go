package followcode_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/followcode"
)

func TestDeviceClass(t *testing.T) {
	for ua, want := range map[string]string{
		"": "other",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148":         "phone",
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/124.0 Mobile Safari/537.36":   "phone",
		"Mozilla/5.0 (Linux; Android 13; SM-X700) Chrome/124.0 Safari/537.36":          "tablet",
		"Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)":                                "tablet",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0 Safari/537.36":         "desktop",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) Safari/605.1.15":                 "desktop",
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)":     "bot",
		"TelegramBot (like TwitterBot)":                                                "bot",
		"curl/8.5.0":                                                                   "bot",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0.47": "phone",
		"SomethingElse/1.0": "other",
	} {
		if got := followcode.DeviceClass(ua); got != want {
			t.Errorf("DeviceClass(%q) = %s, want %s", ua, got, want)
		}
	}
}

func TestFollowCodeRules(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		s, codes := a.Store, a.FollowCodes
		editor, viewer := f.Member(models.RoleEditor), f.Member(models.RoleViewer)
		code, err := codes.CreateFollowCode(ctx, editor, f.Account, followcode.FollowCodeInput{Name: "Stop", Scene: "stop"})
		if err != nil {
			t.Fatal(err)
		}
		soon := s.Now().Add(time.Hour)

		// Viewers read but change nothing.
		if _, err := codes.ListFollowCodes(ctx, viewer, f.Account); err != nil {
			t.Fatalf("viewer list: %v", err)
		}
		if _, err := codes.CreateFollowCode(ctx, viewer, f.Account, followcode.FollowCodeInput{Name: "X", Scene: "x"}); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("viewer create: %v", err)
		}
		if err := codes.UpdateFollowCode(ctx, viewer, f.Account, code, followcode.FollowCodeUpdate{Name: "X"}); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("viewer update: %v", err)
		}
		if err := codes.ExpireFollowCode(ctx, viewer, f.Account, code); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("viewer expire: %v", err)
		}
		if _, err := codes.FollowCodeByID(ctx, viewer, f.Account, code.ID+1000); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("unknown id: %v", err)
		}

		// A code handed in with another account is refused.
		other, err := a.Accounts.CreateAccount(ctx, f.Member(models.RoleOwner), models.AccountInput{Handle: "buses", Name: "Buses", Category: "transit", Languages: []string{"en"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := codes.UpdateFollowCode(ctx, editor, other, code, followcode.FollowCodeUpdate{Name: "Moved"}); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("update through another account: %v", err)
		}
		if _, err := codes.FollowCodeByID(ctx, editor, other, code.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("load through another account: %v", err)
		}
		// The same scene on another account is fine: scenes are per account.
		if _, err := codes.CreateFollowCode(ctx, editor, other, followcode.FollowCodeInput{Name: "Stop", Scene: "stop"}); err != nil {
			t.Fatalf("same scene, other account: %v", err)
		}

		if err := codes.UpdateFollowCode(ctx, editor, f.Account, code, followcode.FollowCodeUpdate{Name: " Renamed ", ExpiresAt: &soon}); err != nil {
			t.Fatal(err)
		}
		got, err := codes.FollowCodeByID(ctx, viewer, f.Account, code.ID)
		if err != nil || got.Name != "Renamed" || got.Scene != "stop" || got.ExpiresAt == nil || got.ExpiresAt.Sub(soon).Abs() > time.Millisecond {
			t.Fatalf("after update: %+v, %v", got, err)
		}
		if err := codes.ExpireFollowCode(ctx, editor, f.Account, &got.FollowCode); err != nil {
			t.Fatal(err)
		}
		got, _ = codes.FollowCodeByID(ctx, viewer, f.Account, code.ID)
		if !got.Expired(s.Now()) {
			t.Fatalf("not ended: %v", got.ExpiresAt)
		}
		// An ended code keeps its end whatever expiry an update brings.
		later := s.Now().AddDate(0, 1, 0)
		endedAt := *got.ExpiresAt
		if err := codes.UpdateFollowCode(ctx, editor, f.Account, &got.FollowCode, followcode.FollowCodeUpdate{Name: "Gone", ExpiresAt: &later}); err != nil {
			t.Fatal(err)
		}
		got, _ = codes.FollowCodeByID(ctx, viewer, f.Account, code.ID)
		if got.Name != "Gone" || got.ExpiresAt == nil || !got.ExpiresAt.Equal(endedAt) {
			t.Fatalf("ended code after update: %+v", got)
		}

		// Days run oldest first, to today, with no gaps.
		days, err := codes.CodeDailyStats(ctx, code, 7)
		if err != nil || len(days) != 7 {
			t.Fatalf("7 days: %d, %v", len(days), err)
		}
		for i := 1; i < len(days); i++ {
			if !days[i].Day.Equal(days[i-1].Day.AddDate(0, 0, 1)) {
				t.Fatalf("gap between %v and %v", days[i-1].Day, days[i].Day)
			}
		}
		if d, _ := codes.CodeDailyStats(ctx, code, 0); len(d) != 1 {
			t.Fatalf("0 days gives %d", len(d))
		}
	})
}

// A client's scans of a code count once per ScanWindow: again once the
// window has passed, and separately for each client and each code.
func TestRecordScanOncePerClientPerHour(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		clk := &clock{now: time.Date(2030, 3, 1, 9, 0, 0, 0, time.UTC)}
		// The service on a store with a clock of the test's own, to cross
		// the window.
		s := models.NewStore(a.DB, clk.Now)
		svc := followcode.New(s.Core)
		var codes []int64
		for _, scene := range []string{"stop-1", "stop-2"} {
			c, err := svc.CreateFollowCode(ctx, f.Member(models.RoleEditor), f.Account, followcode.FollowCodeInput{Name: scene, Scene: scene})
			if err != nil {
				t.Fatal(err)
			}
			codes = append(codes, c.ID)
		}
		steps := []struct {
			name    string
			advance time.Duration
			code    int
			client  string
			counted bool
		}{
			{"first scan", 0, 0, "alice", true},
			{"again at once", 0, 0, "alice", false},
			{"again within the hour", 59 * time.Minute, 0, "alice", false},
			{"another client", 0, 0, "bob", true},
			{"another code", 0, 1, "alice", true},
			{"after the hour", time.Minute, 0, "alice", true},
			{"again in the new hour", 30 * time.Minute, 0, "alice", false},
		}
		want := map[int]int64{}
		for _, st := range steps {
			clk.Add(st.advance)
			got, err := svc.RecordScan(ctx, codes[st.code], "phone", st.client)
			if err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			if got != st.counted {
				t.Fatalf("%s: counted = %v, want %v", st.name, got, st.counted)
			}
			if st.counted {
				want[st.code]++
			}
		}
		for i, id := range codes {
			var n int64
			if err := s.DB().Model(&followcode.Scan{}).Where("code_id = ?", id).Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			if n != want[i] {
				t.Errorf("code %d: %d scans stored, want %d", i, n, want[i])
			}
		}
	})
}

// clock is a settable time source for a store.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestChatScan: a follow through a scene in a chat app is a scan of the
// account's live code for it, once per person per window, and names the
// code; a scene of no code, another account's code or an ended one
// counts nothing and names none.
func TestChatScan(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		ed := f.Member(models.RoleEditor)
		live, err := a.FollowCodes.CreateFollowCode(ctx, ed, f.Account, followcode.FollowCodeInput{Name: "Stop", Scene: "stop-1"})
		if err != nil {
			t.Fatal(err)
		}
		ended, err := a.FollowCodes.CreateFollowCode(ctx, ed, f.Account, followcode.FollowCodeInput{Name: "Old", Scene: "old"})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.FollowCodes.ExpireFollowCode(ctx, ed, f.Account, ended); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name, scene, channel, address string
			account                       int64
			want                          *int64
		}{
			{"through the code", "stop-1", "telegram", "42", f.Account.ID, &live.ID},
			{"the same person again", "stop-1", "telegram", "42", f.Account.ID, &live.ID},
			{"in capitals", "STOP-1", "wechat", "oA", f.Account.ID, &live.ID},
			{"a scene of no code", "nowhere", "telegram", "43", f.Account.ID, nil},
			{"not a scene at all", "stop 1; --", "telegram", "43", f.Account.ID, nil},
			{"an ended code", "old", "telegram", "43", f.Account.ID, nil},
			{"another account", "stop-1", "telegram", "44", f.Account.ID + 1000, nil},
		}
		for _, tt := range tests {
			var got *int64
			err := a.Store.Core.Tx(ctx, func(tx models.Core) error {
				var err error
				got, err = a.FollowCodes.ChatScan(ctx, tx, tt.account, tt.scene, tt.channel, tt.channel+":"+tt.address)
				return err
			})
			if err != nil || (got == nil) != (tt.want == nil) || got != nil && *got != *tt.want {
				t.Fatalf("%s: %v %v, want %v", tt.name, got, err, tt.want)
			}
		}
		var devices []string
		a.DB.Gorm.Model(&followcode.Scan{}).Where("code_id IN ?", []int64{live.ID, ended.ID}).Order("device").Pluck("device", &devices)
		if len(devices) != 2 || devices[0] != "telegram" || devices[1] != "wechat" {
			t.Fatalf("scans %v; want one by Telegram (once for the same person), one by WeChat", devices)
		}
	})
}

// TestEnsureScans tops a code's scans by people up to a number and no
// further, so the demo run twice does not grow them.
func TestEnsureScans(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		c, err := a.FollowCodes.CreateFollowCode(ctx, f.Member(models.RoleEditor), f.Account, followcode.FollowCodeInput{Name: "Stop", Scene: "stop-1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.FollowCodes.RecordScan(ctx, c.ID, followcode.DeviceBot, "crawler"); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := a.FollowCodes.EnsureScans(ctx, c, 5, 0, []string{"phone", "wechat"}); err != nil {
				t.Fatal(err)
			}
		}
		var devices []string
		a.DB.Gorm.Model(&followcode.Scan{}).Where("code_id = ? AND device <> ?", c.ID, followcode.DeviceBot).Order("device").Pluck("device", &devices)
		if len(devices) != 5 || devices[0] != "phone" || devices[4] != "wechat" {
			t.Fatalf("scans by people %v; want 5, phones and WeChat", devices)
		}

		// Spread over four weeks, the oldest scan is weeks old, not minutes.
		weeks, err := a.FollowCodes.CreateFollowCode(ctx, f.Member(models.RoleEditor), f.Account, followcode.FollowCodeInput{Name: "Poster", Scene: "poster-1"})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.FollowCodes.EnsureScans(ctx, weeks, 8, 28*24*time.Hour, []string{"phone"}); err != nil {
			t.Fatal(err)
		}
		var oldest followcode.Scan
		if err := a.DB.Gorm.Where("code_id = ?", weeks.ID).Order("created_at").First(&oldest).Error; err != nil {
			t.Fatal(err)
		}
		if age := a.Store.Now().Sub(oldest.CreatedAt); age < 21*24*time.Hour {
			t.Errorf("the oldest of scans spread over four weeks is %v old", age)
		}
	})
}
