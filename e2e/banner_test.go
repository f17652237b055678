package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
)

// TestWarningBannerEveryPage: while a Severe warning is in force, every
// public page a citizen opens (home, the alerts, an account, a notice,
// the projects, the follow page) starts with it as a coloured band across
// the whole window, in each interface language, and axe-core finds no
// serious or critical violation on any of them. Once the warning has run
// out (its end brought forward by an update, then the clock passing it,
// with no further change in the database) no page shows it.
func TestWarningBannerEveryPage(t *testing.T) {
	chromium(t)
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		boss := f.Member(models.RoleOwner)
		publish := func(in notice.Input) *models.Notice {
			t.Helper()
			d, err := a.Notices.CreateNotice(ctx, boss, f.Account, in)
			if err != nil {
				t.Fatal(err)
			}
			n, _, err := a.Notices.PublishNotice(ctx, boss, f.Account, d.ID, in)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		plain := publish(notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", "New timetable", "body", "From Monday.")})
		warning := notice.Input{Kind: models.NoticeSafety,
			Translations: models.Texts("en", "title", "Typhoon signal 8", "body", "Stay indoors.", "instruction", "Keep away from windows until signal 3.").
				With("zh-Hans", "title", "八号风球", "body", "请留在室内。", "instruction", "请远离窗户，直至改挂三号风球。"),
			CapCategory: "Met", CapEvent: "Typhoon", Urgency: "Immediate", Severity: "Severe", Certainty: "Observed", ResponseTypes: []string{"Shelter"}}
		n := publish(warning)

		pages := []string{"/", "/alerts", "/@metro", fmt.Sprintf("/@metro/notices/%d", plain.ID), "/projects", "/@metro/follow"}
		p := newPerson(t, "citizen", a.URL, false)
		for _, l := range i18n.Langs() {
			p.open("/lang/" + string(l) + "?next=/")
			for _, path := range pages {
				p.open(path)
				if got := p.eval(`document.documentElement.lang`); got != l.Tag() {
					p.fail("read "+path+" in "+l.Tag(), fmt.Errorf("the page is in %q", got))
				}
				band := p.text(".warning-banners")
				if !strings.Contains(band, n.Title(string(l))) || !strings.Contains(band, i18n.T(l, "banner.level_severe")) {
					p.fail("see the warning on "+path+" in "+l.Tag(), fmt.Errorf("the banner says %q", band))
				}
				if wide := p.eval(`(() => { const b = document.querySelector('.warning-banner').getBoundingClientRect();
					return b.left <= 0 && b.right >= document.documentElement.clientWidth ? "" : b.left + "-" + b.right })()`); wide != "" {
					p.fail("see the warning across the window on "+path, fmt.Errorf("the band spans %s px of %s", wide, p.eval(`String(document.documentElement.clientWidth)`)))
				}
				p.axe()
				if path == "/" {
					p.shoot("home-" + l.Tag())
				}
			}
		}
		// On a phone, right to left, the banner fits the screen.
		phone := newPerson(t, "phone", a.URL, true)
		phone.open("/lang/ar?next=/")
		phone.open("/")
		phone.rightToLeft("home-banner")

		// The banner leads to the warning.
		p.open("/lang/en?next=/")
		p.open("/projects")
		p.submit(".warning-banner a")
		if loc := p.location(); loc != fmt.Sprintf("/@metro/notices/%d", n.ID) {
			p.fail("follow the banner", fmt.Errorf("it led to %s", loc))
		}

		// The warning is updated to end in a few seconds; until then it
		// is still on the pages (kept by the page cache), after that on
		// none of them.
		ends := a.Store.Now().Truncate(time.Second).Add(8 * time.Second)
		warning.ExpiresAt = &ends
		if _, _, err := a.Notices.UpdateNotice(ctx, boss, f.Account, n.ID, warning); err != nil {
			t.Fatal(err)
		}
		for _, path := range pages {
			p.open(path)
			if band := p.text(".warning-banners"); !strings.Contains(band, "Typhoon signal 8") {
				p.fail("see the warning on "+path+" before it ends", fmt.Errorf("the banner says %q", band))
			}
		}
		for !a.Store.Now().After(ends.Add(100 * time.Millisecond)) {
			time.Sleep(50 * time.Millisecond)
		}
		for _, path := range pages {
			p.open(path)
			has, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](`document.querySelector('.warning-banners') !== null`))
			if err != nil || has {
				p.fail("see no warning on "+path+" after it ended", fmt.Errorf("a banner is still there (%v)", err))
			}
		}

		// The warning's own page, in every language: what to do in plain
		// words (the response type in the reader's language, the
		// instructions in the warning's version for them), when to act and
		// how sure in plain words, when it was last updated and what the
		// update changed.
		for _, l := range i18n.Langs() {
			p.open("/lang/" + string(l) + "?next=/")
			p.open(fmt.Sprintf("/@metro/notices/%d", n.ID))
			facts := p.text(".notice-facts")
			for _, want := range []string{i18n.T(l, "notices.plain_what_to_do"), i18n.T(l, "plain.response_shelter"), n.Instruction(l.Tag()),
				i18n.T(l, "notices.plain_when"), i18n.T(l, "plain.urgency_immediate"), i18n.T(l, "plain.certainty_observed")} {
				if !strings.Contains(facts, want) {
					p.fail("read the warning in plain words in "+l.Tag(), fmt.Errorf("the facts say %q, without %q", facts, want))
				}
			}
			if history := p.text(".notice-history"); !strings.Contains(history, i18n.T(l, "notices.history_update")) {
				p.fail("read what the update changed in "+l.Tag(), fmt.Errorf("the history says %q", history))
			}
			p.text(".last-updated")
			p.axe()
			if l == i18n.EN {
				p.shoot("notice-updated-en")
			}
		}
	})
}
