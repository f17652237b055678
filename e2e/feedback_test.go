package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/project"
)

// withoutJavaScript turns scripts off in the person's tab, as for a
// citizen whose browser has them disabled.
func withoutJavaScript(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
	_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
	return chromedp.Void{}, err
}

// TestFeedbackJourneys: citizens answer a consultation on their phones,
// with JavaScript and without it, and with the keyboard alone; a
// moderator publishes an answer with an official response, which then
// shows on the project page.
func TestFeedbackJourneys(t *testing.T) {
	chromium(t)
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		boss := f.Member(models.RoleOwner)
		closes := a.Store.Now().Add(5 * 24 * time.Hour)
		lat, lng := 22.2855, 114.1577
		p, err := a.Projects.CreateProject(ctx, boss, f.Account, project.Input{Translations: models.Translations{
			"en":      {"title": "Harbour Road bus lane", "summary": "A lane for buses in the rush hours.", "body": "## Why\n\nLine 12 is slow."},
			"zh-Hans": {"title": "海港路巴士专线"}}, Address: "Harbour Road",
			Latitude: &lat, Longitude: &lng, Districts: "Central\nWan Chai", Public: true, ClosesAt: &closes}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Projects.AddProjectQuestion(ctx, boss, f.Account, p.ID, models.QuestionInput{Kind: models.QuestionSingle,
			Translations: models.Translations{"en": {"label": "How do you travel?", "options": "Bus\nWalk"}}, Required: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Projects.SetProjectStatus(ctx, boss, f.Account, p.ID, models.StatusChange{Status: models.ProjectConsultation}, nil); err != nil {
			t.Fatal(err)
		}
		page := fmt.Sprintf("/@metro/projects/%d", p.ID)
		var qid int64
		a.Store.DB().Raw(`SELECT id FROM project_questions WHERE project_id = ?`, p.ID).Scan(&qid)
		q := fmt.Sprintf("q%d", qid)

		// With JavaScript, on a phone.
		js := newPerson(t, "citizen with JavaScript", a.URL, true)
		js.open("/projects")
		js.sees("Harbour Road bus lane")
		js.axe()
		js.submit(`a[href="` + page + `"]`)
		js.sees("Consultation open")
		js.axe()
		js.check("stance", "support")
		js.do("write a comment", chromedp.SendKeys("#f-comment", "Yes, my bus is always late."),
			chromedp.SetValue("#f-district", "Wan Chai"), chromedp.SendKeys("#f-contact", "js@example.org"))
		js.check(q, "Bus")
		// Forgetting the consent brings the form back with its message,
		// which must be as accessible as the form itself.
		js.submit(`.feedback-form button[type=submit]`)
		js.sees("Please tick the box to agree")
		js.axe()
		js.check("consent", "on")
		js.submit(`.feedback-form button[type=submit]`)
		js.sees("Your answer has been received")
		js.axe()

		// Without JavaScript: a mistake comes back with its message and the
		// text kept, then the answer goes through.
		nojs := newPerson(t, "citizen without JavaScript", a.URL, true)
		nojs.do("turn JavaScript off", withoutJavaScript)
		nojs.open(page)
		nojs.check("stance", "oppose")
		nojs.do("write a comment", chromedp.SendKeys("#f-comment", "Shops need to load in front."))
		nojs.check(q, "Walk")
		nojs.submit(`.feedback-form button[type=submit]`)
		nojs.sees("Please tick the box to agree")
		if got := nojs.value("#f-comment"); got != "Shops need to load in front." {
			nojs.fail("keep the comment", fmt.Errorf("the comment box holds %q", got))
		}
		nojs.check("consent", "on")
		nojs.submit(`.feedback-form button[type=submit]`)
		nojs.sees("Your answer has been received")

		// Keyboard only: Tab from the top, Space to choose, Enter to send.
		kb := newPerson(t, "keyboard citizen", a.URL, false)
		kb.open(page)
		kb.tabTo(`input[name=stance][value=support]`)
		kb.do("choose with the space bar", chromedp.KeyEvent(" "))
		kb.tabTo("#f-comment")
		kb.do("type the comment", chromedp.KeyEvent("Keep one lane for deliveries."))
		kb.tabTo(`input[name="` + q + `"]`)
		kb.do("choose an answer", chromedp.KeyEvent(" "))
		kb.tabTo(`input[name=consent]`)
		kb.do("agree", chromedp.KeyEvent(" "))
		kb.tabTo(`.feedback-form button[type=submit]`)
		kb.do("press Enter", chromedp.KeyEvent("\r"), chromedp.Sleep(200*time.Millisecond), chromedp.WaitReady("body"))
		kb.sees("Your answer has been received")
		var rows []models.Feedback
		a.Store.DB().Where("project_id = ?", p.ID).Order("id").Find(&rows)
		if len(rows) != 3 || rows[0].Stance != "support" || rows[0].District != "Wan Chai" || rows[1].Stance != "oppose" ||
			rows[2].Stance != "support" || rows[2].Comment != "Keep one lane for deliveries." {
			t.Fatalf("stored answers: %+v", rows)
		}

		// The moderator publishes the first with an official response.
		mod := newPerson(t, "moderator", a.URL, false)
		mod.login(f.ByRole[models.RoleModerator].Email, apptest.Password)
		studio := fmt.Sprintf("/studio/orgs/%d/accounts/metro/projects/%d", f.Org.ID, p.ID)
		mod.open(studio)
		mod.axe()
		mod.submit(`a[href$="/feedback?status=pending"]`)
		mod.sees("Yes, my bus is always late.")
		mod.axe()
		mod.submit(fmt.Sprintf(`a[href$="/feedback/%d"]`, rows[0].ID))
		mod.axe()
		mod.do("write the response", chromedp.SendKeys("#f-response", "Thank you: the lane would save line 12 eight minutes."))
		mod.submit(`button[value=publish]`)
		mod.told("Response saved and the answer published")
		// Bulk: hide the other pending answer.
		mod.open(studio + "/feedback?status=pending")
		mod.check("ids", fmt.Sprint(rows[1].ID))
		mod.submit(`button[value=hidden]`)
		mod.told("The selected answers are hidden")

		js.open(page)
		js.sees("Yes, my bus is always late.")
		js.sees("the lane would save line 12 eight minutes")
		js.sees("Comments (1)")
		js.axe()
		if strings.Contains(js.text("main"), "Shops need to load") {
			t.Fatal("a hidden answer is on the public page")
		}
		// The page fits a 360-pixel phone.
		wide, err := chromedp.Run(js.ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
		if err != nil || wide {
			js.fail("fit the project page on a phone", fmt.Errorf("the page is wider than the screen (%v)", err))
		}
		js.submit(`a[href^="/lang/zh"]`)
		js.sees("公众咨询")
		js.axe()
	})
}

// told fails unless the page's one-time notice (above the main content)
// says want.
func (p *person) told(want string) {
	p.t.Helper()
	if got := p.text(".flash"); !strings.Contains(got, want) {
		p.fail("read the notice "+fmt.Sprintf("%q", want), fmt.Errorf("it says: %.200s", got))
	}
}
