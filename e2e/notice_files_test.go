package e2e_test

import (
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
)

// TestNoticeImage: an editor adds a diversion map to a draft in the
// browser (first forgetting its text alternative, which the editor asks
// for), publishes, and a citizen on a 360-pixel phone sees the map, as
// wide as the screen and no wider, with its alt text, as the picture of
// the link preview; the pages pass axe-core.
func TestNoticeImage(t *testing.T) {
	chromium(t)
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		in := notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", "Line 12 diverted", "body", "Buses run via Harbour Road.")}
		draft, err := a.Notices.CreateNotice(ctx, f.Member(models.RoleOwner), f.Account, in)
		if err != nil {
			t.Fatal(err)
		}
		// A map far wider than a phone.
		mapFile := filepath.Join(t.TempDir(), "diversion-map.png")
		out, err := os.Create(mapFile)
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(out, image.NewGray(image.Rect(0, 0, 1600, 500))); err != nil {
			t.Fatal(err)
		}
		if err := out.Close(); err != nil {
			t.Fatal(err)
		}

		editor := newPerson(t, "editor", a.URL, false)
		editor.login(f.ByRole[models.RoleEditor].Email, apptest.Password)
		edit := fmt.Sprintf("/studio/orgs/%d/accounts/metro/notices/%d", f.Org.ID, draft.ID)
		editor.open(edit)
		upload := `#files form button[type=submit]`
		editor.do("choose the map", chromedp.SetUploadFiles("#f-file", []string{mapFile}))
		editor.submit(upload)
		editor.sees("its text alternative is required")
		editor.axe()
		const alt = "Map: line 12 runs along Harbour Road instead of Queen Street"
		editor.do("choose the map and describe it", chromedp.SetUploadFiles("#f-file", []string{mapFile}),
			chromedp.SendKeys("#f-file_title", alt))
		editor.submit(upload)
		editor.sees(alt)
		if got := editor.text(".flash"); !strings.Contains(got, "File added.") {
			editor.fail("read the confirmation", fmt.Errorf("the flash says %q", got))
		}
		editor.axe()
		// Removing it would ask first; the editor thinks better of it.
		editor.submit(`#files a.danger-link`)
		editor.sees("from this notice?")
		editor.axe()
		editor.open(edit)
		editor.submit(`button[value=publish]`)
		editor.submit(`main form button[type=submit]`)
		if n, err := a.Notices.NoticeByID(ctx, draft.ID); err != nil || !n.Live() {
			t.Fatalf("after publishing from the browser the notice is %+v (%v)", n, err)
		}

		citizen := newPerson(t, "citizen", a.URL, true)
		page := fmt.Sprintf("/@metro/notices/%d", draft.ID)
		citizen.open(page)
		citizen.waitFor("the map to load", `(() => { const i = document.querySelector('.notice-image img'); return !!i && i.complete && i.naturalWidth === 1600; })()`)
		if got := citizen.eval(`document.querySelector('.notice-image img').alt`); got != alt {
			citizen.fail("read the map's alt text", fmt.Errorf("it is %q", got))
		}
		src := citizen.eval(`document.querySelector('.notice-image img').getAttribute('src')`)
		if got := citizen.meta("og:image"); got != "http://plaza.test"+src || !strings.HasPrefix(src, "/media/") {
			citizen.fail("read the link preview's picture", fmt.Errorf("og:image is %q, the map is %q", got, src))
		}
		if got := citizen.meta("twitter:image"); got != "http://plaza.test"+src {
			citizen.fail("read the card's picture", fmt.Errorf("twitter:image is %q", got))
		}
		wide := eval[[]float64](citizen, "measure the page", `[document.documentElement.scrollWidth, document.documentElement.clientWidth,
			document.querySelector('.notice-image img').getBoundingClientRect().right]`)
		if wide[0] > wide[1] || wide[2] > wide[1] {
			citizen.fail("fit the map on a 360 px screen", fmt.Errorf("page %v px, map's right edge %v px, screen %v px", wide[0], wide[2], wide[1]))
		}
		citizen.axe()
	})
}
