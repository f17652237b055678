package e2e_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/followcode"
)

var pdfPageRE = regexp.MustCompile(`/Type\s*/Page[^s]`)

// TestPosterPrints prints a follow code's poster as the browser would: in
// print media only the poster shows (no site header, studio navigation or
// tabs), and it fits on one A4 page.
func TestPosterPrints(t *testing.T) {
	chromium(t)
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		code, err := a.FollowCodes.CreateFollowCode(context.Background(), f.Member(models.RoleOwner), f.Account,
			followcode.FollowCodeInput{Name: "Stop 1042, Harbour Road", Scene: "stop-1042"})
		if err != nil {
			t.Fatal(err)
		}
		editor := newPerson(t, "editor", a.URL, false)
		editor.login(f.ByRole[models.RoleEditor].Email, apptest.Password)
		editor.open(fmt.Sprintf("/studio/orgs/%d/accounts/metro/codes/%d/poster", f.Org.ID, code.ID))
		editor.sees("Metro")
		editor.do("switch to print media", func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
			return chromedp.Void{}, err
		})
		visible := func(sel string) int {
			n, err := chromedp.Run(editor.ctx, chromedp.Evaluate[int](fmt.Sprintf(`[...document.querySelectorAll(%q)]
				.filter(e => getComputedStyle(e).display !== 'none' && e.getBoundingClientRect().height > 0).length`, sel)))
			if err != nil {
				editor.fail("read what prints", err)
			}
			return n
		}
		if n := visible(".site-header, .studio-nav, .tabs, .site-footer, .no-print"); n != 0 {
			editor.fail("print only the poster", fmt.Errorf("%d page elements besides the poster print", n))
		}
		if visible(".poster") != 1 || visible(".poster-qr svg") != 1 {
			editor.fail("print the poster", fmt.Errorf("the poster or its code does not print"))
		}
		pdf, err := chromedp.Run(editor.ctx, func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
			yes := true
			res, err := cdp.Call(ctx, tg, page.PrintToPDF, page.PrintToPDFParams{PreferCSSPageSize: &yes, PrintBackground: &yes})
			return res.Data, err
		})
		if err != nil {
			editor.fail("print to PDF", err)
		}
		if n := len(pdfPageRE.FindAll(pdf, -1)); n != 1 {
			editor.fail("print on one page", fmt.Errorf("the poster prints on %d pages", n))
		}
	})
}
