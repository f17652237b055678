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
	"github.com/plazahq/plaza/models"
)

// Tests for the moderation queue's time savers: it opens on Pending,
// publishes or hides one answer from its row, and flags duplicate text.

func TestQueueOpensOnPendingWithRowActions(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.StartWith(t, dbURL, generous)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		p := openProject(t, a, f, "")
		pp, err := a.Projects.PublicProjectByID(ctx, "metro", p.ID)
		if err != nil {
			t.Fatal(err)
		}
		submit := func(comment, contact string) *models.Feedback {
			s, err := a.Projects.SubmitFeedback(ctx, pp, models.FeedbackInput{Stance: "support", Comment: comment, Contact: contact, Consent: true})
			if err != nil {
				t.Fatal(err)
			}
			return s.Feedback
		}
		first := submit("Build the bridge now!", "a@example.org")
		copied := submit("  build the BRIDGE now!", "b@example.org")
		own := submit("Only mine", "c@example.org")
		anon1 := submit("Same words", "")
		anon2 := submit("same words", "")
		done := submit("Already seen", "d@example.org")
		mod := a.Client(t)
		mod.Login(f.ByRole[models.RoleModerator].Email, apptest.Password)
		base := fmt.Sprintf("/studio/orgs/%d/accounts/metro/projects/%d/feedback", f.Org.ID, p.ID)
		if r := mod.Post(base, url.Values{"action": {"published"}, "ids": {fmt.Sprint(done.ID)}}); r.Status != http.StatusSeeOther {
			t.Fatalf("publish: %s", r)
		}

		r := mod.Get(base)
		if r.Status != 200 || strings.Contains(r.Body, "Already seen") || !strings.Contains(r.Body, "Only mine") {
			t.Fatalf("the queue does not open on Pending: %s", r)
		}
		if !strings.Contains(r.Body, `aria-current="page">Pending (5)`) && !regexp.MustCompile(`aria-current="page"[^>]*>\s*Pending \(5\)`).MatchString(r.Body) {
			t.Fatalf("Pending is not the current tab: %s", r)
		}
		if all := mod.Get(base + "?status=all"); !strings.Contains(all.Body, "Already seen") || !strings.Contains(all.Body, "Only mine") {
			t.Fatalf("All: %s", all)
		}
		// Duplicates: the same text, whatever its case and spaces, from
		// two contacts (or two people without one); not a lone text.
		for _, tt := range []struct {
			fb  *models.Feedback
			dup bool
		}{{first, true}, {copied, true}, {own, false}, {anon1, true}, {anon2, true}} {
			row := rowOf(t, r.Body, tt.fb.ID)
			if got := strings.Contains(row, "Duplicate text"); got != tt.dup {
				t.Errorf("#%d duplicate badge %v, want %v: %s", tt.fb.ID, got, tt.dup, row)
			}
			// Each row has its own Publish and Hide, posting its own small
			// form that names the answer.
			for _, action := range []string{"published", "hidden"} {
				if !strings.Contains(row, fmt.Sprintf(`form="row-%d" name="action" value="%s"`, tt.fb.ID, action)) {
					t.Errorf("#%d has no %s button: %s", tt.fb.ID, action, row)
				}
			}
			if !regexp.MustCompile(fmt.Sprintf(`<form id="row-%d" method="post"[^>]*>(?s:.*?)name="id" value="%d"`, tt.fb.ID, tt.fb.ID)).MatchString(r.Body) {
				t.Errorf("no form for #%d", tt.fb.ID)
			}
		}
		// What the row's form posts publishes that answer only and comes
		// back to the queue.
		r = mod.Post(base, url.Values{"action": {"published"}, "id": {fmt.Sprint(own.ID)}, "back": {base}})
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, base) {
			t.Fatalf("row publish: %s", r)
		}
		r = mod.Post(base, url.Values{"action": {"hidden"}, "id": {fmt.Sprint(anon1.ID)}, "back": {base}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("row hide: %s", r)
		}
		states := map[int64]string{}
		for _, fb := range feedbackRows(t, a, p.ID) {
			states[fb.ID] = fb.Status
		}
		if states[own.ID] != models.FeedbackPublished || states[anon1.ID] != models.FeedbackHidden || states[first.ID] != models.FeedbackPending {
			t.Fatalf("states after row actions: %v", states)
		}
		// A viewer sees the queue without any buttons.
		viewer := a.Client(t)
		viewer.Login(f.ByRole[models.RoleViewer].Email, apptest.Password)
		if r := viewer.Get(base); r.Status != 200 || strings.Contains(r.Body, `form="row-`) || !strings.Contains(r.Body, "Build the bridge") {
			t.Fatalf("viewer: %s", r)
		}
	})
}

// rowOf is the queue's list item of one answer.
func rowOf(t *testing.T, body string, id int64) string {
	t.Helper()
	i := strings.Index(body, fmt.Sprintf(`value="%d" id="fb-%d"`, id, id))
	if i < 0 {
		t.Fatalf("no row for #%d", id)
	}
	end := strings.Index(body[i:], "</li>")
	return body[i : i+end]
}

// TestReportFormAsksWhy: each published comment's Report control is a
// small form with the reasons to choose from and room for a note.
func TestReportFormAsksWhy(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.StartWith(t, dbURL, generous)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		p := openProject(t, a, f, "")
		pp, err := a.Projects.PublicProjectByID(ctx, "metro", p.ID)
		if err != nil {
			t.Fatal(err)
		}
		s, err := a.Projects.SubmitFeedback(ctx, pp, models.FeedbackInput{Stance: "support", Comment: "Build it.", Consent: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Projects.ModerateFeedback(ctx, f.Member(models.RoleModerator), f.Account, p.ID, []int64{s.Feedback.ID}, models.FeedbackPublished); err != nil {
			t.Fatal(err)
		}
		r := a.Client(t).Get(fmt.Sprintf("/@metro/projects/%d", p.ID))
		for _, want := range []string{"<summary>Report this comment", fmt.Sprintf(`id="f-reason-%d" name="reason"`, s.Feedback.ID),
			`value="spam"`, `value="abusive"`, `value="personal"`, `value="off_topic"`, `value="other"`, fmt.Sprintf(`id="f-note-%d" name="note"`, s.Feedback.ID)} {
			if r.Status != 200 || !strings.Contains(r.Body, want) {
				t.Fatalf("public page lacks %q: %s", want, r)
			}
		}
		// The reason is required, and its label says so as every other
		// required field's does; refused, the select is marked invalid.
		reason := regexp.MustCompile(fmt.Sprintf(`<label for="f-reason-%d">\s*Why are you reporting it\?\s*<span class="required">\(required\)</span>\s*</label>`, s.Feedback.ID))
		if !reason.MatchString(r.Body) {
			t.Fatalf("the reason is not marked required: %s", r)
		}
		refused := a.Client(t).Post(fmt.Sprintf("/@metro/projects/%d/comments/%d/report", p.ID, s.Feedback.ID), url.Values{"note": {"Kept"}})
		if refused.Status != http.StatusUnprocessableEntity || !reason.MatchString(refused.Body) ||
			!strings.Contains(refused.Body, `name="reason" required aria-describedby="e-reason" aria-invalid="true"`) {
			t.Fatalf("refused report: %s", refused)
		}
	})
}

// TestQueueSaysHowLongAnAnswerWaited: a pending answer's row says how
// long it has waited, with the noun agreeing with the number (in English
// and in Arabic); an answer already moderated waits for nobody.
func TestQueueSaysHowLongAnAnswerWaited(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.StartWith(t, dbURL, generous)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		p := openProject(t, a, f, "")
		pp, err := a.Projects.PublicProjectByID(ctx, "metro", p.ID)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, ago := range []time.Duration{2*time.Hour + 5*time.Minute, 3 * 24 * time.Hour, time.Hour} {
			s, err := a.Projects.SubmitFeedback(ctx, pp, models.FeedbackInput{Stance: "support", Comment: "Waited " + ago.String(), Consent: true})
			if err != nil {
				t.Fatal(err)
			}
			if err := a.DB.Gorm.Exec("UPDATE feedback SET created_at = ? WHERE id = ?", a.Store.Now().Add(-ago), s.Feedback.ID).Error; err != nil {
				t.Fatal(err)
			}
			ids = append(ids, s.Feedback.ID)
		}
		if _, err := a.Projects.ModerateFeedback(ctx, f.Member(models.RoleModerator), f.Account, p.ID, ids[2:], models.FeedbackPublished); err != nil {
			t.Fatal(err)
		}
		base := fmt.Sprintf("/studio/orgs/%d/accounts/metro/projects/%d/feedback", f.Org.ID, p.ID)
		mod := a.Client(t)
		mod.Login(f.ByRole[models.RoleModerator].Email, apptest.Password)
		all := mod.Get(base + "?status=all")
		for _, tt := range []struct {
			id   int64
			want string
		}{{ids[0], "Waiting 2 hours"}, {ids[1], "Waiting 3 days"}} {
			if row := rowOf(t, all.Body, tt.id); !strings.Contains(row, tt.want) {
				t.Errorf("#%d lacks %q: %s", tt.id, tt.want, row)
			}
		}
		if row := rowOf(t, all.Body, ids[2]); strings.Contains(row, "Waiting") {
			t.Errorf("a published answer still waits: %s", row)
		}
		mod.Get("/lang/ar?next=/")
		ar := mod.Get(base)
		for _, tt := range []struct {
			id   int64
			want string
		}{{ids[0], "ينتظر منذ 2 ساعتين"}, {ids[1], "ينتظر منذ 3 أيام"}} {
			if row := rowOf(t, ar.Body, tt.id); !strings.Contains(row, tt.want) {
				t.Errorf("ar #%d lacks %q: %s", tt.id, tt.want, row)
			}
		}
	})
}

// TestQueueInlineReply: a moderator answers from a row of the queue, in
// the row's own form (no JavaScript needed), and comes back to the same
// page and filter with a status line; a refused reply is shown in its
// row with the text kept; a viewer gets no reply form.
func TestQueueInlineReply(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.StartWith(t, dbURL, generous)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		p := openProject(t, a, f, "")
		pp, err := a.Projects.PublicProjectByID(ctx, "metro", p.ID)
		if err != nil {
			t.Fatal(err)
		}
		s, err := a.Projects.SubmitFeedback(ctx, pp, models.FeedbackInput{Stance: "support", Comment: "Please add a bike lane.", Consent: true})
		if err != nil {
			t.Fatal(err)
		}
		id := s.Feedback.ID
		base := fmt.Sprintf("/studio/orgs/%d/accounts/metro/projects/%d/feedback", f.Org.ID, p.ID)
		item := fmt.Sprintf("%s/%d", base, id)
		filtered := base + "?status=all&stance=support"
		mod := a.Client(t)
		mod.Login(f.ByRole[models.RoleModerator].Email, apptest.Password)

		r := mod.Get(filtered)
		row := rowOf(t, r.Body, id)
		for _, want := range []string{"<summary>Reply", fmt.Sprintf(`<label for="f-response-%d">Official response to answer #%d</label>`, id, id),
			fmt.Sprintf(`form="reply-%d" name="response"`, id), fmt.Sprintf(`form="reply-%d" name="action" value="publish"`, id)} {
			if !strings.Contains(row, want) {
				t.Fatalf("row lacks %q: %s", want, row)
			}
		}
		form := regexp.MustCompile(fmt.Sprintf(`<form id="reply-%d" method="post" action="%s#error-summary">(?s:.*?)name="back" value="([^"]*)"`, id, regexp.QuoteMeta(item))).FindStringSubmatch(r.Body)
		if form == nil || strings.ReplaceAll(form[1], "&amp;", "&") != filtered {
			t.Fatalf("no reply form coming back to %s: %v", filtered, form)
		}

		// Too long: the queue comes back, filtered as it was, with the
		// row's reply open, the text kept and the summary linking to it.
		long := strings.Repeat("n", 5001) + "Kept"
		r = mod.Post(item, url.Values{"response": {long}, "action": {"publish"}, "back": {filtered}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("long reply: %s", r)
		}
		row = rowOf(t, r.Body, id)
		for _, want := range []string{`<details class="row-reply" open`, "Kept</textarea>", `aria-invalid="true"`, "This is too long."} {
			if !strings.Contains(row, want) {
				t.Fatalf("refused row lacks %q: %s", want, row)
			}
		}
		if !strings.Contains(r.Body, fmt.Sprintf(`<a href="#f-response-%d">This is too long.</a>`, id)) ||
			!strings.Contains(r.Body, `<option value="support" selected`) {
			t.Fatalf("refused reply's page: %s", r)
		}
		if fb := feedbackRow(t, a, id); fb.Response != "" {
			t.Fatalf("a refused reply was stored: %q", fb.Response)
		}

		// Sent: back to the same page and filter, with a status line.
		r = mod.Post(item, url.Values{"response": {"Thank you, it is in the plan."}, "action": {"publish"}, "back": {filtered}})
		if r.Status != http.StatusSeeOther || r.Location != filtered {
			t.Fatalf("reply: %s", r)
		}
		if page := mod.Get(r.Location); !strings.Contains(page.Body, "Response saved and the answer published.") ||
			!strings.Contains(rowOf(t, page.Body, id), "Thank you, it is in the plan.</textarea>") {
			t.Fatalf("after the reply: %s", page)
		}
		if fb := feedbackRow(t, a, id); fb.Response != "Thank you, it is in the plan." || fb.Status != models.FeedbackPublished {
			t.Fatalf("reply stored as %q, %s", fb.Response, fb.Status)
		}
		// A back that is not this queue is not followed: the answer's
		// own page, as from its form.
		if r := mod.Post(item, url.Values{"response": {"Again."}, "action": {"save"}, "back": {"/studio"}}); r.Status != http.StatusSeeOther || r.Location != item {
			t.Fatalf("reply with a foreign back: %s", r)
		}
		viewer := a.Client(t)
		viewer.Login(f.ByRole[models.RoleViewer].Email, apptest.Password)
		if r := viewer.Get(filtered); r.Status != 200 || strings.Contains(r.Body, `id="reply-`) || strings.Contains(r.Body, "row-reply") {
			t.Fatalf("viewer sees reply forms: %s", r)
		}
	})
}

// feedbackRow is one answer as stored.
func feedbackRow(t *testing.T, a *apptest.App, id int64) models.Feedback {
	t.Helper()
	var fb models.Feedback
	if err := a.DB.Gorm.First(&fb, id).Error; err != nil {
		t.Fatal(err)
	}
	return fb
}
