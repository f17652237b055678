package e2e_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/project"
)

// TestModerationTimeSavers: a moderator publishes an answer from its row
// in the queue (and hides another with the keyboard alone), and answers a
// person with a saved reply; the queue, the conversation and the saved
// replies pass axe-core in every interface language.
func TestModerationTimeSavers(t *testing.T) {
	chromium(t)
	apptest.Each(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		boss := f.Member(models.RoleOwner)
		closes := a.Store.Now().Add(7 * 24 * time.Hour)
		p, err := a.Projects.CreateProject(ctx, boss, f.Account, project.Input{
			Translations: models.Translations{"en": {"title": "Harbour Road bus lane"}, "zh-Hans": {"title": "海港路巴士专线"}},
			Public:       true, ClosesAt: &closes}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Projects.SetProjectStatus(ctx, boss, f.Account, p.ID, models.StatusChange{Status: models.ProjectConsultation}, nil); err != nil {
			t.Fatal(err)
		}
		pp, err := a.Projects.PublicProjectByID(ctx, "metro", p.ID)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, in := range []models.FeedbackInput{
			{Stance: "support", Comment: "Buses first, please.", Contact: "a@example.org", Consent: true},
			{Stance: "support", Comment: "buses first, please.", Contact: "b@example.org", Consent: true},
			{Stance: "oppose", Comment: "Shops need to load.", Consent: true},
		} {
			s, err := a.Projects.SubmitFeedback(ctx, pp, in)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, s.Feedback.ID)
		}
		const body = "Lost property is kept at Admiralty station for three months."
		saved, err := a.Chats.AddSavedReply(ctx, boss, f.Account, "Lost items", body)
		if err != nil {
			t.Fatal(err)
		}
		msg := &models.ChatMessage{AccountID: f.Account.ID, Channel: models.ChannelWebhook, Address: "+15550100", Direction: "in",
			Body: "I lost my umbrella on line 3", CreatedAt: a.Store.Now()}
		if err := a.Chats.TouchConversation(ctx, a.Store.Core, msg, true); err != nil {
			t.Fatal(err)
		}
		convs, _, err := a.Chats.Inbox(ctx, boss, f.Account, models.InboxFilter{Status: "open"})
		if err != nil || len(convs) != 1 {
			t.Fatalf("conversation: %v %v", convs, err)
		}
		queue := fmt.Sprintf("/studio/orgs/%d/accounts/metro/projects/%d/feedback", f.Org.ID, p.ID)
		inbox := fmt.Sprintf("/studio/orgs/%d/accounts/metro/inbox", f.Org.ID)
		conv := fmt.Sprintf("%s/%d", inbox, convs[0].ID)

		mod := newPerson(t, "moderator", a.URL, false)
		mod.login(f.ByRole[models.RoleModerator].Email, apptest.Password)
		for _, l := range i18n.Langs() {
			mod.open("/lang/" + string(l) + "?next=" + queue)
			mod.sees(i18n.T(l, "feedback.duplicate"))
			mod.axe()
			mod.open(conv)
			mod.axe()
			mod.open(inbox + "/replies")
			mod.axe()
		}
		mod.open("/lang/en?next=" + queue)

		// The queue opens on Pending; one row's Publish publishes that
		// answer only.
		mod.sees("Buses first, please.")
		mod.submit(fmt.Sprintf(`button[form="row-%d"][value=published]`, ids[0]))
		mod.told("The selected answers are published")
		// The keyboard reaches another row's Hide.
		mod.tabTo(fmt.Sprintf(`button[form="row-%d"][value=hidden]`, ids[2]))
		mod.do("press Enter", chromedp.KeyEvent("\r"), chromedp.Sleep(200*time.Millisecond), chromedp.WaitReady("body"))
		mod.told("The selected answers are hidden")
		var rows []models.Feedback
		a.Store.DB().Where("project_id = ?", p.ID).Order("id").Find(&rows)
		if len(rows) != 3 || rows[0].Status != models.FeedbackPublished || rows[1].Status != models.FeedbackPending || rows[2].Status != models.FeedbackHidden {
			t.Fatalf("after the row actions: %+v", rows)
		}

		// Choosing a saved reply fills the reply box.
		mod.open(conv)
		mod.sees("+15550100")
		if _, err := chromedp.Run(mod.ctx, chromedp.Evaluate[bool](fmt.Sprintf(
			`(() => { const s = document.querySelector("#f-reply"); s.value = "%d"; s.dispatchEvent(new Event("change")); return true })()`, saved.ID))); err != nil {
			mod.fail("choose the saved reply", err)
		}
		if got := mod.value("#f-text"); got != body {
			mod.fail("fill the reply box", fmt.Errorf("it holds %q", got))
		}
		// Its button does the same through the server.
		mod.open(conv)
		if _, err := chromedp.Run(mod.ctx, chromedp.Evaluate[bool](fmt.Sprintf(
			`(() => { document.querySelector("#f-reply").value = "%d"; return document.querySelector("#f-text").value === "" })()`, saved.ID))); err != nil {
			mod.fail("choose the saved reply quietly", err)
		}
		mod.submit(`form.saved-picker button[type=submit]`)
		if got := mod.value("#f-text"); got != body {
			mod.fail("fill the reply box through the server", fmt.Errorf("it holds %q", got))
		}
		mod.axe()
	})
}
