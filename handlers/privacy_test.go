package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/follower"
)

// privacyWorld is an account with two people who left traces beyond the
// follower list: Li Wei follows on the webhook (SMS) channel, wrote to
// the inbox and answered a consultation from the chat; Mei follows by
// e-mail and answered the web form with her address as the contact.
type privacyWorld struct {
	a            *apptest.App
	f            *apptest.Fixtures
	project      *models.Project
	li, mei      *models.Follower
	liAnswer     int64
	meiAnswer    int64
	strangerAns  int64
	conversation int64
	base         string
}

const liWrote = "My name is Li Wei, I live at 12 Harbour Rd"

func newPrivacyWorld(t *testing.T, dbURL string) *privacyWorld {
	t.Helper()
	ctx := context.Background()
	w := &privacyWorld{a: apptest.Start(t, dbURL)}
	w.f = apptest.Seed(t, w.a)
	s, acc := w.a.Store, w.f.Account
	w.base = fmt.Sprintf("/studio/orgs/%d/accounts/metro", w.f.Org.ID)
	var err error
	if w.li, err = w.a.Followers.SeedFollower(ctx, acc.ID, models.ChannelWebhook, "+15550123", "Li Wei", "en", nil, 0, ""); err != nil {
		t.Fatal(err)
	}
	if w.mei, err = w.a.Followers.SeedFollower(ctx, acc.ID, models.ChannelEmail, "mei@example.org", "Mei", "zh-Hans", nil, 0, ""); err != nil {
		t.Fatal(err)
	}
	in := &models.ChatMessage{AccountID: acc.ID, Channel: models.ChannelWebhook, Address: w.li.Address, FollowerID: &w.li.ID,
		Kind: "text", Body: liWrote}
	reply := models.ChatMessage{AccountID: acc.ID, Channel: models.ChannelWebhook, Address: w.li.Address, FollowerID: &w.li.ID,
		Kind: "text", Body: "Thanks, we will look into it."}
	if _, err := w.a.Chats.RecordTurn(ctx, s.Core, in, []models.ChatMessage{reply}); err != nil {
		t.Fatal(err)
	}
	if err := w.a.Chats.TouchConversation(ctx, s.Core, in, true); err != nil {
		t.Fatal(err)
	}
	if err := w.a.Chats.SaveChatSession(ctx, s.Core, &models.ChatSession{AccountID: acc.ID, Channel: models.ChannelWebhook, Address: w.li.Address,
		Flow: "feedback", State: `{"step":1}`}, time.Hour); err != nil {
		t.Fatal(err)
	}
	list, _, err := w.a.Chats.Inbox(ctx, w.f.Member(models.RoleOwner), acc, models.InboxFilter{Status: "all"})
	if err != nil || len(list) != 1 {
		t.Fatalf("inbox: %d, %v", len(list), err)
	}
	w.conversation = list[0].ID

	w.project = openProject(t, w.a, w.f, "")
	pp, err := w.a.Projects.PublicProjectByID(ctx, "metro", w.project.ID)
	if err != nil {
		t.Fatal(err)
	}
	submit := func(in models.FeedbackInput) int64 {
		t.Helper()
		in.Consent = true
		sub, err := w.a.Projects.SubmitFeedback(ctx, pp, in)
		if err != nil {
			t.Fatal(err)
		}
		return sub.Feedback.ID
	}
	w.liAnswer = submit(models.FeedbackInput{Stance: models.StanceOppose, Comment: "Too loud at night", Name: "Li Wei",
		Channel: models.ChannelWebhook, FollowerID: &w.li.ID, ChatAddress: w.li.Address})
	w.meiAnswer = submit(models.FeedbackInput{Stance: models.StanceSupport, Comment: "Finally!", Name: "Mei Lin",
		Contact: "Mei@Example.org", Channel: "web"})
	w.strangerAns = submit(models.FeedbackInput{Stance: models.StanceNeutral, Comment: "Fine", Name: "Someone",
		Contact: "someone@example.org", Channel: "web"})
	return w
}

func (w *privacyWorld) client(t *testing.T, r models.Role) *apptest.Client {
	c := w.a.Client(t)
	c.Login(w.f.ByRole[r].Email, apptest.Password)
	return c
}

// TestFollowerDataExportIncludesChatsAndAnswers: a person's data export
// holds what they wrote in chats and answered in consultations, and its
// audit entry says how much it held.
func TestFollowerDataExportIncludesChatsAndAnswers(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := newPrivacyWorld(t, dbURL)
		owner := w.client(t, models.RoleOwner)
		for _, tt := range []struct {
			f         *models.Follower
			chats     []string
			answer    string
			answerVia string
		}{
			{w.li, []string{"in:" + liWrote, "out:Thanks, we will look into it."}, "Too loud at night", "webhook"},
			{w.mei, nil, "Finally!", "web"},
		} {
			res := owner.Get(fmt.Sprintf("%s/followers/%d/export.json", w.base, tt.f.ID))
			if res.Status != http.StatusOK {
				t.Fatalf("export %s: %s", tt.f.Address, res)
			}
			var d follower.FollowerData
			if err := json.Unmarshal([]byte(res.Body), &d); err != nil {
				t.Fatal(err)
			}
			var chats []string
			for _, m := range d.Chats {
				chats = append(chats, m.Direction+":"+m.Body)
			}
			if strings.Join(chats, "|") != strings.Join(tt.chats, "|") {
				t.Fatalf("%s: chats %q; want %q", tt.f.Address, chats, tt.chats)
			}
			if len(d.Answers) != 1 || d.Answers[0].Comment != tt.answer || d.Answers[0].FromChannel != tt.answerVia ||
				d.Answers[0].Project != "Harbour Bridge" {
				t.Fatalf("%s: answers %+v", tt.f.Address, d.Answers)
			}
			var e models.AuditEntry
			if err := w.a.DB.Gorm.Where("action = 'follower.export' AND detail LIKE ?", fmt.Sprintf("#%d %%", tt.f.ID)).First(&e).Error; err != nil {
				t.Fatalf("no audit entry for the export of %s: %v", tt.f.Address, err)
			}
			want := fmt.Sprintf("#%d (1 follow events, %d chat messages, 1 answers)", tt.f.ID, len(tt.chats))
			if e.Detail != want || e.UserID == nil || *e.UserID != w.f.ByRole[models.RoleOwner].ID {
				t.Fatalf("audit entry %+v; want detail %q by the owner", e, want)
			}
		}
	})
}

// TestEraseFollowerLeavesNoChatTrace: erasing a follower removes their
// chats (messages, inbox conversation, a conversation in progress) and
// the name and contact of their answers, which still count; other
// people's data stays.
func TestEraseFollowerLeavesNoChatTrace(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := newPrivacyWorld(t, dbURL)
		ctx := context.Background()
		owner := w.client(t, models.RoleOwner)
		inbox := fmt.Sprintf("%s/inbox/%d", w.base, w.conversation)
		if res := owner.Get(inbox); res.Status != http.StatusOK || !strings.Contains(res.Body, "12 Harbour Rd") {
			t.Fatalf("inbox before erasing: %s", res)
		}
		for _, f := range []*models.Follower{w.li, w.mei} {
			if res := owner.Post(fmt.Sprintf("%s/followers/%d/erase", w.base, f.ID), nil); res.Status != http.StatusSeeOther {
				t.Fatalf("erase %s: %s", f.Address, res)
			}
		}
		count := func(table, where string, args ...any) int64 {
			var n int64
			if err := w.a.DB.Gorm.Table(table).Where(where, args...).Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}
		for _, c := range []struct {
			table, where string
		}{
			{"chat_messages", "address = '+15550123' OR body LIKE '%Harbour Rd%'"},
			{"chat_conversations", "address = '+15550123' OR preview LIKE '%Harbour Rd%'"},
			{"chat_sessions", "address = '+15550123'"},
			{"feedback", "name IN ('Li Wei', 'Mei Lin') OR lower(contact) LIKE 'mei@%' OR contact_key LIKE '%15550123%' OR contact_key LIKE '%mei@%'"},
		} {
			if n := count(c.table, c.where); n != 0 {
				t.Errorf("%d rows of %s still hold the erased people's data", n, c.table)
			}
		}
		if res := owner.Get(inbox); res.Status != http.StatusNotFound {
			t.Fatalf("inbox after erasing: %s", res)
		}
		// The answers still count, without anyone's name; the stranger's
		// answer is untouched.
		if n := count("feedback", "project_id = ?", w.project.ID); n != 3 {
			t.Fatalf("%d answers left; want 3", n)
		}
		fb, err := w.a.Projects.OrgFeedbackItem(ctx, w.f.Member(models.RoleOwner), w.f.Account, w.project.ID, w.liAnswer)
		if err != nil || fb.Comment != "Too loud at night" || fb.Name != "" || fb.FollowerID != nil || fb.ContactKey != nil {
			t.Fatalf("Li's answer after erasing: %+v, %v", fb, err)
		}
		fb, err = w.a.Projects.OrgFeedbackItem(ctx, w.f.Member(models.RoleOwner), w.f.Account, w.project.ID, w.strangerAns)
		if err != nil || fb.Name != "Someone" || fb.Contact != "someone@example.org" {
			t.Fatalf("a stranger's answer changed: %+v, %v", fb, err)
		}
	})
}

// TestExportsAreAudited: every download of contact details leaves an
// entry saying who took how many rows of what.
func TestExportsAreAudited(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := newPrivacyWorld(t, dbURL)
		mod := w.client(t, models.RoleModerator)
		project := fmt.Sprintf("%s/projects/%d", w.base, w.project.ID)
		for _, tt := range []struct {
			path, action, detail string
		}{
			{w.base + "/followers/export.csv", "followers.export", "all (2 rows)"},
			{w.base + "/followers/export.csv?channel=email", "followers.export", "channel=email (1 rows)"},
			{project + "/export.csv", "feedback.export", "csv (3 rows)"},
			{project + "/export.json", "feedback.export", "json (3 rows)"},
		} {
			if res := mod.Get(tt.path); res.Status != http.StatusOK {
				t.Fatalf("GET %s: %s", tt.path, res)
			}
			var e models.AuditEntry
			if err := w.a.DB.Gorm.Order("id DESC").First(&e).Error; err != nil {
				t.Fatal(err)
			}
			if e.Action != tt.action || e.Detail != tt.detail || e.UserID == nil || *e.UserID != w.f.ByRole[models.RoleModerator].ID {
				t.Fatalf("GET %s: last audit entry %+v; want %s %q by the moderator", tt.path, e, tt.action, tt.detail)
			}
		}
	})
}
