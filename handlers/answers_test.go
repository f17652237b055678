package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/mailer"
	"github.com/plazahq/plaza/mailer/smtpsink"
	"github.com/plazahq/plaza/models"
)

// answerLinkRE finds the confirmation link of an answer revision in a
// message.
var answerLinkRE = regexp.MustCompile(`http://plaza\.test(/answers/confirm/[A-Za-z0-9_-]+)`)

// answer is one citizen's form on a project page.
func answer(stance, comment, contact string) url.Values {
	return url.Values{"stance": {stance}, "comment": {comment}, "name": {"Mrs Chan"}, "contact": {contact}, "consent": {"on"}}
}

// thanksPage is what a citizen is shown after answering: where the form
// sent them, and that page with their own CSRF token blanked (the only
// part that may differ from one person to another).
func thanksPage(t *testing.T, c *apptest.Client, path string, form url.Values) (string, string) {
	t.Helper()
	r := c.Post(path+"/feedback", form)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("answer: %s", r)
	}
	page := c.Get(r.Location)
	if page.Status != http.StatusOK {
		t.Fatalf("thanks: %s", page)
	}
	return r.Location, strings.ReplaceAll(page.Body, c.CSRF(), "CSRF")
}

// rowsAtLeast is the project's answers in id order, failing the test when
// fewer than n were stored.
func rowsAtLeast(t *testing.T, a *apptest.App, projectID int64, n int) []models.Feedback {
	t.Helper()
	rows := feedbackRows(t, a, projectID)
	if len(rows) < n {
		t.Fatalf("want at least %d answers stored, got %+v", n, rows)
	}
	return rows
}

func feedbackByID(t *testing.T, a *apptest.App, id int64) models.Feedback {
	t.Helper()
	var f models.Feedback
	if err := a.Store.DB().First(&f, id).Error; err != nil {
		t.Fatal(err)
	}
	return f
}

// respond publishes an answer with an official response, as a moderator.
func respond(t *testing.T, a *apptest.App, f *apptest.Fixtures, projectID, id int64, text string) {
	t.Helper()
	if _, err := a.Projects.RespondToFeedback(context.Background(), f.Member(models.RoleModerator), f.Account, projectID, id, text, true); err != nil {
		t.Fatal(err)
	}
}

func results(t *testing.T, a *apptest.App, projectID int64) models.StanceCount {
	t.Helper()
	r, err := a.Projects.ProjectResults(context.Background(), projectID)
	if err != nil {
		t.Fatal(err)
	}
	return r.All
}

// TestAnswerReplacementAttack is the review's reproduction: knowing a
// citizen's e-mail address must not let a stranger replace their answer,
// move the official response under other words, or learn that they took
// part.
func TestAnswerReplacementAttack(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.StartWith(t, dbURL, generous)
		f := apptest.Seed(t, a)
		p := openProject(t, a, f, "")
		path := fmt.Sprintf("/@metro/projects/%d", p.ID)
		const (
			victimText = "I strongly oppose the bus lane; it kills my shop."
			response   = "Thank you Mrs Chan, we will keep loading bays for shops."
			attackText = "Great plan, I fully support it. Shops do not need parking."
		)
		victim := a.Client(t)
		victimWhere, victimThanks := thanksPage(t, victim, path, answer("oppose", victimText, "chan.victim@example.org"))
		rows := feedbackRows(t, a, p.ID)
		if len(rows) != 1 {
			t.Fatalf("victim's answer: %+v", rows)
		}
		respond(t, a, f, p.ID, rows[0].ID, response)
		before := feedbackByID(t, a, rows[0].ID)

		// A stranger, with no cookie of the victim's, types the same
		// address in other letters.
		attacker := a.Client(t)
		attackWhere, attackThanks := thanksPage(t, attacker, path, answer("support", attackText, "CHAN.VICTIM@example.org"))
		// And someone whose address never answered, for comparison.
		other := a.Client(t)
		otherWhere, otherThanks := thanksPage(t, other, path, answer("neutral", "", "someone.new@example.org"))

		if attackWhere != victimWhere || attackWhere != otherWhere || strings.Contains(attackWhere, "?") {
			t.Fatalf("redirects differ: victim %q, attacker %q, new contact %q", victimWhere, attackWhere, otherWhere)
		}
		if attackThanks != victimThanks || attackThanks != otherThanks {
			t.Fatalf("the thank-you page tells the attacker the contact had answered:\nfirst answer:\n%s\nsame contact again:\n%s", victimThanks, attackThanks)
		}

		after := feedbackByID(t, a, before.ID)
		if after.Stance != "oppose" || after.Comment != victimText || after.Response != response || after.Status != models.FeedbackPublished ||
			after.RevisionState != models.RevisionCurrent || !after.UpdatedAt.Equal(before.UpdatedAt) {
			t.Fatalf("the victim's answer changed: %+v", after)
		}
		if got := results(t, a, p.ID); got.Oppose != 1 || got.Support != 0 || got.Neutral != 1 {
			t.Fatalf("results count the attacker's answer: %+v", got)
		}
		page := a.Client(t).Get(path)
		if !strings.Contains(page.Body, victimText) || !strings.Contains(page.Body, response) || strings.Contains(page.Body, "Great plan") {
			t.Fatalf("project page: %s", page)
		}
		// The attacker's answer waits, unconfirmed, beside the victim's.
		rows = feedbackRows(t, a, p.ID)
		if len(rows) != 3 || rows[1].Comment != attackText || rows[1].RevisionState != models.RevisionUnconfirmed ||
			rows[1].RevisesID == nil || *rows[1].RevisesID != before.ID || rows[1].Response != "" {
			t.Fatalf("stored: %+v", rows)
		}
	})
}

// TestAnswerRevisionConfirmedByMail: a revision with an e-mail contact
// replaces the earlier answer only when the link mailed to that address
// is followed (opening it only asks), and the official response stays
// with the text it answered.
func TestAnswerRevisionConfirmedByMail(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a, sink := startWithSink(t, dbURL)
		a.StartWorkers(t)
		f := apptest.Seed(t, a)
		p := openProject(t, a, f, "")
		path := fmt.Sprintf("/@metro/projects/%d", p.ID)
		citizen := a.Client(t)
		thanksPage(t, citizen, path, answer("oppose", "Too expensive.", "ming@example.org"))
		first := rowsAtLeast(t, a, p.ID, 1)[0]
		respond(t, a, f, p.ID, first.ID, "The budget is in the documents.")

		thanksPage(t, citizen, path, answer("support", "I read the budget; fine.", "Ming@Example.org"))
		rev := rowsAtLeast(t, a, p.ID, 2)[1]
		msg := waitMail(t, sink, "ming@example.org", "Confirm the change")
		m := answerLinkRE.FindStringSubmatch(msg.Text)
		if m == nil || !strings.Contains(msg.Text, "Support") || strings.Contains(msg.Text, "I read the budget") {
			t.Fatalf("confirmation message:\n%s", msg.Text)
		}
		link := m[1]
		if feedbackByID(t, a, first.ID).RevisionState != models.RevisionCurrent || feedbackByID(t, a, rev.ID).RevisionState != models.RevisionUnconfirmed {
			t.Fatal("the revision took effect before its link was followed")
		}

		// Links that are not this one's are refused: forged, for another
		// purpose, or expired.
		signer := a.Links.Signer
		for _, bad := range []struct {
			token  string
			status int
		}{
			{"not-a-token", http.StatusBadRequest},
			{signer.Sign(mailer.PurposeConfirm, rev.ID, time.Now().Add(time.Hour)), http.StatusBadRequest},
			{signer.Sign(mailer.PurposeAnswer, rev.ID, time.Now().Add(-time.Minute)), http.StatusGone},
		} {
			if r := citizen.Get("/answers/confirm/" + bad.token); r.Status != bad.status {
				t.Fatalf("token %q: %s", bad.token, r)
			}
			if r := citizen.Post("/answers/confirm/"+bad.token, nil); r.Status != bad.status {
				t.Fatalf("token %q, POST: %s", bad.token, r)
			}
		}

		// Opening the link (as a mail scanner does) shows both answers and
		// only asks.
		r := citizen.Get(link)
		if r.Status != http.StatusOK || !strings.Contains(r.Body, "Too expensive.") || !strings.Contains(r.Body, "I read the budget; fine.") ||
			!strings.Contains(r.Body, "Yes, replace my earlier answer") {
			t.Fatalf("confirm page: %s", r)
		}
		if feedbackByID(t, a, first.ID).RevisionState != models.RevisionCurrent {
			t.Fatal("opening the link replaced the answer")
		}
		if got := results(t, a, p.ID); got.Oppose != 1 || got.Support != 0 {
			t.Fatalf("results before confirmation: %+v", got)
		}

		// A stranger's revision, sent meanwhile, will not apply once the
		// owner's is confirmed.
		thanksPage(t, a.Client(t), path, answer("neutral", "Whatever.", "MING@example.org"))
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		stray, err := sink.WaitFor(ctx, func(m smtpsink.Message) bool {
			return strings.Contains(m.Subject, "Confirm the change") && m.Text != msg.Text
		})
		if err != nil {
			t.Fatalf("waiting for the second message: %v", err)
		}

		if r := citizen.Post(link, nil); r.Status != http.StatusOK || !strings.Contains(r.Body, "Your new answer now replaces the earlier one") {
			t.Fatalf("confirm: %s", r)
		}
		old, cur := feedbackByID(t, a, first.ID), feedbackByID(t, a, rev.ID)
		if old.RevisionState != models.RevisionSuperseded || old.Comment != "Too expensive." || old.Response != "The budget is in the documents." {
			t.Fatalf("earlier answer after confirmation: %+v", old)
		}
		if cur.RevisionState != models.RevisionCurrent || cur.Response != "" || cur.ResponseAt != nil || cur.Status != models.FeedbackPending {
			t.Fatalf("new answer after confirmation: %+v", cur)
		}
		if got := results(t, a, p.ID); got.Oppose != 0 || got.Support != 1 || got.Neutral != 0 {
			t.Fatalf("results after confirmation: %+v", got)
		}
		// The response is no longer shown under any text on the project page.
		if page := a.Client(t).Get(path); strings.Contains(page.Body, "The budget is in the documents.") || strings.Contains(page.Body, "Too expensive.") {
			t.Fatalf("project page after confirmation: %s", page)
		}
		// A second click changes nothing; the stray revision's link no
		// longer applies.
		if r := citizen.Post(link, nil); r.Status != http.StatusOK || !strings.Contains(r.Body, "replaces the earlier one") {
			t.Fatalf("second confirm: %s", r)
		}
		if r := citizen.Get(link); r.Status != http.StatusOK || !strings.Contains(r.Body, "replaces the earlier one") {
			t.Fatalf("confirm page once confirmed: %s", r)
		}
		sm := answerLinkRE.FindStringSubmatch(stray.Text)
		if sm == nil {
			t.Fatalf("stray message:\n%s", stray.Text)
		}
		if r := citizen.Post(sm[1], nil); r.Status != http.StatusGone || !strings.Contains(r.Body, "no longer applies") {
			t.Fatalf("stray link: %s", r)
		}
		if got := results(t, a, p.ID); got.Support != 1 || got.Neutral != 0 {
			t.Fatalf("results after the stray link: %+v", got)
		}
	})
}

// TestPhoneRevisionForModerators: a phone number cannot be confirmed, so
// moderators see both answers side by side, marked, and results count the
// earlier one until a moderator accepts the change.
func TestPhoneRevisionForModerators(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.StartWith(t, dbURL, generous)
		f := apptest.Seed(t, a)
		p := openProject(t, a, f, "")
		path := fmt.Sprintf("/@metro/projects/%d", p.ID)
		thanksPage(t, a.Client(t), path, answer("oppose", "No more noise, please.", "+852 9123 4567"))
		thanksPage(t, a.Client(t), path, answer("support", "Noise is fine by me.", "+852 9123-4567"))
		thanksPage(t, a.Client(t), path, answer("neutral", "By e-mail.", "mail@example.org"))
		thanksPage(t, a.Client(t), path, answer("support", "E-mail again.", "mail@example.org"))
		rows := rowsAtLeast(t, a, p.ID, 4)
		first, rev, mailRev := rows[0], rows[1], rows[3]
		respond(t, a, f, p.ID, first.ID, "We will fit quiet surfaces.")
		if got := results(t, a, p.ID); got.Oppose != 1 || got.Support != 0 || got.Neutral != 1 {
			t.Fatalf("results count an unconfirmed revision: %+v", got)
		}

		base := fmt.Sprintf("/studio/orgs/%d/accounts/metro/projects/%d", f.Org.ID, p.ID)
		mod := a.Client(t)
		mod.Login(f.ByRole[models.RoleModerator].Email, apptest.Password)
		q := mod.Get(base + "/feedback?status=all") // the queue opens on Pending; the first answer is published
		revMark := fmt.Sprintf("Same contact as answer #%d — not confirmed", first.ID)
		firstMark := fmt.Sprintf("Changed by the same contact: #%d — not confirmed", rev.ID)
		if q.Status != http.StatusOK || !strings.Contains(q.Body, revMark) || !strings.Contains(q.Body, firstMark) {
			t.Fatalf("queue does not mark the phone revision: %s", q)
		}
		// Side by side: the revision right after the answer it revises.
		if i, j := strings.Index(q.Body, "No more noise"), strings.Index(q.Body, "Noise is fine"); i < 0 || j < i ||
			strings.Index(q.Body, "By e-mail.") < j {
			t.Fatalf("revision not next to its answer: %s", q)
		}
		// The e-mail revision waits for its link, not for moderators.
		if strings.Contains(q.Body, "E-mail again.") {
			t.Fatalf("queue shows a revision that waits for its e-mail link: %s", q)
		}
		item := mod.Get(fmt.Sprintf("%s/feedback/%d", base, rev.ID))
		if !strings.Contains(item.Body, "not confirmed") || !strings.Contains(item.Body, fmt.Sprintf("Accept this change in place of #%d", first.ID)) {
			t.Fatalf("revision page: %s", item)
		}
		// A viewer sees it but cannot accept it; an e-mail revision is not
		// a moderator's to accept.
		viewer := a.Client(t)
		viewer.Login(f.ByRole[models.RoleViewer].Email, apptest.Password)
		if r := viewer.Get(fmt.Sprintf("%s/feedback/%d", base, rev.ID)); r.Status != http.StatusOK || strings.Contains(r.Body, "Accept this change") {
			t.Fatalf("viewer's revision page: %s", r)
		}
		if r := viewer.Post(fmt.Sprintf("%s/feedback/%d/accept", base, rev.ID), nil); r.Status != http.StatusForbidden {
			t.Fatalf("viewer accepted: %s", r)
		}
		if r := mod.Post(fmt.Sprintf("%s/feedback/%d/accept", base, mailRev.ID), nil); r.Status != http.StatusSeeOther {
			t.Fatalf("accept an e-mail revision: %s", r)
		}
		if r := mod.Get(fmt.Sprintf("%s/feedback/%d", base, mailRev.ID)); !strings.Contains(r.Body, "is not a change waiting for a moderator") {
			t.Fatalf("accepting an e-mail revision was not refused: %s", r)
		}
		if got := feedbackByID(t, a, mailRev.ID); got.RevisionState != models.RevisionUnconfirmed {
			t.Fatalf("a moderator confirmed an e-mail revision: %+v", got)
		}

		if r := mod.Post(fmt.Sprintf("%s/feedback/%d/accept", base, rev.ID), nil); r.Status != http.StatusSeeOther {
			t.Fatalf("accept: %s", r)
		}
		old, cur := feedbackByID(t, a, first.ID), feedbackByID(t, a, rev.ID)
		if old.RevisionState != models.RevisionSuperseded || old.Response != "We will fit quiet surfaces." || old.Comment != "No more noise, please." {
			t.Fatalf("earlier answer after accepting: %+v", old)
		}
		if cur.RevisionState != models.RevisionCurrent || cur.Response != "" || cur.Comment != "Noise is fine by me." {
			t.Fatalf("accepted revision: %+v", cur)
		}
		if got := results(t, a, p.ID); got.Oppose != 0 || got.Support != 1 || got.Neutral != 1 {
			t.Fatalf("results after accepting: %+v", got)
		}
		if n := countRows(t, a, "audit_log", "action = ?", "feedback.accept_revision"); n != 1 {
			t.Fatalf("audit entries: %d", n)
		}
		// Accepting twice does nothing more.
		mod.Post(fmt.Sprintf("%s/feedback/%d/accept", base, rev.ID), nil)
		if n := countRows(t, a, "audit_log", "action = ?", "feedback.accept_revision"); n != 1 {
			t.Fatalf("audit entries after a second accept: %d", n)
		}
		q = mod.Get(base + "/feedback")
		if strings.Contains(q.Body, "No more noise") || !strings.Contains(q.Body, "Noise is fine by me.") {
			t.Fatalf("queue after accepting: %s", q)
		}
	})
}
