package e2e_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/demo"
	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/project"
	"github.com/plazahq/plaza/paths"
)

// phoneSized makes the person's tab a phone of width by height pixels
// (touch, mobile user agent metrics).
func (p *person) phoneSized(width, height int64) {
	p.t.Helper()
	p.do(fmt.Sprintf("use a %d px phone", width), chromedp.EmulateViewport(width, height, chromedp.EmulateMobile, chromedp.EmulateTouch))
}

// eval is the value of a JavaScript expression on the page.
func eval[T any](p *person, what, js string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		p.fail(what, err)
	}
	return v
}

// summaryShown fails unless the page came back at its error summary:
// the summary is in view, every link in it leads to a control on the
// page, and (when focused is set) it has the focus.
func (p *person) summaryShown(focused bool) {
	p.t.Helper()
	inView := eval[bool](p, "find the error summary", `(() => {
		const s = document.getElementById('error-summary');
		if (!s) return false;
		const r = s.getBoundingClientRect();
		return r.top >= 0 && r.top < window.innerHeight && r.bottom > 0;
	})()`)
	if !inView {
		y := eval[float64](p, "read the scroll position", `window.scrollY`)
		p.fail("see the error summary without scrolling", fmt.Errorf("it is not in view (scrolled to %v px)", y))
	}
	broken := eval[[]string](p, "follow the summary's links", `Array.from(document.querySelectorAll('#error-summary a'))
		.map(a => a.getAttribute('href')).filter(h => !document.getElementById(decodeURIComponent(h.slice(1))))`)
	if len(broken) > 0 {
		p.fail("follow the summary's links", fmt.Errorf("no control on the page for %v", broken))
	}
	if focused {
		if on := eval[string](p, "read the focus", `document.activeElement ? document.activeElement.id : ''`); on != "error-summary" {
			p.fail("find the focus on the error summary", fmt.Errorf("the focus is on %q", on))
		}
	}
}

// followSummaryLink clicks the error summary's link to the control id and
// fails unless that control then has the focus.
func (p *person) followSummaryLink(id string) {
	p.t.Helper()
	p.do("press the summary's link to "+id, chromedp.Click(fmt.Sprintf(`#error-summary a[href="#%s"]`, id)))
	if on := eval[string](p, "read the focus", `document.activeElement ? document.activeElement.id : ''`); on != id {
		p.fail("move the focus to "+id, fmt.Errorf("the focus is on %q", on))
	}
}

// TestErrorSummaryOnAPhone: a citizen on a 390-pixel phone who sends the
// feedback or follow form with mistakes lands on the error summary (the
// form sits far down a long page), with what they typed kept; the
// summary's links take them to each field; without JavaScript the page
// still opens at the summary.
func TestErrorSummaryOnAPhone(t *testing.T) {
	chromium(t)
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		boss := f.Member(models.RoleOwner)
		closes := a.Store.Now().Add(5 * 24 * time.Hour)
		p, err := a.Projects.CreateProject(ctx, boss, f.Account, project.Input{Translations: models.Translations{
			"en": {"title": "Harbour Road bus lane", "summary": "A lane for buses in the rush hours.",
				"body": "## Why\n\nLine 12 is slow.\n\n## What changes\n\nThe kerb lane becomes a bus lane from 07:00 to 10:00 and 16:00 to 19:00.\n\n" +
					"## Timeline\n\nPaint in spring, cameras in summer, a review after a year.\n\n## Questions\n\nAsk us at the depot open day."}},
			Address: "Harbour Road", Districts: "Central\nWan Chai", Public: true, ClosesAt: &closes}, nil)
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

		// With JavaScript: the focus is on the summary, its links on the
		// fields.
		js := newPerson(t, "citizen with JavaScript", a.URL, false)
		js.phoneSized(390, 844)
		js.open(page)
		js.do("write a comment only", chromedp.SendKeys("#f-comment", "Yes, my bus is always late."), chromedp.SendKeys("#f-name", "Ana"))
		js.submit(`.feedback-form button[type=submit]`)
		js.summaryShown(true)
		js.shoot("feedback-error")
		js.sees("Please tick the box to agree")
		js.axe()
		if got := js.value("#f-comment"); got != "Yes, my bus is always late." {
			js.fail("keep the comment", fmt.Errorf("the comment box holds %q", got))
		}
		if got := js.value("#f-name"); got != "Ana" {
			js.fail("keep the name", fmt.Errorf("the name box holds %q", got))
		}
		// The summary lists the errors in the form's order: the stance
		// first, the consent last.
		order := eval[[]string](js, "read the summary", `Array.from(document.querySelectorAll('#error-summary a')).map(a => a.getAttribute('href'))`)
		if want := []string{"#f-stance", "#f-" + q, "#f-consent"}; fmt.Sprint(order) != fmt.Sprint(want) {
			js.fail("read the summary in the form's order", fmt.Errorf("its links are %v, want %v", order, want))
		}
		js.followSummaryLink("f-consent")
		js.do("agree", chromedp.KeyEvent(" "))
		js.followSummaryLink("f-stance")
		js.check("stance", "support")
		js.check(q, "Bus")
		js.submit(`.feedback-form button[type=submit]`)
		js.sees("Your answer has been received")

		// Without JavaScript the form's #error-summary brings the summary
		// into view, and Chrome gives it the focus as a fragment target.
		nojs := newPerson(t, "citizen without JavaScript", a.URL, false)
		nojs.phoneSized(390, 844)
		nojs.do("turn JavaScript off", withoutJavaScript)
		nojs.open(page)
		nojs.check("stance", "oppose")
		nojs.do("write a comment", chromedp.SendKeys("#f-comment", "Shops need to load in front."))
		nojs.submit(`.feedback-form button[type=submit]`)
		nojs.summaryShown(true)
		if got := nojs.value("#f-comment"); got != "Shops need to load in front." {
			nojs.fail("keep the comment", fmt.Errorf("the comment box holds %q", got))
		}
		nojs.check(q, "Walk")
		nojs.check("consent", "on")
		nojs.submit(`.feedback-form button[type=submit]`)
		nojs.sees("Your answer has been received")

		// The follow form, the same way.
		js.open("/@metro/follow")
		js.do("mistype the address", chromedp.SendKeys("#f-address", "rider-at-example.org"))
		js.submit(`#follow-form button[type=submit]`)
		js.summaryShown(true)
		js.shoot("follow-error")
		js.axe()
		if got := js.value("#f-address"); got != "rider-at-example.org" {
			js.fail("keep the address", fmt.Errorf("the address box holds %q", got))
		}
		js.followSummaryLink("f-address")

		nojs.open("/@metro/follow")
		nojs.do("mistype the address", chromedp.SendKeys("#f-address", "rider-at-example.org"))
		nojs.submit(`#follow-form button[type=submit]`)
		nojs.summaryShown(true)
		if got := nojs.value("#f-address"); got != "rider-at-example.org" {
			nojs.fail("keep the address", fmt.Errorf("the address box holds %q", got))
		}
	})
}

// screenPage is one page of the layout check: its name in the
// screenshots' file names, its path, and who opens it.
type screenPage struct {
	name, path string
	staff      bool
}

// TestPagesFitPhonesAndScreenshots opens the main public and studio
// pages of the demo: none may scroll sideways on a 360-pixel screen
// (measured without mobile emulation, which would zoom a wide page out
// to fit instead) and each passes axe-core, in every interface language
// (English in both databases' runs, the others shared between them);
// each is photographed in English at 390 and 1280 pixels into the
// artifacts directory (screens/) so a review can compare them with the
// last.
func TestPagesFitPhonesAndScreenshots(t *testing.T) {
	chromium(t)
	apptest.Each(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		ctx := context.Background()
		res, err := demo.Seed(ctx, demo.Services{Store: a.Store, Orgs: a.Orgs, Accounts: a.Accounts, FollowCodes: a.FollowCodes, Notices: a.Notices,
			Followers: a.Followers, Projects: a.Projects, Channels: a.Channels, GTFS: a.GTFS, Districts: a.Districts}, a.URL, demo.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var owner demo.User
		var orgID int64
		for _, u := range res.Users {
			if u.Role == string(models.RoleOwner) && u.Organization == "City Transit Authority" {
				owner = u
			}
		}
		for _, o := range res.Organizations {
			if o.Name == "City Transit Authority" {
				orgID = o.ID
			}
		}
		const h = "citytransit"
		var accountID int64
		a.Store.DB().Raw(`SELECT id FROM accounts WHERE handle = ?`, h).Scan(&accountID)
		first := func(query string, args ...any) int64 {
			t.Helper()
			var id int64
			if err := a.Store.DB().Raw(query, args...).Scan(&id).Error; err != nil || id == 0 {
				t.Fatalf("%s: %v (id %d)", query, err, id)
			}
			return id
		}
		notice := first(`SELECT id FROM notices WHERE account_id = ? AND published_at IS NOT NULL ORDER BY id LIMIT 1`, accountID)
		broadcast := first(`SELECT id FROM broadcasts WHERE notice_id = ? ORDER BY id LIMIT 1`, notice)
		// An address with nothing to break it at, in the detail page's
		// heading, once made that page 641 px wide.
		long, err := a.Followers.SeedFollower(ctx, accountID, models.ChannelEmail,
			"harbour.road.bus.lane.consultation.replies@neighbourhood-association.example.org", "", "en", []string{"line-12"}, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		follower := long.ID
		proj := first(`SELECT id FROM projects WHERE account_id = ? AND status = ? ORDER BY id LIMIT 1`, accountID, models.ProjectConsultation)
		answer := first(`SELECT id FROM feedback WHERE project_id = ? ORDER BY id LIMIT 1`, proj)
		code := first(`SELECT id FROM follow_codes WHERE account_id = ? ORDER BY id LIMIT 1`, accountID)
		pages := []screenPage{
			{"home", "/", false}, {"directory", "/accounts", false}, {"alerts", "/alerts", false}, {"account", paths.Public(h), false},
			{"notice", paths.PublicNotice(h, notice), false}, {"follow", paths.PublicFollow(h), false}, {"projects", "/projects", false},
			{"consultation", paths.PublicProject(h, proj), false}, {"login", "/login", false},
			{"studio-orgs", paths.Studio(), true}, {"studio-org", paths.Org(orgID), true}, {"studio-account", paths.Account(orgID, h), true},
			{"studio-notices", paths.Notices(orgID, h), true}, {"studio-notice-new", paths.Notices(orgID, h) + "/new", true},
			{"studio-notice-safety", paths.Notices(orgID, h) + "/new?kind=safety", true},
			{"studio-notice-transit", paths.Notices(orgID, h) + "/new?kind=transit", true},
			{"studio-notice", paths.Notice(orgID, h, notice), true}, {"studio-broadcast", paths.Broadcast(orgID, h, broadcast), true},
			{"studio-followers", paths.Followers(orgID, h), true}, {"studio-follower", paths.Follower(orgID, h, follower), true},
			{"studio-codes", paths.Codes(orgID, h), true}, {"studio-code", paths.Code(orgID, h, code), true},
			{"studio-delivery", paths.Delivery(orgID, h), true}, {"studio-inbox", paths.Inbox(orgID, h), true},
			{"studio-chat-channels", paths.Chat(orgID, h), true}, {"studio-projects", paths.Projects(orgID, h), true},
			{"studio-project", paths.Project(orgID, h, proj), true}, {"studio-moderation", paths.Feedback(orgID, h, proj) + "?status=pending", true},
			{"studio-answer", paths.FeedbackItem(orgID, h, proj, answer), true}, {"studio-staff", paths.Staff(orgID), true},
			{"studio-audit", paths.Audit(orgID), true}, {"studio-settings", paths.Settings(orgID), true},
			{"studio-api-tokens", paths.APITokens(orgID), true}, {"studio-districts", paths.Districts(orgID), true},
			{"studio-imports", paths.Imports(orgID, h), true}, {"studio-gtfs", paths.GTFS(orgID, h), true},
		}
		var conv int64
		a.Store.DB().Raw(`SELECT id FROM chat_conversations WHERE account_id = ? ORDER BY id LIMIT 1`, accountID).Scan(&conv)
		if conv != 0 {
			pages = append(pages, screenPage{"studio-conversation", paths.Conversation(orgID, h, conv), true})
		}
		dir := filepath.Join(artifactDir(t), "screens", strings.ReplaceAll(t.Name(), "/", "-"))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		// A person's browser lives two minutes: a new one for every few
		// pages.
		var p *person
		for i, pg := range pages {
			if i%6 == 0 || (pg.staff && !pages[i-1].staff) {
				p = newPerson(t, fmt.Sprintf("visitor %d", i), a.URL, false)
				if pg.staff {
					p.login(owner.Email, owner.Password)
				}
			}
			p.shootAndMeasure(dir, pg)
		}
		// The notice editor after a failed save, and a failed sign-in.
		// Each kind's own fields show only for that kind, without a script
		// (axe-core cannot run in this tab).
		p = newPerson(t, "editor without JavaScript", a.URL, false)
		p.login(owner.Email, owner.Password)
		p.do("turn scripts off", withoutJavaScript)
		p.open(paths.Notices(orgID, h) + "/new?kind=transit")
		shown := func() string {
			return eval[string](p, "look at the kind's fields", `['.kind-safety', '.kind-transit'].filter(s => getComputedStyle(document.querySelector(s)).display !== 'none').join(' ')`)
		}
		for _, c := range []struct{ kind, want string }{{"transit", ".kind-transit"}, {"safety", ".kind-safety"}, {"general", ""}, {"", ".kind-safety .kind-transit"}} {
			p.do("choose the kind "+c.kind, chromedp.SetValue("#f-kind", c.kind))
			if got := shown(); got != c.want {
				p.fail("show the fields of a "+c.kind+" notice", fmt.Errorf("shown: %q, want %q", got, c.want))
			}
		}
		p = newPerson(t, "editor with a mistake", a.URL, false)
		p.login(owner.Email, owner.Password)
		p.open(paths.Notices(orgID, h) + "/new?kind=safety")
		p.do("leave out the title", chromedp.SetValue("#f-kind", "safety"))
		p.submit(`button[value=save]`)
		p.summaryShown(true)
		p.shootAndMeasure(dir, screenPage{"studio-notice-error", "", true})
		p = newPerson(t, "stranger", a.URL, false)
		p.open("/login")
		p.do("give a wrong password", chromedp.SendKeys("#f-email", owner.Email), chromedp.SendKeys("#f-password", "not the password"))
		p.submit(`main button[type=submit]`)
		p.summaryShown(true)
		p.shootAndMeasure(dir, screenPage{"login-error", "", false})
		t.Logf("screenshots in %s", dir)
		// Every page again in each other interface language: longer
		// words, another script, right to left; each must still fit the
		// screen and pass axe-core. (The screenshots are of English.) A
		// page's language does not depend on the database, so the two
		// databases' runs share the languages out: each page is checked
		// in every language once per run of the suite, at half the time
		// (all four in both runs took 275 s each in CI).
		others := []i18n.Lang{i18n.ZHHans, i18n.ES}
		if strings.HasPrefix(dbURL, "postgres") {
			others = []i18n.Lang{i18n.ZHHant, i18n.AR}
		}
		for _, l := range others {
			for i, pg := range pages {
				if i%8 == 0 || (pg.staff && !pages[i-1].staff) {
					p = newPerson(t, fmt.Sprintf("visitor %d in %s", i, l.Tag()), a.URL, false)
					if pg.staff {
						p.login(owner.Email, owner.Password)
					}
					p.inLanguage(l.Tag(), "/")
				}
				p.fitsAPhone(screenPage{pg.name + " in " + l.Tag(), pg.path, pg.staff})
				if got := p.eval(`document.documentElement.lang`); got != l.Tag() {
					p.fail("read "+pg.name+" in "+l.Tag(), fmt.Errorf("the page is in %q", got))
				}
				p.axe()
			}
		}
	})
}

// shootAndMeasure opens pg (unless its path is empty: the page already
// shown), fails if it is wider than a 360-pixel screen, runs axe-core,
// and saves full-page screenshots at 390 (a phone) and 1280 pixels.
func (p *person) shootAndMeasure(dir string, pg screenPage) {
	p.t.Helper()
	p.fitsAPhone(pg)
	p.phoneSized(390, 844)
	p.shot(filepath.Join(dir, "390-"+pg.name+".png"))
	p.do("use a 1280 px screen", chromedp.EmulateViewport(1280, 900))
	p.shot(filepath.Join(dir, "1280-"+pg.name+".png"))
	p.axe()
}

// fitsAPhone opens pg (unless its path is empty) on a 360-pixel screen
// and fails if the page is wider, naming what sticks out.
func (p *person) fitsAPhone(pg screenPage) {
	p.t.Helper()
	p.do("use a 360 px screen", chromedp.EmulateViewport(360, 740))
	if pg.path != "" {
		p.open(pg.path)
	}
	wide := eval[[]float64](p, "measure "+pg.name, `[document.documentElement.scrollWidth, document.documentElement.clientWidth]`)
	if wide[0] > wide[1] {
		culprits := eval[[]string](p, "find what is too wide", `Array.from(document.querySelectorAll('main *')).filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
			.slice(0, 6).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '') + ' ' + Math.round(e.getBoundingClientRect().right) + 'px')`)
		p.fail("fit "+pg.name+" on a 360 px screen", fmt.Errorf("the page is %v px wide on a %v px screen; too wide: %v", wide[0], wide[1], culprits))
	}
}

func (p *person) shot(file string) {
	p.t.Helper()
	buf, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.fail("take a screenshot", err)
	}
	if err := os.WriteFile(file, buf, 0o644); err != nil {
		p.t.Fatal(err)
	}
}
