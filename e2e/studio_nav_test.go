package e2e_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
	"github.com/plazahq/plaza/paths"
)

// TestStudioNavigationFitsPhones: an owner, who sees every tab of an
// account, reads the account's notices and the organization home on a
// 360 px screen in each interface language. The grouped tabs show their
// four groups, no tab reaches past the screen's edge, the page needs no
// sideways scrolling, and axe-core finds no serious or critical violation.
func TestStudioNavigationFitsPhones(t *testing.T) {
	chromium(t)
	apptest.Each(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		boss := f.Member(models.RoleOwner)
		in := notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en",
			"title", "Harbour Road bus lane consultation results and the timetable changes that follow", "body", "Details.")}
		n, err := a.Notices.CreateNotice(ctx, boss, f.Account, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.Notices.PublishNotice(ctx, boss, f.Account, n.ID, in); err != nil {
			t.Fatal(err)
		}
		owner := newPerson(t, "owner", a.URL, false)
		owner.login(f.ByRole[models.RoleOwner].Email, apptest.Password)
		owner.do("use a 360 px screen", chromedp.EmulateViewport(360, 740))
		notices := paths.Notices(f.Org.ID, f.Account.Handle)
		fits := func(what string) {
			t.Helper()
			wide := eval[[]float64](owner, "measure "+what, `[document.documentElement.scrollWidth, document.documentElement.clientWidth]`)
			if wide[0] > wide[1] {
				owner.fail("fit "+what+" on a 360 px screen", fmt.Errorf("the page is %v px wide on a %v px screen", wide[0], wide[1]))
			}
			owner.axe()
		}
		for _, l := range []i18n.Lang{i18n.EN, i18n.ZHHans, i18n.ZHHant, i18n.ES, i18n.AR} {
			owner.open(notices)
			if l != i18n.EN {
				owner.switchLanguage(l.Tag(), l.Name())
			}
			if got := eval[int](owner, "count the tab groups", `document.querySelectorAll('nav.tab-groups .tab-group').length`); got != 4 {
				owner.fail("see the four tab groups in "+l.Tag(), fmt.Errorf("%d groups", got))
			}
			out := eval[[]string](owner, "find tabs past the edge", `[...document.querySelectorAll('nav.tab-groups a, nav.tab-groups .tab-group-name')]
				.filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1 || e.getBoundingClientRect().left < -1)
				.map(e => e.textContent.trim())`)
			if len(out) > 0 {
				owner.fail("fit the tabs on a 360 px screen in "+l.Tag(), fmt.Errorf("past the edge: %q", out))
			}
			fits("the notices in " + l.Tag())
			owner.shoot("notices-" + l.Tag())
			owner.open(paths.Org(f.Org.ID))
			if got := eval[int](owner, "count the numbers", `document.querySelectorAll('.org-numbers [data-number]').length`); got != 4 {
				owner.fail("see today's numbers in "+l.Tag(), fmt.Errorf("%d numbers", got))
			}
			fits("the organization home in " + l.Tag())
			owner.shoot("home-" + l.Tag())
		}
	})
}
