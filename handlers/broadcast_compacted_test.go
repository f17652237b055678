package handlers_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
)

// TestCompactedBroadcastPage: once the delivery retention removed a
// finished broadcast's per-recipient rows, its page keeps the counts and
// says the detail was removed, rather than "no failures", and offers no
// retry of failures it no longer has.
func TestCompactedBroadcastPage(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a, f, _ := startSMS(t, dbURL)
		ctx := context.Background()
		a.StartWorkers(t)
		// The account has no webhook: those deliveries fail.
		for i := range 2 {
			if _, err := a.Followers.SeedFollower(ctx, f.Account.ID, models.ChannelWebhook, fmt.Sprintf("+1555000%d", i), "", "en", nil, 0, ""); err != nil {
				t.Fatal(err)
			}
		}
		b := publishAndWait(t, a, f, notice.Input{Kind: models.NoticeTransit, Translations: models.Texts("en", "title", "Line 12 diverted",
			"body", "Buses run via Park Road.")})
		if b.Failed != 2 {
			t.Fatalf("broadcast %+v", b)
		}
		c := a.Client(t)
		c.Login(f.ByRole[models.RoleOwner].Email, apptest.Password)
		page := fmt.Sprintf("/studio/orgs/%d/accounts/metro/broadcasts/%d", f.Org.ID, b.ID)
		if r := c.Get(page); r.Status != 200 || !strings.Contains(r.Body, "/retry") || strings.Contains(r.Body, "per-recipient detail") {
			t.Fatalf("before compaction: %s", r)
		}
		if err := a.Store.DB().Exec(`UPDATE broadcasts SET finished_at = ? WHERE id = ?`, time.Now().Add(-100*24*time.Hour), b.ID).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := a.Broadcasts.CompactLedger(ctx, 90*24*time.Hour); err != nil {
			t.Fatal(err)
		}
		r := c.Get(page)
		if r.Status != 200 || !strings.Contains(r.Body, "The per-recipient detail of this broadcast was removed on") ||
			!strings.Contains(r.Body, "The failed recipients and their reasons were removed") || strings.Contains(r.Body, "/retry") ||
			strings.Contains(r.Body, "No failures") {
			t.Fatalf("after compaction: %s", r)
		}
		zh := sendWith(t, a, c, "GET", page+"/progress", nil, map[string]string{"Accept-Language": "zh-CN"})
		if !strings.Contains(zh.Body, "逐位接收者明细已于") {
			t.Fatalf("in Simplified Chinese: %s", zh.Body)
		}
	})
}
