package handlers_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/models"
)

func codesURL(f *apptest.Fixtures, rest string) string {
	return fmt.Sprintf("/studio/orgs/%d/accounts/metro/codes%s", f.Org.ID, rest)
}

func codeURL(f *apptest.Fixtures, id int64, rest string) string {
	return codesURL(f, fmt.Sprintf("/%d%s", id, rest))
}

func codeLoad(t *testing.T, a *apptest.App, id int64) models.FollowCode {
	t.Helper()
	var c models.FollowCode
	if err := a.DB.Gorm.First(&c, id).Error; err != nil {
		t.Fatalf("load code %d: %v", id, err)
	}
	return c
}

func codeCount(t *testing.T, a *apptest.App, model any, where string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := a.DB.Gorm.Model(model).Where(where, args...).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// codeStat reads the number shown under a label of the page's stats.
func codeStat(t *testing.T, body, label string) string {
	t.Helper()
	m := regexp.MustCompile(`<dt>` + regexp.QuoteMeta(label) + `</dt><dd>([^<]*)</dd>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %q in the stats of the page", label)
	}
	return m[1]
}

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
		if n := codeCount(t, a, &models.FollowCode{}, "account_id = ?", f.Account.ID); n != 1 {
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
		code, err := a.Store.CreateFollowCode(context.Background(), f.Member(models.RoleEditor), f.Account, models.FollowCodeInput{Name: "Stop 1042", Scene: "stop-1042"})
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
			`<span lang="en">Scan to follow</span>`, `<span lang="zh-Hans">扫码关注</span>`,
			`<p class="poster-name" lang="en">Metro</p>`, `<p class="poster-name" lang="zh-Hans">地铁</p>`,
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

// codeGetAs fetches path with a User-Agent, as a phone or a crawler would,
// from client (sent as X-Forwarded-For, which counts when the app trusts
// loopback proxies; "" sends none).
func codeGetAs(t *testing.T, a *apptest.App, path, userAgent, client string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, a.URL+path, nil)
	req.Header.Set("User-Agent", userAgent)
	if client != "" {
		req.Header.Set("X-Forwarded-For", client)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// trustLoopbackProxy makes the test client a trusted proxy, so the
// X-Forwarded-For it sends names the client.
func trustLoopbackProxy(c *config.Config) {
	_, n, _ := net.ParseCIDR("127.0.0.0/8")
	c.TrustedProxies = []*net.IPNet{n}
}

func TestCodeScansFollowsAndConversion(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.StartWith(t, dbURL, trustLoopbackProxy)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		ed := f.Member(models.RoleEditor)
		code, err := a.Store.CreateFollowCode(ctx, ed, f.Account, models.FollowCodeInput{Name: "Stop 1042", Scene: "stop-1042"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = a.Store.CreateFollowCode(ctx, ed, f.Account, models.FollowCodeInput{Name: "Quiet", Scene: "quiet"})
		if err != nil {
			t.Fatal(err)
		}
		for i, ua := range []string{
			"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
			"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/124.0 Mobile Safari/537.36",
			"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36",
			"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
			"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0",
		} {
			// Five people: one client's scans of a code count once an hour.
			if st := codeGetAs(t, a, "/q/"+code.Code, ua, fmt.Sprintf("198.51.100.%d", i+1)); st != http.StatusOK {
				t.Fatalf("scan as %q: status %d", ua, st)
			}
		}
		var devices []string
		a.DB.Gorm.Model(&models.Scan{}).Where("code_id = ?", code.ID).Pluck("device", &devices)
		sort.Strings(devices)
		if strings.Join(devices, ",") != "bot,desktop,phone,phone,phone" {
			t.Fatalf("devices recorded = %v", devices)
		}
		cols, err := a.DB.Gorm.Migrator().ColumnTypes("scans")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cols {
			if n := strings.ToLower(c.Name()); strings.Contains(n, "ip") || strings.Contains(n, "addr") || strings.Contains(n, "agent") {
				t.Fatalf("scans keep %q about the visitor", c.Name())
			}
		}

		// Two follows through the code are confirmed, one is still pending,
		// and one came without a code.
		follow := func(addr string, codeID *int64, confirm bool) {
			req := models.FollowRequest{AccountID: f.Account.ID, Channel: models.ChannelEmail, Address: addr, CodeID: codeID}
			if codeID != nil {
				req.Scene = code.Scene
			}
			fl, err := a.Store.RequestFollow(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if confirm {
				if _, err := a.Store.ConfirmFollow(ctx, fl.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		follow("one@example.org", &code.ID, true)
		follow("two@example.org", &code.ID, true)
		follow("waiting@example.org", &code.ID, false)
		follow("direct@example.org", nil, true)

		list, err := a.Store.ListFollowCodes(ctx, f.Member(models.RoleViewer), f.Account)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, c := range list {
			got[c.Scene] = fmt.Sprintf("%d/%d/%.2f", c.Scans, c.Follows, c.Conversion())
		}
		if got["stop-1042"] != "4/2/0.50" || got["quiet"] != "0/0/0.00" || len(got) != 2 {
			t.Fatalf("totals = %v; want stop-1042 4 scans (bot left out), 2 follows, 50%%", got)
		}

		c := a.Client(t)
		c.Login(f.ByRole[models.RoleViewer].Email, apptest.Password)
		page := c.Get(codeURL(f, code.ID, ""))
		if page.Status != http.StatusOK {
			t.Fatalf("code page: %s", page)
		}
		if s, fo, cv := codeStat(t, page.Body, "Scans"), codeStat(t, page.Body, "Follows"), codeStat(t, page.Body, "Conversion"); s != "4" || fo != "2" || cv != "50.0%" {
			t.Fatalf("page shows scans %s, follows %s, conversion %s", s, fo, cv)
		}
		for _, want := range []string{`data-device="phone">Phone: 3<`, `data-device="bot">Bots and link previews (not counted as scans): 1<`, `data-device="desktop">Computer: 1<`} {
			if !strings.Contains(page.Body, want) {
				t.Fatalf("device breakdown lacks %q: %s", want, page)
			}
		}
		listPage := c.Get(codesURL(f, ""))
		if !regexp.MustCompile(`>Stop 1042</a></td><td><code>stop-1042</code></td><td>Active</td><td class="num"[^>]*>4</td><td class="num"[^>]*>2</td><td class="num"[^>]*>50.0%</td>`).MatchString(listPage.Body) ||
			!regexp.MustCompile(`>Quiet</a></td><td><code>quiet</code></td><td>Active</td><td class="num"[^>]*>0</td><td class="num"[^>]*>0</td><td class="num"[^>]*>–</td>`).MatchString(listPage.Body) {
			t.Fatalf("list totals: %s", listPage)
		}
	})
}

// A scan counts once per client per code per hour: a script that opens a
// poster's link in a loop cannot inflate its numbers, and a client is its
// address as the trusted proxy reports it, an IPv6 client its /64. No
// address is kept, not even in the counters that expire.
func TestScansCountOncePerClient(t *testing.T) {
	repeat := func(n int, clients ...string) []string {
		var out []string
		for range n {
			out = append(out, clients...)
		}
		return out
	}
	tests := []struct {
		name    string
		clients []string
		want    int64
	}{
		{"one client 300 times", repeat(300, "203.0.113.7"), 1},
		{"two clients 150 times each", repeat(150, "203.0.113.7", "203.0.113.8"), 2},
		{"IPv6 addresses in one /64", []string{"2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe", "2001:db8:1:2::1"}, 1},
		{"IPv6 addresses in two /64s", []string{"2001:db8:1:2::1", "2001:db8:1:3::1"}, 2},
	}
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.StartWith(t, dbURL, trustLoopbackProxy)
		f := apptest.Seed(t, a)
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				code, err := a.Store.CreateFollowCode(context.Background(), f.Member(models.RoleEditor), f.Account,
					models.FollowCodeInput{Name: tt.name, Scene: fmt.Sprintf("scene-%d", i)})
				if err != nil {
					t.Fatal(err)
				}
				for _, client := range tt.clients {
					if st := codeGetAs(t, a, "/q/"+code.Code, "Mozilla/5.0 (iPhone) Mobile", client); st != http.StatusOK {
						t.Fatalf("scan from %s: status %d", client, st)
					}
				}
				if n := codeCount(t, a, &models.Scan{}, "code_id = ?", code.ID); n != tt.want {
					t.Fatalf("%d scans counted, want %d", n, tt.want)
				}
			})
		}
		var keys []string
		a.DB.Gorm.Model(&models.RateLimit{}).Pluck("key", &keys)
		for _, k := range keys {
			if strings.Contains(k, "203.0.113") || strings.Contains(k, "2001:db8") || strings.Contains(k, "127.0.0.1") {
				t.Errorf("rate-limit key %q holds a client address", k)
			}
		}
	})
}

// codeChartRow reads one day of the chart's table: scans and follows.
func codeChartRow(t *testing.T, body, label string) (string, string) {
	t.Helper()
	m := regexp.MustCompile(`<th scope="row">` + regexp.QuoteMeta(label) + `</th><td>(\d+)</td><td>(\d+)</td>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no row %q in the chart's table", label)
	}
	return m[1], m[2]
}

func TestCodeDailyChart(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		code, err := a.Store.CreateFollowCode(ctx, f.Member(models.RoleOwner), f.Account, models.FollowCodeInput{Name: "Stop 1042", Scene: "stop-1042"})
		if err != nil {
			t.Fatal(err)
		}
		other, err := a.Store.CreateFollowCode(ctx, f.Member(models.RoleOwner), f.Account, models.FollowCodeInput{Name: "Other", Scene: "other"})
		if err != nil {
			t.Fatal(err)
		}
		now := a.Store.Now()
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
		threeAgo := today.AddDate(0, 0, -3)
		at := func(day time.Time, h, m int) time.Time {
			return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
		}
		scans := []models.Scan{
			{CodeID: code.ID, Device: "phone", CreatedAt: at(threeAgo, 0, 0)},
			{CodeID: code.ID, Device: "phone", CreatedAt: at(threeAgo, 12, 30)},
			{CodeID: code.ID, Device: "desktop", CreatedAt: at(threeAgo, 23, 59)},
			{CodeID: code.ID, Device: "bot", CreatedAt: at(threeAgo, 13, 0)},
			{CodeID: code.ID, Device: "phone", CreatedAt: at(today, 0, 1)},
			// Before the 30 days, and another code's: not on the chart.
			{CodeID: code.ID, Device: "phone", CreatedAt: at(today.AddDate(0, 0, -30), 23, 0)},
			{CodeID: other.ID, Device: "phone", CreatedAt: at(threeAgo, 10, 0)},
		}
		if err := a.DB.Gorm.Create(&scans).Error; err != nil {
			t.Fatal(err)
		}
		events := []models.FollowEvent{
			{AccountID: f.Account.ID, CodeID: &code.ID, Channel: "email", Kind: "follow", CreatedAt: at(threeAgo, 12, 45)},
			{AccountID: f.Account.ID, CodeID: &code.ID, Channel: "email", Kind: "unfollow", CreatedAt: at(threeAgo, 13, 0)},
			{AccountID: f.Account.ID, CodeID: &code.ID, Channel: "email", Kind: "follow", CreatedAt: at(today, 0, 2)},
			{AccountID: f.Account.ID, Channel: "email", Kind: "follow", CreatedAt: at(today, 0, 3)},
		}
		if err := a.DB.Gorm.Create(&events).Error; err != nil {
			t.Fatal(err)
		}

		days, err := a.Store.CodeDailyStats(ctx, code, 30)
		if err != nil {
			t.Fatal(err)
		}
		if len(days) != 30 || !days[29].Day.Equal(today) || !days[0].Day.Equal(today.AddDate(0, 0, -29)) {
			t.Fatalf("days run from %v to %v (%d); want the 30 days to today", days[0].Day, days[len(days)-1].Day, len(days))
		}
		for i, d := range days {
			want := codeDayWant(i)
			if d.Scans != want[0] || d.Follows != want[1] {
				t.Fatalf("day %s: %d scans, %d follows; want %v", d.Day.Format("2006-01-02"), d.Scans, d.Follows, want)
			}
		}

		c := a.Client(t)
		c.Login(f.ByRole[models.RoleViewer].Email, apptest.Password)
		page := c.Get(codeURL(f, code.ID, ""))
		if s, fo := codeChartRow(t, page.Body, threeAgo.Format("2 Jan")); s != "3" || fo != "1" {
			t.Fatalf("three days ago in the table: %s scans, %s follows", s, fo)
		}
		if s, fo := codeChartRow(t, page.Body, today.Format("2 Jan")); s != "1" || fo != "1" {
			t.Fatalf("today in the table: %s scans, %s follows", s, fo)
		}
		if s, fo := codeChartRow(t, page.Body, today.AddDate(0, 0, -1).Format("2 Jan")); s != "0" || fo != "0" {
			t.Fatalf("an empty day in the table: %s scans, %s follows", s, fo)
		}
		for _, want := range []string{`role="img" aria-labelledby="code-chart-title code-chart-desc"`, "4 scans and 2 follows in all",
			"<title>" + threeAgo.Format("2 Jan") + ": Scans 3</title>", "<title>" + today.Format("2 Jan") + ": Follows 1</title>"} {
			if !strings.Contains(page.Body, want) {
				t.Fatalf("chart lacks %q: %s", want, page)
			}
		}
		// The chart is well-formed SVG.
		i, j := strings.Index(page.Body, "<svg"), strings.Index(page.Body, "</svg>")
		if i < 0 || j < i {
			t.Fatal("no chart")
		}
		if err := xml.Unmarshal([]byte(page.Body[i:j+len("</svg>")]), new(struct{})); err != nil {
			t.Fatalf("chart is not well-formed: %v", err)
		}
		// In Chinese, the days are written the Chinese way.
		c.Get("/lang/zh?next=/")
		zh := c.Get(codeURL(f, code.ID, ""))
		if s, _ := codeChartRow(t, zh.Body, fmt.Sprintf("%d月%d日", threeAgo.Month(), threeAgo.Day())); s != "3" {
			t.Fatalf("Chinese table: %s scans", s)
		}
	})
}

// codeDayWant is what the chart test expects on day i of 30: three scans (the
// bot left out) and a follow three days ago, one of each today.
func codeDayWant(i int) [2]int64 {
	switch i {
	case 26:
		return [2]int64{3, 1}
	case 29:
		return [2]int64{1, 1}
	}
	return [2]int64{0, 0}
}

func TestCodesOfOtherOrganizations(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		mine, err := a.Store.CreateFollowCode(ctx, f.Member(models.RoleOwner), f.Account, models.FollowCodeInput{Name: "Stop 1042", Scene: "stop-1042"})
		if err != nil {
			t.Fatal(err)
		}
		outside := &models.Member{User: f.Outside, Org: f.Other, Role: models.RoleOwner}
		theirAcc, err := a.Store.CreateAccount(ctx, outside, models.AccountInput{Handle: "greenway", Name: "Greenway", Category: "charity", Languages: []string{"en"}})
		if err != nil {
			t.Fatal(err)
		}
		theirs, err := a.Store.CreateFollowCode(ctx, outside, theirAcc, models.FollowCodeInput{Name: "Park", Scene: "park"})
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
		if _, err := a.Store.FollowCodeByID(ctx, f.Member(models.RoleOwner), theirAcc, theirs.ID); err == nil {
			t.Fatal("FollowCodeByID gave a member another organization's code")
		}
		if _, err := a.Store.ListFollowCodes(ctx, f.Member(models.RoleOwner), theirAcc); err == nil {
			t.Fatal("ListFollowCodes listed another organization's codes")
		}
		if err := a.Store.ExpireFollowCode(ctx, f.Member(models.RoleOwner), theirAcc, theirs); err == nil {
			t.Fatal("ExpireFollowCode ended another organization's code")
		}
	})
}
