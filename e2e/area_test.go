package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/area"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/mailer/smtpsink"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/follower"
	"github.com/plazahq/plaza/models/notice"
)

const journeyDistricts = `{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"name":"Harbour","code":"H"},"geometry":{"type":"Polygon","coordinates":[[[114.10,22.30],[114.14,22.30],[114.14,22.34],[114.10,22.34],[114.10,22.30]]]}},
 {"type":"Feature","properties":{"name":"Hills","code":"L"},"geometry":{"type":"Polygon","coordinates":[[[114.10,22.26],[114.14,22.26],[114.14,22.30],[114.10,22.30],[114.10,22.26]]]}}]}`

// TestAreaJourney: a citizen on a phone follows for one district; an
// editor draws an area on the map with the pointer, watches the
// audience count change, sends only to the people in the area and
// publishes; the citizen gets the alert, a follower in the other
// district does not.
func TestAreaJourney(t *testing.T) {
	chromium(t)
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		sink, err := smtpsink.Start("127.0.0.1:0", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer sink.Close()
		a := apptest.StartWith(t, dbURL, func(c *config.Config) { c.SMTPURL = sink.URL() })
		a.StartWorkers(t)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		if _, err := a.Districts.Import(ctx, f.Member(models.RoleOwner), f.Org.ID, []byte(journeyDistricts), false); err != nil {
			t.Fatal(err)
		}
		ds, _ := a.Districts.List(ctx, f.Org.ID)
		harbour, hills := ds[0], ds[1]
		// Someone in the hills, by e-mail, who must not get the alert.
		hiller, err := a.Followers.SeedFollower(ctx, f.Account.ID, models.ChannelEmail, "hills@example.org", "", "en", nil, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Followers.SetArea(ctx, hiller.ID, follower.AreaChoice{Mode: models.AreaDistricts, Districts: []int64{hills.ID}}); err != nil {
			t.Fatal(err)
		}

		// A citizen on a phone follows for Harbour only.
		citizen := newPerson(t, "citizen", a.URL, true)
		citizen.open("/@metro/follow")
		citizen.sees("Where do you want alerts for?")
		citizen.shoot("follow-where")
		citizen.axe()
		citizen.do("give an address", chromedp.SendKeys("#f-address", "harbour@example.org"))
		citizen.check("area_mode", models.AreaDistricts)
		citizen.check("area_district", fmt.Sprint(harbour.ID))
		citizen.submit(`main form button[type=submit]`)
		citizen.sees("Check your inbox")
		confirm := confirmRE.FindStringSubmatch(waitMail(t, sink, "harbour@example.org", "Confirm").Text)
		if confirm == nil {
			t.Fatal("no confirmation link in the mail")
		}
		citizen.open(confirm[1])
		citizen.submit(`main form button[type=submit]`)
		waitMail(t, sink, "harbour@example.org", "You now follow")

		// The editor draws a square inside Harbour with the pointer.
		editor := newPerson(t, "editor", a.URL, false)
		editor.login(f.ByRole[models.RoleEditor].Email, apptest.Password)
		editor.open(fmt.Sprintf("/studio/orgs/%d/accounts/metro/notices/new?kind=safety", f.Org.ID))
		editor.do("write the warning", chromedp.SendKeys(chromedp.CSS(`[id="f-title.en"]`), "Storm surge at the harbour"),
			chromedp.SendKeys(chromedp.CSS(`[id="f-body.en"]`), "Keep away from the sea front until midnight."),
			chromedp.SetValue("#f-cap_category", "Met"), chromedp.SendKeys("#f-cap_event", "Storm surge"),
			chromedp.SetValue("#f-urgency", "Expected"), chromedp.SetValue("#f-severity", "Moderate"), chromedp.SetValue("#f-certainty", "Likely"))
		editor.waitFor("the map", `!!document.querySelector('.areamap .leaflet-overlay-pane path')`)
		everyone := strings.TrimSpace(editor.text("#audience"))
		editor.do("start a polygon", chromedp.Click(chromedp.Search(`//button[normalize-space()="Draw polygon"]`)))
		box := editor.eval(`(() => { const m = document.querySelector('.areamap .leaflet-container'); m.scrollIntoView({block: 'center'});
			const r = document.querySelectorAll('.areamap .leaflet-overlay-pane path')[0].getBoundingClientRect();
			return [r.left, r.top, r.right, r.bottom].join(','); })()`)
		var x0, y0, x1, y1 float64
		if _, err := fmt.Sscanf(box, "%f,%f,%f,%f", &x0, &y0, &x1, &y1); err != nil || x1-x0 < 20 || y1-y0 < 20 {
			editor.fail("find Harbour on the map", fmt.Errorf("box %q: %v", box, err))
		}
		w, h := x1-x0, y1-y0
		for _, p := range [][2]float64{{0.3, 0.3}, {0.7, 0.3}, {0.7, 0.7}, {0.3, 0.7}} {
			editor.do("click a corner", chromedp.MouseClickXY(x0+p[0]*w, y0+p[1]*h), chromedp.Sleep(100*time.Millisecond))
		}
		editor.do("finish the polygon", chromedp.Click(chromedp.Search(`//button[normalize-space()="Finish"]`)))
		editor.waitFor("the shape in the GeoJSON field", `document.querySelector('[name=area_geojson]').value.includes('Polygon')`)
		// Then moves one corner a little, still inside Harbour.
		drawn := editor.value(`[name=area_geojson]`)
		editor.do("edit the shapes", chromedp.Click(`.areamap button[data-action=edit]`))
		editor.waitFor("the corners", `document.querySelectorAll('.areamap-handle').length === 4`)
		corner := editor.eval(`(() => { const r = document.querySelectorAll('.areamap-handle')[0].getBoundingClientRect();
			return [r.left + r.width / 2, r.top + r.height / 2].join(','); })()`)
		var cx, cy float64
		if _, err := fmt.Sscanf(corner, "%f,%f", &cx, &cy); err != nil {
			editor.fail("find a corner", err)
		}
		editor.do("drag the corner", chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, cx, cy, chromedp.ButtonType(input.MouseButtonLeft)),
			chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, cx+5, cy+5, chromedp.ButtonType(input.MouseButtonLeft)),
			chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, cx+10, cy+10, chromedp.ButtonType(input.MouseButtonLeft)),
			chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, cx+10, cy+10, chromedp.ButtonType(input.MouseButtonLeft)))
		editor.waitFor("the moved corner in the GeoJSON field", fmt.Sprintf(`document.querySelector('[name=area_geojson]').value !== %q`, drawn))
		if moved, err := area.FromGeoJSON([]byte(editor.value(`[name=area_geojson]`))); err != nil || len(moved.Polygons) != 1 || moved.Validate() != nil {
			editor.fail("keep a valid polygon after the drag", fmt.Errorf("%v", err))
		}
		editor.do("stop editing", chromedp.Click(`.areamap button[data-action=edit]`))
		editor.check("area_scope", models.AreaScopeArea)
		editor.waitFor("the audience count to change", fmt.Sprintf(`document.querySelector('#audience').innerText.trim() !== %q`, everyone))
		inArea := strings.TrimSpace(editor.text("#audience"))
		editor.shoot("notice-editor-area")
		editor.axe()
		editor.submit(`button[value=publish]`)
		editor.sees("Publish to")
		editor.sees("Only to the people in the area")
		editor.submit(`main form button[type=submit]`)
		editor.waitFor("the broadcast to finish", `!!document.querySelector('#progress') && document.querySelector('#progress').innerText.includes('Finished')`)

		var n models.Notice
		a.Store.DB().Where("account_id = ?", f.Account.ID).Order("id DESC").First(&n)
		if n.AreaScope != models.AreaScopeArea || !strings.Contains(n.Area, "polygons") {
			t.Fatalf("published notice area %q scope %q", n.Area, n.AreaScope)
		}
		var b models.Broadcast
		a.Store.DB().Where("notice_id = ?", n.ID).First(&b)
		if !strings.Contains(inArea, fmt.Sprint(b.Total)) {
			t.Fatalf("the editor counted %q, the broadcast went to %d", inArea, b.Total)
		}
		waitMail(t, sink, "harbour@example.org", "Storm surge at the harbour")
		// Give the broadcast's other messages time to arrive, then make
		// sure the hills were left out.
		time.Sleep(500 * time.Millisecond)
		for _, m := range sink.Messages() {
			if len(m.To) == 1 && m.To[0] == "hills@example.org" && strings.Contains(m.Subject, "Storm surge") {
				t.Fatal("the follower in the hills got the harbour's alert")
			}
		}
		// The public page shows the area, in words too.
		citizen.open(fmt.Sprintf("/@metro/notices/%d", n.ID))
		citizen.sees("an area drawn on the map")
		citizen.axe()
		// In Arabic, on the phone: right to left, no sideways scroll.
		citizen.open("/@metro/follow?lang=ar")
		citizen.rightToLeft("follow-where-ar")
		citizen.open(fmt.Sprintf("/@metro/notices/%d?lang=ar", n.ID))
		citizen.rightToLeft("notice-area-ar")
	})
}

// TestAreaKeyboard draws an area with the keyboard alone: a circle at
// the map's crosshair, then "only the people in the area", and the
// audience count follows.
func TestAreaKeyboard(t *testing.T) {
	chromium(t)
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		if _, err := a.Districts.Import(ctx, f.Member(models.RoleOwner), f.Org.ID, []byte(journeyDistricts), false); err != nil {
			t.Fatal(err)
		}
		ds, _ := a.Districts.List(ctx, f.Org.ID)
		for i, d := range ds {
			fl, err := a.Followers.SeedFollower(ctx, f.Account.ID, models.ChannelWebhook, fmt.Sprint("hook-", i), "", "en", nil, 0, "")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.Followers.SetArea(ctx, fl.ID, follower.AreaChoice{Mode: models.AreaDistricts, Districts: []int64{d.ID}}); err != nil {
				t.Fatal(err)
			}
		}
		// Far away: the circle must not reach this one.
		far, _ := a.Followers.SeedFollower(ctx, f.Account.ID, models.ChannelWebhook, "hook-far", "", "en", nil, 0, "")
		lat, lon := 23.0, 115.0
		if _, err := a.Followers.SetArea(ctx, far.ID, follower.AreaChoice{Mode: models.AreaPlace, Lat: &lat, Lon: &lon}); err != nil {
			t.Fatal(err)
		}
		editor := newPerson(t, "editor", a.URL, false)
		editor.login(f.ByRole[models.RoleEditor].Email, apptest.Password)
		editor.open(fmt.Sprintf("/studio/orgs/%d/accounts/metro/notices/new", f.Org.ID))
		editor.waitFor("the map", `!!document.querySelector('.areamap button[data-action=circle]')`)
		editor.tabTo(`[id="f-title.en"]`)
		editor.do("type the title", chromedp.KeyEvent("Water off near the hills"))
		editor.tabTo(`[id="f-body.en"]`)
		editor.do("type the text", chromedp.KeyEvent("Until 16:00."))
		everyone := strings.TrimSpace(editor.text("#audience"))
		editor.tabTo(`.areamap button[data-action=circle]`)
		editor.do("press Enter", chromedp.KeyEvent("\r"))
		editor.tabTo(`.areamap button[data-action=center]`)
		editor.do("press Enter", chromedp.KeyEvent("\r"))
		editor.waitFor("the circle in the GeoJSON field", `document.querySelector('[name=area_geojson]').value.includes('"radius"')`)
		// A radio group takes one Tab; the arrow keys choose within it.
		editor.tabTo(`input[name=area_scope]:checked`)
		editor.do("press the down arrow", chromedp.KeyEvent(kb.ArrowDown))
		if got := editor.eval(`document.querySelector('input[name=area_scope]:checked').value`); got != models.AreaScopeArea {
			editor.fail("choose only the people in the area", fmt.Errorf("the scope is %q", got))
		}
		editor.waitFor("the audience count to change", fmt.Sprintf(`document.querySelector('#audience').innerText.trim() !== %q`, everyone))
		// The map's centre is where the two districts meet: a 500 m
		// circle there reaches both, and not the far place.
		n, err := a.Notices.AudienceCount(ctx, f.Member(models.RoleEditor), f.Account, editorAudience(t, editor))
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(editor.text("#audience")); !strings.Contains(got, fmt.Sprint(n)) {
			t.Fatalf("the editor shows %q, the area reaches %d", got, n)
		}
		editor.tabTo(`button[value=publish]`)
		editor.do("press Enter", chromedp.KeyEvent("\r"), chromedp.Sleep(200*time.Millisecond), chromedp.WaitReady("body"))
		editor.sees("Only to the people in the area")
		editor.sees("within 500 m of")
		editor.axe()
	})
}

// editorAudience reads the area the editor's page holds, as the studio
// would count it.
func editorAudience(t *testing.T, p *person) notice.Audience {
	t.Helper()
	ar, err := area.FromGeoJSON([]byte(p.value(`[name=area_geojson]`)))
	if err != nil {
		p.fail("read the drawn area", err)
	}
	return notice.Audience{Area: &ar, Scope: models.AreaScopeArea, Unlocated: true}
}
