package handlers_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

// TestInboxShowsThePerson: the inbox names the person behind a platform
// ID, with their tags and follow history, and says how long an open,
// unanswered conversation has waited.
func TestInboxShowsThePerson(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := startChat(t, dbURL, nil)
		a, f := w.a, w.f
		ctx := context.Background()
		c := a.Client(t)
		c.Login(f.ByRole[models.RoleModerator].Email, apptest.Password)
		inbox := fmt.Sprintf("/studio/orgs/%d/accounts/metro/inbox", f.Org.ID)

		postTelegram(t, w, "tg-secret-1", tgMessage(1, 42, "/start"))
		postTelegram(t, w, "tg-secret-1", tgMessage(2, 42, "Bus 12 skipped my stop"))
		list, _, err := a.Chats.Inbox(ctx, f.Member(models.RoleOwner), f.Account, models.InboxFilter{Status: "open"})
		if err != nil || len(list) != 1 || list[0].FollowerID == nil {
			t.Fatalf("conversation with a follower: %+v %v", list, err)
		}
		conv := list[0]
		owner := f.Member(models.RoleOwner)
		if err := a.Followers.SetFollowerTags(ctx, owner, f.Account, *conv.FollowerID, []string{"line-12", "wan-chai"}); err != nil {
			t.Fatal(err)
		}
		// The person wrote three hours ago and nobody has answered.
		ago := a.Store.Now().Add(-3*time.Hour - time.Minute)
		if err := a.DB.Gorm.Exec("UPDATE chat_conversations SET last_inbound_at = ?, last_message_at = ? WHERE id = ?", ago, ago, conv.ID).Error; err != nil {
			t.Fatal(err)
		}
		if r := c.Get(inbox); r.Status != 200 || !strings.Contains(r.Body, "Waiting 3 h") {
			t.Fatalf("inbox without the wait: %s", r)
		}
		page := fmt.Sprintf("%s/%d", inbox, conv.ID)
		r := c.Get(page)
		for _, want := range []string{"Who this is", "Waiting 3 h", "line-12", "wan-chai", "Follow history", "Followed"} {
			if r.Status != 200 || !strings.Contains(r.Body, want) {
				t.Fatalf("conversation lacks %q: %s", want, r)
			}
		}
		// Answered: nobody waits any more.
		if r := c.Post(page+"/reply", url.Values{"text": {"Sorry! We have told the depot."}}); r.Status != 303 {
			t.Fatalf("reply: %s", r)
		}
		if r := c.Get(inbox); strings.Contains(r.Body, "Waiting") {
			t.Fatalf("an answered conversation still waits: %s", r)
		}
		// Someone who never followed is said to be so.
		if err := a.DB.Gorm.Exec("UPDATE chat_conversations SET follower_id = NULL WHERE id = ?", conv.ID).Error; err != nil {
			t.Fatal(err)
		}
		if r := c.Get(page); r.Status != 200 || !strings.Contains(r.Body, "does not follow the account") {
			t.Fatalf("no follower: %s", r)
		}
	})
}
