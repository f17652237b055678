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
		if r := c.Get(inbox); r.Status != 200 || !strings.Contains(r.Body, "Waiting 3 hours") {
			t.Fatalf("inbox without the wait: %s", r)
		}
		page := fmt.Sprintf("%s/%d", inbox, conv.ID)
		r := c.Get(page)
		for _, want := range []string{"Who this is", "Waiting 3 hours", "line-12", "wan-chai", "Follow history", "Followed"} {
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

// TestSavedReplies: staff keep replies for the inbox, pick one into the
// reply box (the server fills it without JavaScript) and send it after a
// change; bad input keeps what was typed.
func TestSavedReplies(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := startChat(t, dbURL, nil)
		a, f := w.a, w.f
		ctx := context.Background()
		c := a.Client(t)
		c.Login(f.ByRole[models.RoleModerator].Email, apptest.Password)
		inbox := fmt.Sprintf("/studio/orgs/%d/accounts/metro/inbox", f.Org.ID)
		replies := inbox + "/replies"

		if r := c.Get(replies); r.Status != 200 || !strings.Contains(r.Body, "No saved replies yet") {
			t.Fatalf("empty list: %s", r)
		}
		for _, tt := range []struct {
			name  string
			form  url.Values
			field string
			msg   string
		}{
			{"no title", url.Values{"title": {" "}, "body": {"Kept text"}}, "title", "required"},
			{"long title", url.Values{"title": {strings.Repeat("t", 101)}, "body": {"Kept text"}}, "title", "at most 100"},
			{"no body", url.Values{"title": {"Lost items"}}, "body", "required"},
			{"long body", url.Values{"title": {"Lost items"}, "body": {strings.Repeat("長", 4001)}}, "body", "4,000"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				r := c.Post(replies, tt.form)
				if r.Status != 422 || !strings.Contains(r.Body, `id="e-`+tt.field+`"`) || !strings.Contains(r.Body, tt.msg) {
					t.Fatalf("%s: %s", tt.name, r)
				}
				if v := tt.form.Get("title"); v != "" && len(v) < 100 && !strings.Contains(r.Body, `value="`+v+`"`) {
					t.Fatalf("title lost: %s", r)
				}
			})
		}
		if r := c.Post(replies, url.Values{"title": {"Lost items"}, "body": {"Lost property is kept at Admiralty station for 3 months."}}); r.Status != 303 {
			t.Fatalf("add: %s", r)
		}
		list, err := a.Chats.SavedReplies(ctx, f.Member(models.RoleOwner), f.Account)
		if err != nil || len(list) != 1 || list[0].Title != "Lost items" {
			t.Fatalf("saved: %+v %v", list, err)
		}
		saved := list[0]

		postTelegram(t, w, "tg-secret-1", tgMessage(1, 42, "I lost my umbrella on line 3"))
		convs, _, err := a.Chats.Inbox(ctx, f.Member(models.RoleOwner), f.Account, models.InboxFilter{Status: "open"})
		if err != nil || len(convs) != 1 {
			t.Fatalf("conversations: %v %v", convs, err)
		}
		page := fmt.Sprintf("%s/%d", inbox, convs[0].ID)
		r := c.Get(page)
		if r.Status != 200 || !strings.Contains(r.Body, `data-fills="f-text"`) || !strings.Contains(r.Body, ">Lost items</option>") {
			t.Fatalf("no saved replies by the reply box: %s", r)
		}
		// Without JavaScript: the button fills the box.
		r = c.Post(page+"/saved", url.Values{"reply": {fmt.Sprint(saved.ID)}})
		if r.Status != 200 || !strings.Contains(r.Body, ">Lost property is kept at Admiralty station for 3 months.</textarea>") {
			t.Fatalf("fill: %s", r)
		}
		for _, bad := range []string{"", "x", "999999"} {
			if r := c.Post(page+"/saved", url.Values{"reply": {bad}, "text": {"half a reply"}}); r.Status != 422 ||
				!strings.Contains(r.Body, "Choose one of the options") || !strings.Contains(r.Body, "half a reply</textarea>") {
				t.Fatalf("bad choice %q: %s", bad, r)
			}
		}
		// Staff of another organization cannot delete it.
		out := a.Client(t)
		out.Login(f.Outside.Email, apptest.Password)
		if r := out.Post(fmt.Sprintf("/studio/orgs/%d/accounts/metro/inbox/replies/%d/delete", f.Org.ID, saved.ID), nil); r.Status != 404 && r.Status != 403 {
			t.Fatalf("outsider delete: %s", r)
		}
		if r := c.Post(fmt.Sprintf("%s/%d/delete", replies, saved.ID), nil); r.Status != 303 {
			t.Fatalf("delete: %s", r)
		}
		if r := c.Get(page); strings.Contains(r.Body, "Lost items") || !strings.Contains(r.Body, "Manage saved replies") {
			t.Fatalf("deleted reply still offered: %s", r)
		}
	})
}
