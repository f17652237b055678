package handlers_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/followcode"
)

func TestCodesCreateEditExpire(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ed := a.Client(t)
		ed.Login(f.ByRole[models.RoleEditor].Email, apptest.Password)
		vw := a.Client(t)
		vw.Login(f.ByRole[models.RoleViewer].Email, apptest.Password)

		res := ed.Get(codesURL(f, ""))
		if res.Status != http.StatusOK || !strings.Contains(res.Body, "No follow QR codes yet.") ||
			!strings.Contains(res.Body, `href="`+codesURL(f, "/new")+`"`) || !strings.Contains(res.Body, `aria-current="page">Follow QR codes</a>`) {
			t.Fatalf("empty list for an editor: %s", res)
		}
		if res := vw.Get(codesURL(f, "")); res.Status != http.StatusOK || strings.Contains(res.Body, codesURL(f, "/new")) {
			t.Fatalf("a viewer sees the list without the New code button: %s", res)
		}
		if res := ed.Get(codesURL(f, "/new")); res.Status != http.StatusOK || !strings.Contains(res.Body, `name="scene"`) {
			t.Fatalf("new code form: %s", res)
		}

		res = ed.Post(codesURL(f, ""), url.Values{"name": {"Stop 1042"}, "scene": {"Stop-1042"}, "expires_on": {""}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("create: %s", res)
		}
		id, err := strconv.ParseInt(strings.TrimPrefix(res.Location, codesURL(f, "/")), 10, 64)
		if err != nil {
			t.Fatalf("create redirected to %q", res.Location)
		}
		code := codeLoad(t, a, id)
		if code.Name != "Stop 1042" || code.Scene != "stop-1042" || code.ExpiresAt != nil || code.AccountID != f.Account.ID {
			t.Fatalf("created %+v", code)
		}
		page := ed.Get(res.Location)
		if page.Status != http.StatusOK || !strings.Contains(page.Body, "The code is ready") ||
			!strings.Contains(page.Body, `value="http://plaza.test/q/`+code.Code+`"`) ||
			!strings.Contains(page.Body, codeURL(f, id, "/qr.png?size=1024")) || !strings.Contains(page.Body, codeURL(f, id, "/poster")) {
			t.Fatalf("code page: %s", page)
		}
		if codeCount(t, a, &models.AuditEntry{}, "action = ? AND detail = ?", "code.create", "stop-1042") != 1 {
			t.Fatal("creating the code was not audited")
		}

		// Bad input: the form comes back with a message and what was typed,
		// and nothing is stored.
		tomorrow := a.Store.Now().AddDate(0, 0, 1).Format("2006-01-02")
		bad := []struct {
			name string
			form url.Values
			want string
		}{
			{"empty name", url.Values{"name": {"  "}, "scene": {"stop-7"}}, "This field is required."},
			{"name too long", url.Values{"name": {strings.Repeat("n", 101)}, "scene": {"stop-7"}}, "This is too long."},
			{"bad scene", url.Values{"name": {"Stop 7"}, "scene": {"Stop 1042!"}}, "Use lowercase letters, digits, - and _"},
			{"empty scene", url.Values{"name": {"Stop 7"}, "scene": {""}}, "Use lowercase letters, digits, - and _"},
			{"a test-chat code's scene", url.Values{"name": {"Stop 7"}, "scene": {"plaza-12345678"}}, "Scenes like plaza-12345678 link staff chats for tests."},
			{"duplicate scene", url.Values{"name": {"Stop 7"}, "scene": {"stop-1042"}}, "This account already has a code for this scene."},
			{"past expiry", url.Values{"name": {"Stop 7"}, "scene": {"stop-7"}, "expires_on": {"2000-01-31"}}, "The expiry must be in the future."},
			{"not a date", url.Values{"name": {"Stop 7"}, "scene": {"stop-7"}, "expires_on": {"31/01/2099"}}, "Enter a date like 2025-06-30."},
		}
		for _, tt := range bad {
			res := ed.Post(codesURL(f, ""), tt.form)
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, tt.want) ||
				!strings.Contains(res.Body, "Some fields need your attention") {
				t.Fatalf("%s: %s; want 422 with %q", tt.name, res, tt.want)
			}
			for _, field := range []string{"name", "scene", "expires_on"} {
				if v := tt.form.Get(field); strings.TrimSpace(v) != "" && !strings.Contains(res.Body, `value="`+v+`"`) {
					t.Fatalf("%s: the %s %q typed was not kept", tt.name, field, v)
				}
			}
		}
		if n := codeCount(t, a, &followcode.FollowCode{}, "account_id = ?", f.Account.ID); n != 1 {
			t.Fatalf("%d codes after refused creations, want 1", n)
		}

		// A code with a last day expires at the midnight after it.
		res = ed.Post(codesURL(f, ""), url.Values{"name": {"Spring poster"}, "scene": {"poster-spring"}, "expires_on": {tomorrow}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("create with expiry: %s", res)
		}
		spring, _ := strconv.ParseInt(strings.TrimPrefix(res.Location, codesURL(f, "/")), 10, 64)
		sc := codeLoad(t, a, spring)
		day, _ := time.Parse("2006-01-02", tomorrow)
		if sc.ExpiresAt == nil || !sc.ExpiresAt.Equal(day.AddDate(0, 0, 1)) {
			t.Fatalf("expiry of a code lasting through %s = %v", tomorrow, sc.ExpiresAt)
		}
		list := vw.Get(codesURL(f, ""))
		if list.Status != http.StatusOK || !strings.Contains(list.Body, "Stop 1042") || !strings.Contains(list.Body, "Spring poster") ||
			!strings.Contains(list.Body, "Active until") || strings.Index(list.Body, "Spring poster") > strings.Index(list.Body, "Stop 1042") {
			t.Fatalf("list, newest first: %s", list)
		}

		// Editing changes the name and the expiry, never the scene.
		next := a.Store.Now().AddDate(0, 1, 0).Format("2006-01-02")
		res = ed.Post(codeURL(f, id, ""), url.Values{"name": {"Stop 1042, Main St"}, "scene": {"hijack"}, "expires_on": {next}})
		if res.Status != http.StatusSeeOther || res.Location != codeURL(f, id, "") {
			t.Fatalf("edit: %s", res)
		}
		code = codeLoad(t, a, id)
		if code.Name != "Stop 1042, Main St" || code.Scene != "stop-1042" || code.ExpiresAt == nil {
			t.Fatalf("after edit: %+v", code)
		}
		if page := ed.Get(codeURL(f, id, "")); !strings.Contains(page.Body, `value="`+next+`"`) || !strings.Contains(page.Body, "The code is saved.") {
			t.Fatalf("edited code page: %s", page)
		}
		for _, tt := range []struct {
			name string
			form url.Values
			want string
		}{
			{"empty name", url.Values{"name": {""}, "expires_on": {next}}, "This field is required."},
			{"past expiry", url.Values{"name": {"Renamed"}, "expires_on": {"2001-02-03"}}, "The expiry must be in the future."},
			{"not a date", url.Values{"name": {"Renamed"}, "expires_on": {"soon"}}, "Enter a date like"},
		} {
			res := ed.Post(codeURL(f, id, ""), tt.form)
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, tt.want) {
				t.Fatalf("edit with %s: %s", tt.name, res)
			}
			if got := codeLoad(t, a, id); got.Name != code.Name || !got.ExpiresAt.Equal(*code.ExpiresAt) {
				t.Fatalf("edit with %s changed the code: %+v", tt.name, got)
			}
		}
		// Clearing the last day makes the code work until it is ended.
		if res := ed.Post(codeURL(f, id, ""), url.Values{"name": {"Stop 1042, Main St"}, "expires_on": {""}}); res.Status != http.StatusSeeOther {
			t.Fatalf("clear expiry: %s", res)
		}
		if got := codeLoad(t, a, id); got.ExpiresAt != nil {
			t.Fatalf("expiry after clearing it: %v", got.ExpiresAt)
		}
		if codeCount(t, a, &models.AuditEntry{}, "action = ? AND detail = ?", "code.update", "stop-1042") != 2 {
			t.Fatal("edits were not audited once each")
		}

		// Ending a code asks first, then its link stops working.
		citizen := a.Client(t)
		if res := citizen.Get("/q/" + code.Code); res.Status != http.StatusOK {
			t.Fatalf("scan before ending: %s", res)
		}
		ask := ed.Get(codeURL(f, id, "/expire"))
		if ask.Status != http.StatusOK || !strings.Contains(ask.Body, "Yes, end the code") || codeLoad(t, a, id).ExpiresAt != nil {
			t.Fatalf("confirmation page: %s", ask)
		}
		if res := ed.Post(codeURL(f, id, "/expire"), nil); res.Status != http.StatusSeeOther || res.Location != codeURL(f, id, "") {
			t.Fatalf("end: %s", res)
		}
		ended := codeLoad(t, a, id)
		if !ended.Expired(time.Now()) {
			t.Fatalf("ended code still active: %v", ended.ExpiresAt)
		}
		if res := citizen.Get("/q/" + code.Code); res.Status != http.StatusGone {
			t.Fatalf("scan after ending: %s; want 410", res)
		}
		page = ed.Get(codeURL(f, id, ""))
		if !strings.Contains(page.Body, "The code has ended.") || !strings.Contains(page.Body, "This code has ended") ||
			strings.Contains(page.Body, `name="expires_on"`) || strings.Contains(page.Body, codeURL(f, id, "/expire")) {
			t.Fatalf("ended code page: %s", page)
		}
		// Ending again, or renaming, leaves it ended.
		if res := ed.Post(codeURL(f, id, "/expire"), nil); res.Status != http.StatusSeeOther {
			t.Fatalf("end again: %s", res)
		}
		if res := ed.Post(codeURL(f, id, ""), url.Values{"name": {"Old stop"}, "expires_on": {next}}); res.Status != http.StatusSeeOther {
			t.Fatalf("rename an ended code: %s", res)
		}
		if got := codeLoad(t, a, id); got.Name != "Old stop" || !got.ExpiresAt.Equal(*ended.ExpiresAt) {
			t.Fatalf("renaming an ended code changed its end: %+v", got)
		}
		if codeCount(t, a, &models.AuditEntry{}, "action = ? AND detail = ?", "code.expire", "stop-1042") != 1 {
			t.Fatal("ending was not audited exactly once")
		}
		if res := ed.Get(fmt.Sprintf("/studio/orgs/%d/audit", f.Org.ID)); !strings.Contains(res.Body, "Ended follow code of") {
			t.Fatalf("audit log does not name the action: %s", res)
		}

		// Unknown or malformed ids are 404, not 500.
		for _, p := range []string{codeURL(f, 999999, ""), codesURL(f, "/abc"), codeURL(f, 999999, "/qr.svg"), codesURL(f, "/0/poster")} {
			if res := ed.Get(p); res.Status != http.StatusNotFound {
				t.Fatalf("GET %s: %s; want 404", p, res)
			}
		}
	})
}

func TestCodeDownloadsAndPoster(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		code, err := a.FollowCodes.CreateFollowCode(context.Background(), f.Member(models.RoleEditor), f.Account, followcode.FollowCodeInput{Name: "Stop 1042", Scene: "stop-1042"})
		if err != nil {
			t.Fatal(err)
		}
		short := "http://plaza.test/q/" + code.Code
		c := a.Client(t)
		c.Login(f.ByRole[models.RoleViewer].Email, apptest.Password)

		for _, size := range []int{256, 512, 1024} {
			res := c.Get(codeURL(f, code.ID, "/qr.png?size="+strconv.Itoa(size)))
			if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "image/png" {
				t.Fatalf("PNG %d: status %d, type %q", size, res.Status, res.Header.Get("Content-Type"))
			}
			want := fmt.Sprintf(`attachment; filename="metro-stop-1042-%d.png"`, size)
			if got := res.Header.Get("Content-Disposition"); got != want {
				t.Fatalf("PNG %d: Content-Disposition %q, want %q", size, got, want)
			}
			img, err := png.Decode(strings.NewReader(res.Body))
			if err != nil {
				t.Fatalf("PNG %d does not decode: %v", size, err)
			}
			if b := img.Bounds(); b.Dx() != size || b.Dy() != size {
				t.Fatalf("PNG %d is %v", size, b)
			}
		}
		for _, size := range []string{"100", "2048", "abc", "-256", "0", "512px"} {
			res := c.Get(codeURL(f, code.ID, "/qr.png?size="+url.QueryEscape(size)))
			if res.Status != http.StatusBadRequest || !strings.Contains(res.Body, "Size not available") ||
				!strings.Contains(res.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("size %q: %s; want a 400 page", size, res)
			}
		}

		res := c.Get(codeURL(f, code.ID, "/qr.svg"))
		if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "image/svg+xml" ||
			res.Header.Get("Content-Disposition") != `attachment; filename="metro-stop-1042.svg"` {
			t.Fatalf("SVG: status %d, headers %v", res.Status, res.Header)
		}
		var svg struct {
			XMLName xml.Name `xml:"svg"`
			ViewBox string   `xml:"viewBox,attr"`
			Title   string   `xml:"title"`
			Path    []struct {
				D string `xml:"d,attr"`
			} `xml:"path"`
		}
		dec := xml.NewDecoder(strings.NewReader(res.Body))
		if err := dec.Decode(&svg); err != nil {
			t.Fatalf("SVG is not XML: %v", err)
		}
		if svg.XMLName.Space != "http://www.w3.org/2000/svg" || svg.Title != short || len(svg.Path) != 1 || svg.ViewBox == "" {
			t.Fatalf("SVG = %+v", svg)
		}
		if _, err := dec.Token(); err != io.EOF {
			t.Fatalf("something follows the SVG element: %v", err)
		}

		poster := c.Get(codeURL(f, code.ID, "/poster"))
		if poster.Status != http.StatusOK {
			t.Fatalf("poster: %s", poster)
		}
		for _, want := range []string{
			`<span lang="en" dir="ltr">Scan to follow</span>`, `<span lang="zh-Hans" dir="ltr">扫码关注</span>`,
			`<p class="poster-name" lang="en" dir="ltr">Metro</p>`, `<p class="poster-name" lang="zh-Hans" dir="ltr">地铁</p>`,
			`href="` + short + `">plaza.test/q/` + code.Code + `</a>`, `<svg xmlns="http://www.w3.org/2000/svg"`, `<title>` + short + `</title>`,
			`class="poster"`, `class="no-print"`,
		} {
			if !strings.Contains(poster.Body, want) {
				t.Fatalf("poster lacks %q:\n%s", want, poster)
			}
		}
		// The poster's own page is in Chinese for a Chinese reader; the
		// poster keeps both languages.
		zh := a.Client(t)
		zh.Login(f.ByRole[models.RoleViewer].Email, apptest.Password)
		zh.Get("/lang/zh?next=/")
		if res := zh.Get(codeURL(f, code.ID, "/poster")); !strings.Contains(res.Body, "海报：Stop 1042") || !strings.Contains(res.Body, ">Scan to follow<") {
			t.Fatalf("Chinese poster page: %s", res)
		}
	})
}

func TestCodesOfOtherOrganizations(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		mine, err := a.FollowCodes.CreateFollowCode(ctx, f.Member(models.RoleOwner), f.Account, followcode.FollowCodeInput{Name: "Stop 1042", Scene: "stop-1042"})
		if err != nil {
			t.Fatal(err)
		}
		outside := &models.Member{User: f.Outside, Org: f.Other, Role: models.RoleOwner}
		theirAcc, err := a.Accounts.CreateAccount(ctx, outside, models.AccountInput{Handle: "greenway", Name: "Greenway", Category: "charity", Languages: []string{"en"}})
		if err != nil {
			t.Fatal(err)
		}
		theirs, err := a.FollowCodes.CreateFollowCode(ctx, outside, theirAcc, followcode.FollowCodeInput{Name: "Park", Scene: "park"})
		if err != nil {
			t.Fatal(err)
		}

		// Staff of the other organization see none of Metro's codes.
		o := a.Client(t)
		o.Login(f.Outside.Email, apptest.Password)
		for _, p := range []string{codesURL(f, ""), codeURL(f, mine.ID, ""), codeURL(f, mine.ID, "/qr.png?size=256"), codeURL(f, mine.ID, "/qr.svg"), codeURL(f, mine.ID, "/poster")} {
			if res := o.Get(p); res.Status != http.StatusNotFound {
				t.Fatalf("outsider GET %s: %s; want 404", p, res)
			}
		}
		if res := o.Post(codeURL(f, mine.ID, "/expire"), nil); res.Status != http.StatusNotFound {
			t.Fatalf("outsider ending a code: %s", res)
		}
		// Their own account's path in their organization, with Metro's code
		// id: still 404.
		other := fmt.Sprintf("/studio/orgs/%d/accounts/greenway/codes", f.Other.ID)
		if res := o.Get(other); res.Status != http.StatusOK || !strings.Contains(res.Body, "Park") || strings.Contains(res.Body, "Stop 1042") {
			t.Fatalf("outsider's own list: %s", res)
		}
		if res := o.Get(fmt.Sprintf("%s/%d", other, mine.ID)); res.Status != http.StatusNotFound {
			t.Fatalf("Metro's code under the outsider's account: %s", res)
		}

		// Metro's owner cannot reach the other organization's code through
		// Metro's paths either.
		me := a.Client(t)
		me.Login(f.ByRole[models.RoleOwner].Email, apptest.Password)
		for _, p := range []string{codeURL(f, theirs.ID, ""), codeURL(f, theirs.ID, "/poster"), fmt.Sprintf("/studio/orgs/%d/accounts/greenway/codes", f.Org.ID), other} {
			if res := me.Get(p); res.Status != http.StatusNotFound {
				t.Fatalf("GET %s: %s; want 404", p, res)
			}
		}
		if res := me.Post(codeURL(f, theirs.ID, ""), url.Values{"name": {"Mine now"}}); res.Status != http.StatusNotFound {
			t.Fatalf("editing another organization's code: %s", res)
		}
		if got := codeLoad(t, a, theirs.ID); got.Name != "Park" || got.ExpiresAt != nil {
			t.Fatalf("the other organization's code changed: %+v", got)
		}
		// The model refuses too, whatever account it is handed.
		if _, err := a.FollowCodes.FollowCodeByID(ctx, f.Member(models.RoleOwner), theirAcc, theirs.ID); err == nil {
			t.Fatal("FollowCodeByID gave a member another organization's code")
		}
		if _, err := a.FollowCodes.ListFollowCodes(ctx, f.Member(models.RoleOwner), theirAcc); err == nil {
			t.Fatal("ListFollowCodes listed another organization's codes")
		}
		if err := a.FollowCodes.ExpireFollowCode(ctx, f.Member(models.RoleOwner), theirAcc, theirs); err == nil {
			t.Fatal("ExpireFollowCode ended another organization's code")
		}
	})
}
