package e2e_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/project"
)

// switchLanguage follows the page's own language switch to the language
// tagged tag, whose link must read name.
func (p *person) switchLanguage(tag, name string) {
	p.t.Helper()
	sel := fmt.Sprintf(`nav.lang-switch a[hreflang=%q]`, tag)
	if got := strings.TrimSpace(p.text(sel)); got != name {
		p.fail("find the switch to "+name, fmt.Errorf("the link to %s reads %q", tag, got))
	}
	p.submit(sel)
	if got := p.eval(`document.documentElement.lang`); got != tag {
		p.fail("switch to "+name, fmt.Errorf("the page is in %q", got))
	}
}

func (p *person) eval(js string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		p.fail("evaluate "+js, err)
	}
	return s
}

// shoot keeps a full-page screenshot of the current page as an artifact.
func (p *person) shoot(label string) {
	p.t.Helper()
	buf, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.fail("take a screenshot", err)
	}
	name := strings.NewReplacer("/", "-", " ", "-").Replace(p.t.Name()+"-"+p.name+"-"+label) + ".png"
	if err := os.WriteFile(filepath.Join(artifactDir(p.t), name), buf, 0o644); err != nil {
		p.t.Fatalf("keep the screenshot %s: %v", name, err)
	}
}

// rightToLeft checks the page a right-to-left reader is on: the document
// runs right to left, nothing needs sideways scrolling, axe-core finds no
// serious or critical violation; and keeps a screenshot of it.
func (p *person) rightToLeft(label string) {
	p.t.Helper()
	if dir := p.eval(`document.documentElement.dir`); dir != "rtl" {
		p.fail("read "+label+" right to left", fmt.Errorf(`<html dir=%q>`, dir))
	}
	p.shoot(label)
	fits, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`))
	if err != nil || !fits {
		wide := p.eval(`String(document.documentElement.scrollWidth) + " px for a " + window.innerWidth + " px screen; widest: " +
			[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().left < -1 || e.getBoundingClientRect().right > window.innerWidth + 1)
			.slice(-3).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')).join(', ')`)
		p.fail("fit "+label+" on a phone", fmt.Errorf("the page is wider than the screen: %s (%v)", wide, err))
	}
	p.axe()
}

// TestRTLJourneys follows an editor and a citizen through Plaza in
// Arabic on phones: each chooses العربية with the page's language switch,
// the editor publishes a notice, the citizen reads it, looks at the
// account and answers a consultation. Every page runs right to left, fits
// a 360-pixel screen and passes axe-core; screenshots of every page are
// kept (PLAZA_E2E_ARTIFACTS, else e2e/artifacts).
func TestRTLJourneys(t *testing.T) {
	chromium(t)
	t.Logf("screenshots of every page go to %s", artifactDir(t))
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		a.StartWorkers(t) // the broadcast runs
		f := apptest.Seed(t, a)
		ctx := context.Background()
		boss := f.Member(models.RoleOwner)
		acc, err := a.Accounts.CreateAccount(ctx, boss, models.AccountInput{
			Handle: "citytransit", Category: "transit", Languages: []string{"ar", "en"}, DefaultLang: "ar", Topics: "line-12",
			Texts: models.Texts("ar", "name", "نقل المدينة", "bio", "حافلات المدينة وقطاراتها: تحويلات المسارات والأعطال.").
				With("en", "name", "City Transit", "bio", "The city's buses and trains."),
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Followers.SeedFollower(ctx, acc.ID, models.ChannelEmail, "reader@example.org", "", "ar", nil, 0, ""); err != nil {
			t.Fatal(err)
		}
		closes := a.Store.Now().Add(5 * 24 * time.Hour)
		p, err := a.Projects.CreateProject(ctx, boss, acc, project.Input{Translations: models.Translations{
			"ar": {"title": "ممر للحافلات في طريق الميناء", "summary": "ممر للحافلات في ساعات الذروة على الخط 12.", "body": "## لماذا\n\nالخط 12 بطيء في الصباح."},
			"en": {"title": "Harbour Road bus lane"}}, Address: "طريق الميناء", Districts: "الوسط\nالميناء", Public: true, ClosesAt: &closes}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Projects.AddProjectQuestion(ctx, boss, acc, p.ID, models.QuestionInput{Kind: models.QuestionSingle,
			Translations: models.Translations{"ar": {"label": "كيف تتنقل؟", "options": "بالحافلة\nسيراً على الأقدام"}}, Required: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Projects.SetProjectStatus(ctx, boss, acc, p.ID, models.StatusChange{Status: models.ProjectConsultation}, nil); err != nil {
			t.Fatal(err)
		}
		var qid int64
		a.Store.DB().Raw(`SELECT id FROM project_questions WHERE project_id = ?`, p.ID).Scan(&qid)
		org := fmt.Sprintf("/studio/orgs/%d", f.Org.ID)

		// The editor, on a phone, writes a notice in Arabic and English.
		editor := newPerson(t, "editor", a.URL, true)
		editor.login(f.ByRole[models.RoleEditor].Email, apptest.Password)
		editor.switchLanguage("ar", "العربية")
		editor.open(org + "/accounts/citytransit/notices")
		editor.rightToLeft("01-studio-notices")
		editor.open(org + "/accounts/citytransit/notices/new?kind=transit")
		editor.rightToLeft("02-notice-editor")
		editor.do("write the notice", chromedp.SendKeys(chromedp.CSS(`[id="f-title.ar"]`), "تحويل مسار الخط 12"),
			chromedp.SendKeys(chromedp.CSS(`[id="f-body.ar"]`), "تسير الحافلات عبر **شارع الجسر** حتى الساعة 18:00."),
			chromedp.SendKeys(chromedp.CSS(`[id="f-title.en"]`), "Line 12 diverted"), chromedp.SendKeys(chromedp.CSS(`[id="f-body.en"]`), "Buses run via Bridge Street."),
			chromedp.SendKeys("#f-routes", "12, 7A"), chromedp.SetValue("#f-effect", "DETOUR"), chromedp.SetValue("#f-cause", "CONSTRUCTION"))
		editor.check("tags", "line-12")
		editor.submit(`button[value=publish]`)
		editor.rightToLeft("03-publish-confirmation")
		editor.submit(`main form button[type=submit]`)
		editor.waitFor("the broadcast to finish", `!!document.querySelector('#progress') && !document.querySelector('#progress').hasAttribute('hx-get')`)
		editor.rightToLeft("04-broadcast")
		editor.fillsFromTheStart("#progress progress")
		var n models.Notice
		a.Store.DB().Where("account_id = ?", acc.ID).Order("id DESC").First(&n)
		if n.Status != models.NoticePublished || n.Translations.Get("ar", "title") != "تحويل مسار الخط 12" {
			t.Fatalf("the notice written in Arabic: %+v", n)
		}

		// A citizen on a phone reads it, and answers the consultation.
		citizen := newPerson(t, "citizen", a.URL, true)
		citizen.open("/")
		citizen.switchLanguage("ar", "العربية")
		citizen.rightToLeft("05-home")
		citizen.open("/accounts")
		citizen.sees("نقل المدينة")
		citizen.rightToLeft("06-directory")
		citizen.open("/@citytransit")
		citizen.sees("تحويل مسار الخط 12")
		citizen.rightToLeft("07-account")
		citizen.submit(fmt.Sprintf(`main a[href="/@citytransit/notices/%d"]`, n.ID))
		citizen.sees("شارع الجسر")
		// Route numbers are isolated, so "12, 7A" keeps its order in Arabic.
		if got := citizen.text(".notice-facts"); !strings.Contains(got, "\u206812\u2069, \u20687A\u2069") {
			citizen.fail("isolate the routes", fmt.Errorf("the facts read %q", got))
		}
		citizen.rightToLeft("08-notice")
		citizen.open("/@citytransit/follow")
		citizen.rightToLeft("09-follow")
		citizen.open(fmt.Sprintf("/@citytransit/projects/%d", p.ID))
		citizen.sees("ممر للحافلات في طريق الميناء")
		citizen.rightToLeft("10-consultation")
		citizen.check("stance", "support")
		citizen.do("write a comment", chromedp.SendKeys("#f-comment", "نعم، حافلة الخط 12 تتأخر دائماً."), chromedp.SetValue("#f-district", "الميناء"))
		citizen.check(fmt.Sprintf("q%d", qid), "بالحافلة")
		citizen.check("consent", "on")
		citizen.submit(`.feedback-form button[type=submit]`)
		citizen.rightToLeft("11-feedback-sent")
		var fb models.Feedback
		a.Store.DB().Where("project_id = ?", p.ID).First(&fb)
		if fb.Stance != "support" || fb.District != "الميناء" || fb.Comment != "نعم، حافلة الخط 12 تتأخر دائماً." {
			t.Fatalf("the answer sent in Arabic: %+v", fb)
		}
	})
}

// fillsFromTheStart checks that a progress bar fills from the start of the
// line, the right in Arabic: a quarter-full bar is painted near its right
// end and not near its left.
func (p *person) fillsFromTheStart(sel string) {
	p.t.Helper()
	shot := func(value int) image.Image {
		if _, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector(%q).value = %d; true`, sel, value))); err != nil {
			p.fail("set the bar", err)
		}
		buf, err := chromedp.Run(p.ctx, chromedp.Screenshot(sel))
		if err != nil {
			p.fail("photograph "+sel, err)
		}
		img, err := png.Decode(bytes.NewReader(buf))
		if err != nil {
			p.fail("read the photograph of "+sel, err)
		}
		return img
	}
	empty, quarter := shot(0), shot(25)
	b := quarter.Bounds()
	y := b.Min.Y + b.Dy()/2
	changed := func(x int) bool {
		r1, g1, b1, _ := empty.At(x, y).RGBA()
		r2, g2, b2, _ := quarter.At(x, y).RGBA()
		return r1 != r2 || g1 != g2 || b1 != b2
	}
	right, left := changed(b.Max.X-1-b.Dx()/10), changed(b.Min.X+b.Dx()/10)
	if !right || left {
		p.fail("fill "+sel+" from the right", fmt.Errorf("a quarter-full bar changes its right end: %v, its left end: %v", right, left))
	}
}
