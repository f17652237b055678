package handlers_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/media"
)

// Package-level helpers of this file and admin_test.go start with "st" so
// they cannot clash with the helpers of the package's other test files.

// stPath is a studio URL of org.
func stPath(org *models.Organization, rest string) string {
	return fmt.Sprintf("/studio/orgs/%d%s", org.ID, rest)
}

// stStatus fails the test unless res has the wanted status (and, for a
// redirect, the wanted location when one is given).
func stStatus(t *testing.T, what string, res *apptest.Response, status int, location ...string) {
	t.Helper()
	if res.Status != status {
		t.Fatalf("%s: %s\nwant status %d", what, res, status)
	}
	if len(location) > 0 && res.Location != location[0] {
		t.Fatalf("%s: redirected to %q, want %q", what, res.Location, location[0])
	}
}

// stShows reports whether the page contains s, either as HTML source (for
// markup) or as text, HTML-escaped the way the page shows it.
func stShows(res *apptest.Response, s string) bool {
	return strings.Contains(res.Body, s) || strings.Contains(res.Body, html.EscapeString(s))
}

// stHas fails the test unless the page shows every text.
func stHas(t *testing.T, what string, res *apptest.Response, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if !stShows(res, s) {
			t.Fatalf("%s: page lacks %q\n%s", what, s, res)
		}
	}
}

// stLacks fails the test if the page shows any text.
func stLacks(t *testing.T, what string, res *apptest.Response, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if stShows(res, s) {
			t.Fatalf("%s: page shows %q, which it must not\n%s", what, s, res)
		}
	}
}

// stFieldError checks that a form came back with msg right by the field:
// the message sits inside the field's block just before its control, and
// the control is marked invalid and described by the message.
func stFieldError(t *testing.T, what string, res *apptest.Response, field, msg string) {
	t.Helper()
	want := `<p class="field-error" id="e-` + field + `">` + html.EscapeString(msg) + `</p>`
	i := strings.Index(res.Body, want)
	if i < 0 {
		t.Fatalf("%s: no message %q next to field %q\n%s", what, msg, field, res)
	}
	if strings.Count(res.Body, `class="field-error"`) != 1 {
		t.Fatalf("%s: want exactly one field message (for %s)\n%s", what, field, res)
	}
	if !strings.Contains(res.Body, `class="error-summary"`) {
		t.Fatalf("%s: no error summary at the top of the form\n%s", what, res)
	}
	block := res.Body[:i]
	start := strings.LastIndex(block, `class="field has-error"`)
	if start < 0 || strings.Contains(block[start:], "</div>") {
		t.Fatalf("%s: message for %q is not inside the field's block\n%s", what, field, res)
	}
	if field == "languages" {
		// A fieldset of checkboxes: the message is in its legend's block.
		if !strings.Contains(res.Body[start-40:i], "<fieldset") {
			t.Fatalf("%s: languages message is not in the languages fieldset\n%s", what, res)
		}
		return
	}
	ctl := regexp.MustCompile(`<(input|select|textarea) id="f-` + regexp.QuoteMeta(field) + `"[^>]*>`).FindStringIndex(res.Body[i:])
	if ctl == nil || strings.Contains(res.Body[i:i+ctl[0]], "</div>") {
		t.Fatalf("%s: no control for %q right after its message\n%s", what, field, res)
	}
	tag := res.Body[i+ctl[0] : i+ctl[1]]
	if !strings.Contains(tag, `aria-invalid="true"`) {
		t.Fatalf("%s: control %s is not marked invalid", what, tag)
	}
	// One aria-describedby (a repeated attribute is invalid HTML, and
	// browsers ignore all but the first) naming the message, and the
	// field's hint too when it has one.
	d := regexp.MustCompile(`aria-describedby="([^"]*)"`).FindAllStringSubmatch(tag, -1)
	if len(d) != 1 || !strings.Contains(" "+d[0][1]+" ", " e-"+field+" ") {
		t.Fatalf("%s: control %s is not described by its message in one aria-describedby", what, tag)
	}
	if strings.Contains(res.Body, `id="h-`+field+`"`) && !strings.Contains(" "+d[0][1]+" ", " h-"+field+" ") {
		t.Fatalf("%s: control %s lost its hint h-%s", what, tag, field)
	}
}

// stValue is what an input or textarea named name shows on the page.
func stValue(t *testing.T, res *apptest.Response, name string) string {
	t.Helper()
	q := regexp.QuoteMeta(name)
	if m := regexp.MustCompile(`<input id="f-` + q + `" name="` + q + `" value="([^"]*)"`).FindStringSubmatch(res.Body); m != nil {
		return html.UnescapeString(m[1])
	}
	if m := regexp.MustCompile(`(?s)<textarea id="f-` + q + `" name="` + q + `"[^>]*>(.*?)</textarea>`).FindStringSubmatch(res.Body); m != nil {
		return html.UnescapeString(m[1])
	}
	t.Fatalf("no field %q on the page\n%s", name, res)
	return ""
}

// stKept checks that the form shows what the person typed.
func stKept(t *testing.T, what string, res *apptest.Response, form url.Values, names ...string) {
	t.Helper()
	for _, n := range names {
		if got := stValue(t, res, n); got != form.Get(n) {
			t.Fatalf("%s: field %s shows %q, want what was typed, %q", what, n, got, form.Get(n))
		}
	}
}

// stCount counts rows of table matching where.
func stCount(t *testing.T, a *apptest.App, table, where string, args ...any) int64 {
	t.Helper()
	q := a.DB.Gorm.Table(table)
	if where != "" {
		q = q.Where(where, args...)
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// stSnapshotTables lists what a studio or admin request may change, with
// the columns compared (media without its bytes, which sha256 stands for).
var stSnapshotTables = []struct{ table, cols string }{
	{"users", "id, email, name, is_admin"},
	{"organizations", "id, name, kind, verified_at, updated_at"},
	{"memberships", "id, organization_id, user_id, role"},
	{"invites", "id, organization_id, email, role, accepted_at, accepted_by, revoked_at"},
	{"accounts", "id, organization_id, handle, name, name_zh, bio_en, bio_zh, category, languages, avatar_media_id, avatar_public_id, updated_at"},
	{"media", "id, public_id, organization_id, content_type, size, sha256"},
	{"audit_log", "id, organization_id, user_id, action, target, detail"},
}

// stSnapshot dumps every row a studio or admin request could touch, so a
// test can prove that a refused request changed nothing at all.
func stSnapshot(t *testing.T, a *apptest.App) string {
	t.Helper()
	var b strings.Builder
	for _, s := range stSnapshotTables {
		var rows []map[string]any
		if err := a.DB.Gorm.Table(s.table).Select(s.cols).Order("id").Find(&rows).Error; err != nil {
			t.Fatalf("snapshot %s: %v", s.table, err)
		}
		fmt.Fprintf(&b, "%s (%d rows)\n", s.table, len(rows))
		for _, r := range rows {
			for _, c := range strings.Split(s.cols, ", ") {
				v := r[c]
				if tm, ok := v.(time.Time); ok {
					v = tm.UTC().Format(time.RFC3339Nano)
				}
				fmt.Fprintf(&b, " %s=%v", c, v)
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

// stUnchanged fails the test when the database differs from before.
func stUnchanged(t *testing.T, what string, a *apptest.App, before string) {
	t.Helper()
	if after := stSnapshot(t, a); after != before {
		t.Fatalf("%s changed the database.\nbefore:\n%s\nafter:\n%s", what, before, after)
	}
}

// stAudits counts audit entries of org with action.
func stAudits(t *testing.T, a *apptest.App, orgID int64, action string) int64 {
	t.Helper()
	return stCount(t, a, "audit_log", "organization_id = ? AND action = ?", orgID, action)
}

// stLogin returns a client signed in as u.
func stLogin(t *testing.T, a *apptest.App, u *models.User) *apptest.Client {
	t.Helper()
	c := a.Client(t)
	c.Login(u.Email, apptest.Password)
	return c
}

// stJoin creates a user with apptest.Password and makes them a member of
// org with role, through an invite accepted the way the studio does it.
func stJoin(t *testing.T, a *apptest.App, inviter *models.User, org *models.Organization, email string, role models.Role) *models.User {
	t.Helper()
	ctx := context.Background()
	u, err := a.Store.CreateUser(ctx, models.NewUser{Email: email, Name: email, Password: apptest.Password})
	if err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	_, token, err := a.Store.CreateInvite(ctx, inviter, org.ID, email, role)
	if err != nil {
		t.Fatalf("invite %s: %v", email, err)
	}
	if _, _, err := a.Store.AcceptInvite(ctx, token, u, nil); err != nil {
		t.Fatalf("accept invite of %s: %v", email, err)
	}
	return u
}

// stRole is the role of user in org, or "" when not a member.
func stRole(t *testing.T, a *apptest.App, orgID, userID int64) models.Role {
	t.Helper()
	var ms []models.Membership
	if err := a.DB.Gorm.Where("organization_id = ? AND user_id = ?", orgID, userID).Find(&ms).Error; err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 {
		return ""
	}
	return ms[0].Role
}

// stAccount loads an account by handle, or nil.
func stAccount(t *testing.T, a *apptest.App, handle string) *models.Account {
	t.Helper()
	var out []models.Account
	if err := a.DB.Gorm.Where("handle = ?", handle).Find(&out).Error; err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		return nil
	}
	return &out[0]
}

var stInviteLinkRE = regexp.MustCompile(`http://plaza\.test/invite/([A-Za-z0-9_-]{20,100})`)

// stInviteToken is the token of the one invite link a page shows.
func stInviteToken(t *testing.T, res *apptest.Response) string {
	t.Helper()
	m := stInviteLinkRE.FindAllStringSubmatch(res.Body, -1)
	if len(m) != 1 {
		t.Fatalf("want one invite link on the page, found %d\n%s", len(m), res)
	}
	return m[0][1]
}

// stAccept opens an invite link in a new browser, creates the account it
// offers and returns the signed-in client.
func stAccept(t *testing.T, a *apptest.App, token string, org *models.Organization, name string) *apptest.Client {
	t.Helper()
	c := a.Client(t)
	res := c.Get("/invite/" + token)
	stStatus(t, "open invite", res, http.StatusOK)
	stHas(t, "open invite", res, "Join "+org.Name+" on Plaza")
	res = c.Post("/invite/"+token, url.Values{"name": {name}, "password": {apptest.Password}})
	stStatus(t, "accept invite", res, http.StatusSeeOther, stPath(org, ""))
	return c
}

// stTable is the text of each body row of the page's table, cell by cell.
func stTable(res *apptest.Response) [][]string {
	body := res.Body
	if i := strings.Index(body, "<tbody>"); i >= 0 {
		body = body[i:]
		if j := strings.Index(body, "</tbody>"); j >= 0 {
			body = body[:j]
		}
	} else {
		return nil
	}
	tags := regexp.MustCompile(`<[^>]*>`)
	space := regexp.MustCompile(`\s+`)
	var rows [][]string
	for _, tr := range regexp.MustCompile(`(?s)<tr>(.*?)</tr>`).FindAllStringSubmatch(body, -1) {
		var cells []string
		for _, td := range regexp.MustCompile(`(?s)<td>(.*?)</td>`).FindAllStringSubmatch(tr[1], -1) {
			cells = append(cells, strings.TrimSpace(space.ReplaceAllString(html.UnescapeString(tags.ReplaceAllString(td[1], " ")), " ")))
		}
		rows = append(rows, cells)
	}
	return rows
}

// Images for the avatar tests, made with the standard encoders.

func stImage(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 16), uint8(y * 16), 200, 255})
		}
	}
	return img
}

func stPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, stImage(w, h)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func stJPEG(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, stImage(16, 16), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func stGIF(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gif.Encode(&b, stImage(16, 16), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// stPadded is a valid PNG followed by zero bytes up to size: still an
// image every decoder accepts, but of exactly the given size.
func stPadded(t *testing.T, size int) []byte {
	t.Helper()
	b := stPNG(t, 8, 8)
	return append(b, make([]byte, size-len(b))...)
}

// stRawUpload posts a multipart avatar form over a bare connection. The
// body is written in the background while the response is read, so a
// server that answers early and stops reading (as it must for a 20 MB
// upload) is seen answering instead of as a write error on the client.
// With chunked set the body has no Content-Length, like a stream.
func stRawUpload(t *testing.T, a *apptest.App, c *apptest.Client, path string, data []byte, chunked bool) *apptest.Response {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("_csrf", c.CSRF())
	fw, _ := w.CreateFormFile("avatar", "huge.png")
	_, _ = fw.Write(data)
	_ = w.Close()

	req, err := http.NewRequest(http.MethodPost, a.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	u, _ := url.Parse(a.URL)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		req.AddCookie(ck)
	}
	if chunked {
		// Hiding the reader's length makes Write send chunks.
		req.Body = io.NopCloser(struct{ io.Reader }{&body})
		req.ContentLength = 0
	} else {
		req.ContentLength = int64(body.Len())
		req.Body = io.NopCloser(&body)
	}

	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	go func() { _ = req.Write(conn) }() // fails once the server stops reading; that is expected
	res, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		t.Fatalf("read the response to a %d-byte upload: %v", len(data), err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read the body of the response to a %d-byte upload: %v", len(data), err)
	}
	return &apptest.Response{Status: res.StatusCode, Header: res.Header, Body: string(b), Location: res.Header.Get("Location")}
}

// validAccountForm is a complete, valid new-account form.
func validAccountForm(handle string) url.Values {
	return url.Values{
		"handle": {handle}, "name": {"Bus Line 7"}, "name_zh": {"七路公交"},
		"bio_en": {"Service news for line 7 & its night buses"}, "bio_zh": {"七路公交及夜班车的服务信息"},
		"category": {"transit"}, "languages": {"en", "zh"},
	}
}

func TestStudioCreateAccount(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ed := stLogin(t, a, f.ByRole[models.RoleEditor])

		res := ed.Get(stPath(f.Org, "/accounts/new"))
		stStatus(t, "new account form", res, http.StatusOK)
		stHas(t, "new account form", res, "New official account", `name="handle"`)

		res = ed.Post(stPath(f.Org, "/accounts"), validAccountForm("  @Bus_Line "))
		stStatus(t, "create account", res, http.StatusSeeOther, stPath(f.Org, "/accounts/bus_line"))

		acc := stAccount(t, a, "bus_line")
		if acc == nil {
			t.Fatal("no account bus_line after creating @Bus_Line")
		}
		if acc.OrganizationID != f.Org.ID || acc.Name != "Bus Line 7" || acc.NameZh != "七路公交" || acc.Category != "transit" ||
			acc.Languages != "en,zh" || acc.BioEn != "Service news for line 7 & its night buses" || acc.AvatarMediaID != nil {
			t.Fatalf("stored account %+v", acc)
		}
		if n := stCount(t, a, "audit_log", "organization_id = ? AND user_id = ? AND action = ? AND target = ?",
			f.Org.ID, f.ByRole[models.RoleEditor].ID, "account.create", "@bus_line"); n != 1 {
			t.Fatalf("%d account.create audit entries for @bus_line by the editor, want 1", n)
		}

		res = ed.Get(res.Location)
		stStatus(t, "edit page after create", res, http.StatusOK)
		stHas(t, "edit page after create", res, "The account is created.", "Edit @bus_line", `href="/@bus_line"`)

		pub := a.Client(t)
		for _, p := range []string{"/@bus_line", "/@Bus_Line"} {
			res = pub.Get(p)
			stStatus(t, "public page "+p, res, http.StatusOK)
			stHas(t, "public page "+p, res, "Bus Line 7", "@bus_line", "Run by Metro Transit", "Service news for line 7 & its night buses")
		}
		res = ed.Get(stPath(f.Org, "/accounts"))
		stHas(t, "account list", res, "@bus_line", "@metro")

		// The studio's other account still exists untouched, and a second
		// create works after all that (no transaction left open).
		res = ed.Post(stPath(f.Org, "/accounts"), validAccountForm("night_bus"))
		stStatus(t, "second create", res, http.StatusSeeOther, stPath(f.Org, "/accounts/night_bus"))
		if n := stCount(t, a, "accounts", "organization_id = ?", f.Org.ID); n != 3 {
			t.Fatalf("%d accounts in Metro Transit, want 3", n)
		}
	})
}

func TestStudioCreateAccountBadInput(t *testing.T) {
	long := strings.Repeat("Long bio. ", 200) // 2,000 characters
	cases := []struct {
		name         string
		set          url.Values // fields replacing the valid form's
		drop         []string   // fields left out
		field, msgOf string
	}{
		{"empty handle", url.Values{"handle": {""}}, nil, "handle", "This field is required."},
		{"only an @", url.Values{"handle": {" @ "}}, nil, "handle", "This field is required."},
		{"handle of this organization's account", url.Values{"handle": {"metro"}}, nil, "handle", "This handle is already taken. Choose another."},
		{"same handle in capitals with @", url.Values{"handle": {"@METRO"}}, nil, "handle", "This handle is already taken. Choose another."},
		{"handle of the other organization's account", url.Values{"handle": {"harbour"}}, nil, "handle", "This handle is already taken. Choose another."},
		{"too short", url.Values{"handle": {"ab"}}, nil, "handle", "Use 3 to 30 lowercase letters, digits or _, starting with a letter."},
		{"too long", url.Values{"handle": {strings.Repeat("a", 31)}}, nil, "handle", "Use 3 to 30 lowercase letters, digits or _, starting with a letter."},
		{"spaces", url.Values{"handle": {"bus line"}}, nil, "handle", "Use 3 to 30 lowercase letters, digits or _, starting with a letter."},
		{"Chinese", url.Values{"handle": {"公交七路"}}, nil, "handle", "Use 3 to 30 lowercase letters, digits or _, starting with a letter."},
		{"hyphen", url.Values{"handle": {"a-b"}}, nil, "handle", "Use 3 to 30 lowercase letters, digits or _, starting with a letter."},
		{"hyphen, long enough", url.Values{"handle": {"bus-line"}}, nil, "handle", "Use 3 to 30 lowercase letters, digits or _, starting with a letter."},
		{"starts with a digit", url.Values{"handle": {"7bus"}}, nil, "handle", "Use 3 to 30 lowercase letters, digits or _, starting with a letter."},
		{"reserved", url.Values{"handle": {"admin"}}, nil, "handle", "This handle is reserved. Choose another."},
		{"reserved in capitals", url.Values{"handle": {"@Support"}}, nil, "handle", "This handle is reserved. Choose another."},
		{"empty name", url.Values{"name": {""}}, nil, "name", "This field is required."},
		{"blank name", url.Values{"name": {"   "}}, nil, "name", "This field is required."},
		{"name too long", url.Values{"name": {strings.Repeat("n", 81)}}, nil, "name", "This is too long."},
		{"no language", nil, []string{"languages"}, "languages", "Choose at least one language."},
		{"unknown language only", url.Values{"languages": {"fr"}}, nil, "languages", "Choose at least one language."},
		{"unknown category", url.Values{"category": {"weather"}}, nil, "category", "Choose one of the options."},
		{"no category", nil, []string{"category"}, "category", "Choose one of the options."},
		{"2,000-character English bio", url.Values{"bio_en": {long}}, nil, "bio_en", "This is too long."},
		{"2,000-character Chinese bio", url.Values{"bio_zh": {strings.Repeat("长", 2000)}}, nil, "bio_zh", "This is too long."},
	}
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		if _, err := a.Store.CreateAccount(context.Background(), &models.Member{User: f.Outside, Org: f.Other, Role: models.RoleOwner},
			models.AccountInput{Handle: "harbour", Name: "Harbour", Category: "community", Languages: []string{"en"}}); err != nil {
			t.Fatal(err)
		}
		ed := stLogin(t, a, f.ByRole[models.RoleEditor])
		before := stSnapshot(t, a)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				form := validAccountForm("bus_line")
				for k, v := range tc.set {
					form[k] = v
				}
				for _, k := range tc.drop {
					form.Del(k)
				}
				res := ed.Post(stPath(f.Org, "/accounts"), form)
				stStatus(t, tc.name, res, http.StatusUnprocessableEntity)
				stHas(t, tc.name, res, "New official account", "Some fields need your attention.")
				stFieldError(t, tc.name, res, tc.field, tc.msgOf)
				stKept(t, tc.name, res, form, "handle", "name", "name_zh", "bio_en", "bio_zh")
				stUnchanged(t, tc.name, a, before)
				if stAccount(t, a, "bus_line") != nil {
					t.Fatal("an account was created")
				}
			})
		}
		// The refused attempts left nothing behind that blocks a good one.
		res := ed.Post(stPath(f.Org, "/accounts"), validAccountForm("bus_line"))
		stStatus(t, "valid create after the refused ones", res, http.StatusSeeOther, stPath(f.Org, "/accounts/bus_line"))
	})
}

func TestStudioEditAccount(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ed := stLogin(t, a, f.ByRole[models.RoleEditor])
		edit := stPath(f.Org, "/accounts/metro")

		res := ed.Get(edit)
		stStatus(t, "edit form", res, http.StatusOK)
		if stValue(t, res, "name") != "Metro" || stValue(t, res, "bio_en") != "Trains and buses" {
			t.Fatalf("edit form does not show the account\n%s", res)
		}
		if strings.Contains(res.Body, `name="handle"`) {
			t.Fatal("the edit form offers to change the handle")
		}

		t.Run("bad input changes nothing", func(t *testing.T) {
			before := stSnapshot(t, a)
			for _, tc := range []struct {
				name, field, msg string
				form             url.Values
			}{
				{"empty name", "name", "This field is required.", url.Values{"name": {""}, "bio_en": {"kept text"}, "category": {"transit"}, "languages": {"en"}}},
				{"unknown category", "category", "Choose one of the options.", url.Values{"name": {"Metro Rail"}, "bio_en": {"kept text"}, "category": {"spaceflight"}, "languages": {"en"}}},
				{"no language", "languages", "Choose at least one language.", url.Values{"name": {"Metro Rail"}, "bio_en": {"kept text"}, "category": {"transit"}}},
				{"long bio", "bio_en", "This is too long.", url.Values{"name": {"Metro Rail"}, "bio_en": {strings.Repeat("x", 1001)}, "category": {"transit"}, "languages": {"en"}}},
			} {
				res := ed.Post(edit, tc.form)
				stStatus(t, tc.name, res, http.StatusUnprocessableEntity)
				stHas(t, tc.name, res, "Edit @metro")
				stFieldError(t, tc.name, res, tc.field, tc.msg)
				stKept(t, tc.name, res, tc.form, "name", "bio_en")
				stUnchanged(t, tc.name, a, before)
			}
		})

		res = ed.Post(edit, url.Values{
			"handle": {"hijacked"}, "name": {"Metro Rail"}, "name_zh": {"地铁公司"}, "bio_en": {"New timetable from May"},
			"bio_zh": {"五月起执行新时刻表"}, "category": {"government"}, "languages": {"zh"},
		})
		stStatus(t, "edit account", res, http.StatusSeeOther, edit)
		acc := stAccount(t, a, "metro")
		if acc == nil || acc.ID != f.Account.ID {
			t.Fatalf("account @metro is gone after an edit that posted a handle: %+v", acc)
		}
		if acc.Name != "Metro Rail" || acc.NameZh != "地铁公司" || acc.BioEn != "New timetable from May" || acc.BioZh != "五月起执行新时刻表" ||
			acc.Category != "government" || acc.Languages != "zh" {
			t.Fatalf("account after edit: %+v", acc)
		}
		if stAccount(t, a, "hijacked") != nil || stCount(t, a, "accounts", "") != 1 {
			t.Fatal("posting a handle field created or renamed an account")
		}
		if n := stAudits(t, a, f.Org.ID, "account.update"); n != 1 {
			t.Fatalf("%d account.update audit entries, want 1", n)
		}
		res = ed.Get(edit)
		stHas(t, "edit page after save", res, "Your changes are saved.")
		if stValue(t, res, "name") != "Metro Rail" {
			t.Fatal("edit page does not show the saved name")
		}
		res = a.Client(t).Get("/@metro")
		stStatus(t, "public page after edit", res, http.StatusOK)
		stHas(t, "public page after edit", res, "Metro Rail", "New timetable from May")
		stStatus(t, "public page of the posted handle", a.Client(t).Get("/@hijacked"), http.StatusNotFound)
	})
}

func TestStudioEditAccountOfAnotherOrganization(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		otherEditor := stJoin(t, a, f.Outside, f.Other, "editor@other.test", models.RoleEditor)
		png := stPNG(t, 8, 8)
		form := url.Values{"name": {"Taken over"}, "bio_en": {"pwned"}, "category": {"transit"}, "languages": {"en"}}
		for _, who := range []*models.User{otherEditor, f.Outside} {
			c := stLogin(t, a, who)
			before := stSnapshot(t, a)
			for _, org := range []*models.Organization{f.Org, f.Other} {
				// f.Org: not a member; f.Other: their own organization's id
				// with the other organization's handle in the URL.
				path := stPath(org, "/accounts/metro")
				what := who.Email + " on " + path
				stStatus(t, "GET "+what, c.Get(path), http.StatusNotFound)
				stStatus(t, "POST "+what, c.Post(path, form), http.StatusNotFound)
				stStatus(t, "avatar "+what, c.Upload(path+"/avatar", "avatar", "a.png", png), http.StatusNotFound)
			}
			stUnchanged(t, who.Email+" editing @metro", a, before)
		}
		res := a.Client(t).Get("/@metro")
		stHas(t, "public page", res, "Trains and buses")
		stLacks(t, "public page", res, "Taken over", "pwned")
	})
}

// stMedia loads a media row without its bytes' check; nil when gone.
func stMedia(t *testing.T, a *apptest.App, id int64) *media.File {
	t.Helper()
	var out []media.File
	if err := a.DB.Gorm.Where("id = ?", id).Find(&out).Error; err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		return nil
	}
	return &out[0]
}

func TestStudioAvatar(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ed := stLogin(t, a, f.ByRole[models.RoleEditor])
		pub := a.Client(t)
		upload := stPath(f.Org, "/accounts/metro/avatar")
		var prev *int64
		var prevURL string
		for _, tc := range []struct {
			name, filename, wantType string
			data                     []byte
		}{
			{"PNG", "logo.png", "image/png", stPNG(t, 16, 16)},
			{"JPEG", "photo.jpg", "image/jpeg", stJPEG(t)},
			{"GIF", "anim.gif", "image/gif", stGIF(t)},
			// The type comes from the bytes, not from the name or the
			// browser's declared type.
			{"PNG named .gif", "misnamed.gif", "image/png", stPNG(t, 4096, 1)},
			{"exactly 2 MB", "big.png", "image/png", stPadded(t, media.MaxAvatarBytes)},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := ed.Upload(upload, "avatar", tc.filename, tc.data)
				stStatus(t, "upload "+tc.name, res, http.StatusSeeOther, stPath(f.Org, "/accounts/metro"))
				acc := stAccount(t, a, "metro")
				if acc.AvatarMediaID == nil || prev != nil && *acc.AvatarMediaID == *prev {
					t.Fatalf("avatar not replaced: %v", acc.AvatarMediaID)
				}
				id := *acc.AvatarMediaID
				md := stMedia(t, a, id)
				sum := sha256.Sum256(tc.data)
				if md == nil || md.ContentType != tc.wantType || md.Size != int64(len(tc.data)) || md.Sha256 != hex.EncodeToString(sum[:]) ||
					md.OrganizationID != f.Org.ID || !bytes.Equal(md.Data, tc.data) {
					t.Fatalf("media row %d: want %s of %d bytes", id, tc.wantType, len(tc.data))
				}
				if prev != nil {
					if stMedia(t, a, *prev) != nil {
						t.Fatalf("old avatar %d still stored after replacing it", *prev)
					}
					stStatus(t, "old avatar", pub.Get(prevURL), http.StatusNotFound)
				}
				if n := stCount(t, a, "media", ""); n != 1 {
					t.Fatalf("%d media rows, want only the current avatar", n)
				}

				if acc.AvatarPublicID == nil || *acc.AvatarPublicID != md.PublicID || len(md.PublicID) != 32 {
					t.Fatalf("account names avatar %v, media row %q", acc.AvatarPublicID, md.PublicID)
				}
				mediaURL := "/media/" + md.PublicID
				stStatus(t, "by sequential id", pub.Get(fmt.Sprintf("/media/%d", id)), http.StatusNotFound)
				res = pub.Get(mediaURL)
				stStatus(t, "GET "+mediaURL, res, http.StatusOK)
				etag := `"` + md.Sha256 + `"`
				if res.Header.Get("Content-Type") != tc.wantType || res.Body != string(tc.data) || res.Header.Get("ETag") != etag ||
					!strings.Contains(res.Header.Get("Cache-Control"), "max-age=31536000") || res.Header.Get("X-Content-Type-Options") != "nosniff" {
					t.Fatalf("media served with headers %v and %d bytes", res.Header, len(res.Body))
				}
				for _, inm := range []struct {
					value  string
					status int
				}{{etag, http.StatusNotModified}, {`"something-else"`, http.StatusOK}} {
					req, _ := http.NewRequest(http.MethodGet, a.URL+mediaURL, nil)
					req.Header.Set("If-None-Match", inm.value)
					r, err := pub.HTTP.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					b, _ := io.ReadAll(r.Body)
					r.Body.Close()
					if r.StatusCode != inm.status || inm.status == http.StatusNotModified && len(b) != 0 {
						t.Fatalf("If-None-Match %s: status %d with %d bytes, want %d", inm.value, r.StatusCode, len(b), inm.status)
					}
				}
				stHas(t, "public page", pub.Get("/@metro"), `src="`+mediaURL+`"`)
				stHas(t, "edit page", ed.Get(stPath(f.Org, "/accounts/metro")), "The new avatar is saved.", `src="`+mediaURL+`"`)
				prev, prevURL = &id, mediaURL
			})
		}
		if n := stAudits(t, a, f.Org.ID, "account.avatar"); n != 5 {
			t.Fatalf("%d account.avatar audit entries, want 5", n)
		}
	})
}

func TestStudioAvatarRejected(t *testing.T) {
	const (
		notImage = "This file is not a PNG, JPEG or GIF image."
		tooBig   = "This image is larger than 2 MB. Choose a smaller one."
		tooWide  = "This image is too large in pixels (at most 4096 × 4096)."
		missing  = "Choose an image file to upload."
	)
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ed := stLogin(t, a, f.ByRole[models.RoleEditor])
		upload := stPath(f.Org, "/accounts/metro/avatar")
		current := stPNG(t, 8, 8)
		stStatus(t, "first avatar", ed.Upload(upload, "avatar", "logo.png", current), http.StatusSeeOther)
		avatarID := *stAccount(t, a, "metro").AvatarPublicID
		before := stSnapshot(t, a)

		pngBytes := stPNG(t, 32, 32)
		for _, tc := range []struct {
			name, filename string
			data           []byte
			status         int
			msg            string
		}{
			{"text renamed .png", "notes.png", []byte("Meeting notes: the bus stop moves on Monday.\n"), 422, notImage},
			{"SVG", "logo.svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>`), 422, notImage},
			{"SVG renamed .png", "logo.png", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), 422, notImage},
			{"HTML", "page.png", []byte("<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"), 422, notImage},
			{"PDF", "doc.png", []byte("%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"), 422, notImage},
			{"truncated PNG header", "cut.png", pngBytes[:20], 422, notImage},
			{"PNG signature only", "sig.png", pngBytes[:8], 422, notImage},
			{"wider than 4096 px", "wide.png", stPNG(t, 4097, 1), 422, tooWide},
			{"taller than 4096 px", "tall.png", stPNG(t, 1, 4097), 422, tooWide},
			{"empty file", "empty.png", []byte{}, 422, missing},
			{"no file chosen", "", nil, 422, missing},
			{"2 MB + 1 byte", "big.png", stPadded(t, media.MaxAvatarBytes+1), http.StatusRequestEntityTooLarge, tooBig},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := ed.Upload(upload, "avatar", tc.filename, tc.data)
				stStatus(t, tc.name, res, tc.status)
				stHas(t, tc.name, res, "Edit @metro", `<p class="field-error" id="e-avatar">`+html.EscapeString(tc.msg)+`</p>`)
				stHas(t, tc.name, res, `src="/media/`+avatarID+`"`) // the current avatar is still shown
				if !regexp.MustCompile(`<input id="f-avatar"[^>]*aria-invalid="true"[^>]*aria-describedby="e-avatar`).MatchString(res.Body) {
					t.Fatalf("%s: the file field is not tied to its message\n%s", tc.name, res)
				}
				stUnchanged(t, tc.name, a, before)
			})
		}
		res := a.Client(t).Get("/media/" + avatarID)
		stStatus(t, "current avatar after the refused uploads", res, http.StatusOK)
		if res.Body != string(current) {
			t.Fatal("current avatar's bytes changed")
		}
	})
}

func TestStudioAvatarHugeUpload(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ed := stLogin(t, a, f.ByRole[models.RoleEditor])
		upload := stPath(f.Org, "/accounts/metro/avatar")
		stStatus(t, "first avatar", ed.Upload(upload, "avatar", "logo.png", stPNG(t, 8, 8)), http.StatusSeeOther)
		before := stSnapshot(t, a)
		huge := stPadded(t, 20<<20)
		for _, tc := range []struct {
			name    string
			chunked bool
		}{{"with Content-Length", false}, {"streamed in chunks", true}} {
			t.Run(tc.name, func(t *testing.T) {
				res := stRawUpload(t, a, ed, upload, huge, tc.chunked)
				stStatus(t, "20 MB upload "+tc.name, res, http.StatusRequestEntityTooLarge)
				stHas(t, "20 MB upload "+tc.name, res, "Too large", "What you sent is too large, so nothing was changed. Avatars can be at most 2 MB")
				if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
					t.Fatalf("413 page has type %q", res.Header.Get("Content-Type"))
				}
				stUnchanged(t, "20 MB upload "+tc.name, a, before)
				// The browser is still signed in and the studio still works.
				stStatus(t, "edit page after the refused upload", ed.Get(stPath(f.Org, "/accounts/metro")), http.StatusOK)
			})
		}
	})
}

func TestStudioInviteStaff(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		owner := stLogin(t, a, f.ByRole[models.RoleOwner])

		res := owner.Post(stPath(f.Org, "/staff/invites"), url.Values{"email": {" New.Editor@Metro.TEST "}, "role": {"editor"}})
		stStatus(t, "invite", res, http.StatusOK)
		stHas(t, "invite", res, "Invitation created", "Send this link to new.editor@metro.test")
		if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
			t.Fatalf("invite link page has Cache-Control %q, want no-store", cc)
		}
		token := stInviteToken(t, res)
		if n := stCount(t, a, "invites", "organization_id = ? AND email = ? AND role = ? AND accepted_at IS NULL AND revoked_at IS NULL",
			f.Org.ID, "new.editor@metro.test", "editor"); n != 1 {
			t.Fatalf("%d pending invites for new.editor@metro.test, want 1", n)
		}
		var hashes []string
		if err := a.DB.Gorm.Table("invites").Pluck("token_hash", &hashes).Error; err != nil {
			t.Fatal(err)
		}
		for _, h := range hashes {
			if h == token {
				t.Fatal("the invite token is stored in clear")
			}
		}
		if n := stCount(t, a, "audit_log", "organization_id = ? AND action = ? AND target = ? AND detail = ?",
			f.Org.ID, "staff.invite", "new.editor@metro.test", "editor"); n != 1 {
			t.Fatalf("%d staff.invite audit entries, want 1", n)
		}
		stHas(t, "staff page", owner.Get(stPath(f.Org, "/staff")), "Invitations not yet accepted", "new.editor@metro.test")

		newbie := stAccept(t, a, token, f.Org, "Nora Editor")
		u, err := a.Store.UserByEmail(context.Background(), "new.editor@metro.test")
		if err != nil {
			t.Fatal(err)
		}
		if r := stRole(t, a, f.Org.ID, u.ID); r != models.RoleEditor {
			t.Fatalf("new user's role is %q, want editor", r)
		}
		if u.Name != "Nora Editor" || u.IsAdmin {
			t.Fatalf("new user %+v", u)
		}
		if n := stCount(t, a, "invites", "organization_id = ? AND accepted_by = ? AND accepted_at IS NOT NULL", f.Org.ID, u.ID); n != 1 {
			t.Fatal("invite not marked accepted")
		}
		stHas(t, "overview after joining", newbie.Get(stPath(f.Org, "")), "Welcome! You have joined the organization.", "Metro Transit")
		stStatus(t, "new editor writes", newbie.Get(stPath(f.Org, "/accounts/new")), http.StatusOK)
		stStatus(t, "new editor edits @metro", newbie.Post(stPath(f.Org, "/accounts/metro"),
			url.Values{"name": {"Metro"}, "category": {"transit"}, "languages": {"en"}}), http.StatusSeeOther)
		stStatus(t, "new editor and settings", newbie.Get(stPath(f.Org, "/settings")), http.StatusForbidden)
		stStatus(t, "new editor and the other org", newbie.Get(stPath(f.Other, "")), http.StatusNotFound)

		// The link works once.
		stStatus(t, "reuse of the link", a.Client(t).Get("/invite/"+token), http.StatusGone)
		res = owner.Get(stPath(f.Org, "/staff"))
		stLacks(t, "staff page after acceptance", res, "Invitations not yet accepted")
		stHas(t, "staff page after acceptance", res, "new.editor@metro.test", "Nora Editor")
	})
}

func TestStudioInviteBadInput(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		owner := stLogin(t, a, f.ByRole[models.RoleOwner])
		before := stSnapshot(t, a)
		const badEmail = "Enter an e-mail address like name@example.org."
		for _, tc := range []struct {
			name, email, role, field, msg string
		}{
			{"empty e-mail", "", "editor", "email", badEmail},
			{"not an address", "not-an-address", "editor", "email", badEmail},
			{"no domain dot", "someone@localhost", "editor", "email", badEmail},
			{"two @", "a@@example.org", "editor", "email", badEmail},
			{"space inside", "a b@example.org", "editor", "email", badEmail},
			{"display name form", "Nora <nora@example.org>", "editor", "email", badEmail},
			{"unknown role", "nora@example.org", "superuser", "role", "Choose one of the options."},
			{"no role", "nora@example.org", "", "role", "Choose one of the options."},
			{"role in capitals", "nora@example.org", "OWNER", "role", "Choose one of the options."},
		} {
			t.Run(tc.name, func(t *testing.T) {
				form := url.Values{"email": {tc.email}, "role": {tc.role}}
				res := owner.Post(stPath(f.Org, "/staff/invites"), form)
				stStatus(t, tc.name, res, http.StatusUnprocessableEntity)
				stHas(t, tc.name, res, "Invite a staff member")
				stFieldError(t, tc.name, res, tc.field, tc.msg)
				stKept(t, tc.name, res, form, "email")
				if stInviteLinkRE.MatchString(res.Body) {
					t.Fatal("an invite link was shown")
				}
				stUnchanged(t, tc.name, a, before)
			})
		}
	})
}

func TestStudioStaffRoles(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ownerUser, viewerUser := f.ByRole[models.RoleOwner], f.ByRole[models.RoleViewer]
		owner := stLogin(t, a, ownerUser)
		viewer := stLogin(t, a, viewerUser)
		roleURL := func(u *models.User) string { return stPath(f.Org, fmt.Sprintf("/staff/%d/role", u.ID)) }

		stStatus(t, "viewer before", viewer.Get(stPath(f.Org, "/accounts/new")), http.StatusForbidden)
		res := owner.Post(roleURL(viewerUser), url.Values{"role": {"editor"}})
		stStatus(t, "viewer to editor", res, http.StatusSeeOther, stPath(f.Org, "/staff"))
		if r := stRole(t, a, f.Org.ID, viewerUser.ID); r != models.RoleEditor {
			t.Fatalf("role after change: %q", r)
		}
		if n := stCount(t, a, "audit_log", "organization_id = ? AND user_id = ? AND action = ? AND target = ? AND detail = ?",
			f.Org.ID, ownerUser.ID, "staff.role", viewerUser.Email, "editor"); n != 1 {
			t.Fatalf("%d staff.role audit entries, want 1", n)
		}
		stHas(t, "staff page after change", owner.Get(res.Location), "The role is changed.")
		// The new role applies to the next request, without signing in again.
		stStatus(t, "promoted viewer writes", viewer.Get(stPath(f.Org, "/accounts/new")), http.StatusOK)

		before := stSnapshot(t, a)
		for _, tc := range []struct {
			name   string
			target *models.User
			role   string
			status int
			msg    string
		}{
			{"unknown role", viewerUser, "superuser", 422, "Choose one of the options."},
			{"empty role", viewerUser, "", 422, "Choose one of the options."},
			{"only owner demotes themself", ownerUser, "editor", 422, "An organization needs at least one owner. Make someone else an owner first."},
			{"only owner to viewer", ownerUser, "viewer", 422, "An organization needs at least one owner. Make someone else an owner first."},
			{"member of another organization", f.Outside, "viewer", 404, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := owner.Post(roleURL(tc.target), url.Values{"role": {tc.role}})
				stStatus(t, tc.name, res, tc.status)
				if tc.msg != "" {
					stHas(t, tc.name, res, tc.msg, "Staff")
					// The message stands on the row of the member it is about.
					if !strings.Contains(res.Body, fmt.Sprintf(`id="e-row-%d"`, tc.target.ID)) {
						t.Errorf("%s: the message is not on the row of user %d", tc.name, tc.target.ID)
					}
				}
				stUnchanged(t, tc.name, a, before)
			})
		}
		if r := stRole(t, a, f.Org.ID, ownerUser.ID); r != models.RoleOwner {
			t.Fatalf("only owner's role is %q", r)
		}
		stStatus(t, "user id that is not a number", owner.Post(stPath(f.Org, "/staff/abc/role"), url.Values{"role": {"viewer"}}), http.StatusNotFound)

		// With a second owner, the first may step down: the rule is "at
		// least one owner", not "owners cannot change their own role".
		stStatus(t, "second owner", owner.Post(roleURL(viewerUser), url.Values{"role": {"owner"}}), http.StatusSeeOther)
		stStatus(t, "first owner steps down", owner.Post(roleURL(ownerUser), url.Values{"role": {"editor"}}), http.StatusSeeOther)
		if r := stRole(t, a, f.Org.ID, ownerUser.ID); r != models.RoleEditor {
			t.Fatalf("former owner's role is %q", r)
		}
		// And from then on the former owner manages staff no more.
		stStatus(t, "former owner manages staff", owner.Post(roleURL(ownerUser), url.Values{"role": {"owner"}}), http.StatusForbidden)
		stStatus(t, "new owner", viewer.Get(stPath(f.Org, "/settings")), http.StatusOK)
	})
}

func TestStudioRemoveStaff(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ownerUser, viewerUser := f.ByRole[models.RoleOwner], f.ByRole[models.RoleViewer]
		owner := stLogin(t, a, ownerUser)
		viewer := stLogin(t, a, viewerUser)
		removeURL := func(u *models.User) string { return stPath(f.Org, fmt.Sprintf("/staff/%d/remove", u.ID)) }
		stStatus(t, "viewer before", viewer.Get(stPath(f.Org, "")), http.StatusOK)

		before := stSnapshot(t, a)
		res := owner.Get(removeURL(viewerUser))
		stStatus(t, "confirmation page", res, http.StatusOK)
		stHas(t, "confirmation page", res, "Remove viewer@metro.test?",
			"viewer@metro.test will lose access to Metro Transit at once.", "Yes, remove",
			`action="`+removeURL(viewerUser)+`"`)
		stUnchanged(t, "opening the confirmation page", a, before)
		stStatus(t, "confirmation for a non-member", owner.Get(removeURL(f.Outside)), http.StatusNotFound)

		res = owner.Post(removeURL(viewerUser), nil)
		stStatus(t, "remove", res, http.StatusSeeOther, stPath(f.Org, "/staff"))
		if r := stRole(t, a, f.Org.ID, viewerUser.ID); r != "" {
			t.Fatalf("removed user is still %q", r)
		}
		if n := stCount(t, a, "audit_log", "organization_id = ? AND action = ? AND target = ?", f.Org.ID, "staff.remove", viewerUser.Email); n != 1 {
			t.Fatalf("%d staff.remove audit entries, want 1", n)
		}
		res = owner.Get(stPath(f.Org, "/staff"))
		stHas(t, "staff page after removal", res, "The staff member is removed.")
		stLacks(t, "staff page after removal", res, "viewer@metro.test")

		// The removed user is still signed in but the organization is gone
		// for them, at once.
		for _, p := range []string{"", "/accounts", "/staff", "/audit"} {
			stStatus(t, "removed user on "+stPath(f.Org, p), viewer.Get(stPath(f.Org, p)), http.StatusNotFound)
		}
		res = viewer.Get("/studio")
		stStatus(t, "removed user's studio home", res, http.StatusOK)
		stHas(t, "removed user's studio home", res, "You are not a member of any organization yet.")
		stLacks(t, "removed user's studio home", res, "Metro Transit")

		before = stSnapshot(t, a)
		for _, tc := range []struct {
			name   string
			target string
			status int
		}{
			{"only owner removes themself", removeURL(ownerUser), 422},
			{"member of another organization", removeURL(f.Outside), 404},
			{"already removed", removeURL(viewerUser), 404},
			{"no such user", stPath(f.Org, "/staff/999999/remove"), 404},
		} {
			res := owner.Post(tc.target, nil)
			stStatus(t, tc.name, res, tc.status)
			if tc.status == 422 {
				stHas(t, tc.name, res, "An organization needs at least one owner.")
			}
			stUnchanged(t, tc.name, a, before)
		}
		if stRole(t, a, f.Other.ID, f.Outside.ID) != models.RoleOwner {
			t.Fatal("the other organization's owner lost their membership")
		}
	})
}

func TestStudioRevokeInvite(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		owner := stLogin(t, a, f.ByRole[models.RoleOwner])
		token := stInviteToken(t, owner.Post(stPath(f.Org, "/staff/invites"), url.Values{"email": {"late@metro.test"}, "role": {"moderator"}}))
		var inv models.Invite
		if err := a.DB.Gorm.Where("email = ?", "late@metro.test").First(&inv).Error; err != nil {
			t.Fatal(err)
		}
		stStatus(t, "link before revoking", a.Client(t).Get("/invite/"+token), http.StatusOK)

		revoke := stPath(f.Org, fmt.Sprintf("/staff/invites/%d/revoke", inv.ID))
		res := owner.Post(revoke, nil)
		stStatus(t, "revoke", res, http.StatusSeeOther, stPath(f.Org, "/staff"))
		if n := stCount(t, a, "invites", "id = ? AND revoked_at IS NOT NULL", inv.ID); n != 1 {
			t.Fatal("invite not marked revoked")
		}
		if n := stAudits(t, a, f.Org.ID, "staff.invite_revoke"); n != 1 {
			t.Fatalf("%d staff.invite_revoke audit entries, want 1", n)
		}
		res = owner.Get(stPath(f.Org, "/staff"))
		stHas(t, "staff page after revoking", res, "The invitation is withdrawn; its link no longer works.")
		stLacks(t, "staff page after revoking", res, "late@metro.test")

		before := stSnapshot(t, a)
		c := a.Client(t)
		res = c.Get("/invite/" + token)
		stStatus(t, "revoked link", res, http.StatusGone)
		stHas(t, "revoked link", res, "This invitation cannot be used")
		res = c.Post("/invite/"+token, url.Values{"name": {"Late"}, "password": {apptest.Password}})
		stStatus(t, "accepting a revoked link", res, http.StatusGone)
		stStatus(t, "revoking twice", owner.Post(revoke, nil), http.StatusNotFound)
		stUnchanged(t, "using a revoked invite", a, before)

		// An invite of the other organization cannot be revoked through
		// this one's URL.
		_, otherToken, err := a.Store.CreateInvite(context.Background(), f.Outside, f.Other.ID, "friend@other.test", models.RoleEditor)
		if err != nil {
			t.Fatal(err)
		}
		var otherInv models.Invite
		if err := a.DB.Gorm.Where("email = ?", "friend@other.test").First(&otherInv).Error; err != nil {
			t.Fatal(err)
		}
		before = stSnapshot(t, a)
		stStatus(t, "revoking another organization's invite", owner.Post(stPath(f.Org, fmt.Sprintf("/staff/invites/%d/revoke", otherInv.ID)), nil), http.StatusNotFound)
		stStatus(t, "revoking invite abc", owner.Post(stPath(f.Org, "/staff/invites/abc/revoke"), nil), http.StatusNotFound)
		stUnchanged(t, "revoking another organization's invite", a, before)
		stStatus(t, "other organization's link", a.Client(t).Get("/invite/"+otherToken), http.StatusOK)
	})
}

func TestStudioSettings(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		owner := stLogin(t, a, f.ByRole[models.RoleOwner])
		settings := stPath(f.Org, "/settings")

		res := owner.Get(settings)
		stStatus(t, "settings page", res, http.StatusOK)
		if stValue(t, res, "name") != "Metro Transit" {
			t.Fatal("settings page does not show the name")
		}

		before := stSnapshot(t, a)
		for _, tc := range []struct {
			name, orgName, kind, field, msg string
		}{
			{"empty name", "", "agency", "name", "This field is required."},
			{"blank name", "   ", "agency", "name", "This field is required."},
			{"name too long", strings.Repeat("M", 121), "agency", "name", "This is too long."},
			{"unknown kind", "Metro Transit Authority", "government", "kind", "Choose one of the options."},
			{"no kind", "Metro Transit Authority", "", "kind", "Choose one of the options."},
		} {
			t.Run(tc.name, func(t *testing.T) {
				form := url.Values{"name": {tc.orgName}, "kind": {tc.kind}}
				res := owner.Post(settings, form)
				stStatus(t, tc.name, res, http.StatusUnprocessableEntity)
				stFieldError(t, tc.name, res, tc.field, tc.msg)
				stKept(t, tc.name, res, form, "name")
				stUnchanged(t, tc.name, a, before)
			})
		}

		res = owner.Post(settings, url.Values{"name": {"  Metro Transit Authority "}, "kind": {"ngo"}})
		stStatus(t, "rename", res, http.StatusSeeOther, settings)
		org, err := a.Store.OrganizationByID(context.Background(), f.Org.ID)
		if err != nil {
			t.Fatal(err)
		}
		if org.Name != "Metro Transit Authority" || org.Kind != models.KindNGO {
			t.Fatalf("organization after rename: %+v", org)
		}
		if n := stCount(t, a, "audit_log", "organization_id = ? AND action = ? AND target = ?", f.Org.ID, "org.update", "Metro Transit Authority"); n != 1 {
			t.Fatalf("%d org.update audit entries, want 1", n)
		}
		stHas(t, "settings after rename", owner.Get(settings), "Your changes are saved.", "Metro Transit Authority")
		stHas(t, "public page after rename", a.Client(t).Get("/@metro"), "Run by Metro Transit Authority")
		other, _ := a.Store.OrganizationByID(context.Background(), f.Other.ID)
		if other.Name != "Other Org" {
			t.Fatalf("renaming one organization renamed another: %q", other.Name)
		}
	})
}

func TestStudioAuditLog(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		owner := stLogin(t, a, f.ByRole[models.RoleOwner])
		// The seed wrote 10 entries for Metro Transit (created, 4 invites,
		// 4 joins, one account); 20 renames make 30.
		for i := 1; i <= 20; i++ {
			res := owner.Post(stPath(f.Org, "/settings"), url.Values{"name": {fmt.Sprintf("Metro Transit %02d", i)}, "kind": {"agency"}})
			stStatus(t, "rename", res, http.StatusSeeOther)
		}
		if n := stCount(t, a, "audit_log", "organization_id = ?", f.Org.ID); n != 30 {
			t.Fatalf("%d audit entries, want 30", n)
		}
		viewer := stLogin(t, a, f.ByRole[models.RoleViewer])
		audit := stPath(f.Org, "/audit")

		res := viewer.Get(audit)
		stStatus(t, "audit page 1", res, http.StatusOK)
		rows := stTable(res)
		if len(rows) != 25 {
			t.Fatalf("page 1 has %d rows, want 25\n%s", len(rows), res)
		}
		for i := 0; i < 20; i++ {
			want := fmt.Sprintf("Changed the settings Metro Transit %02d Public agency", 20-i)
			if len(rows[i]) != 3 || rows[i][2] != want || rows[i][1] != "owner@metro.test" || rows[i][0] == "" {
				t.Fatalf("row %d is %q, want newest first: %q by owner@metro.test", i, rows[i], want)
			}
		}
		if got := rows[20][2]; got != "Created account @metro" {
			t.Fatalf("row 21 is %q, want the account creation", got)
		}
		stHas(t, "audit page 1", res, "Page 1 of 2", `rel="next"`, `href="`+audit+`?page=2"`)
		stLacks(t, "audit page 1", res, `rel="prev"`)

		res = viewer.Get(audit + "?page=2")
		stStatus(t, "audit page 2", res, http.StatusOK)
		rows = stTable(res)
		if len(rows) != 5 {
			t.Fatalf("page 2 has %d rows, want 5\n%s", len(rows), res)
		}
		if got := rows[4][2]; got != "Created the organization Metro Transit Public agency" {
			t.Fatalf("last row is %q, want the oldest entry", got)
		}
		if rows[4][1] != "admin@plaza.test" || rows[3][2] != "Invited owner@metro.test Owner" {
			t.Fatalf("oldest rows: %q", rows[3:])
		}
		stHas(t, "audit page 2", res, "Page 2 of 2", `rel="prev"`)
		stLacks(t, "audit page 2", res, `rel="next"`)

		// Nothing of the other organization shows.
		for _, p := range []string{audit, audit + "?page=2"} {
			stLacks(t, "audit "+p, viewer.Get(p), "Other Org", "owner@other.test")
		}
		// A page parameter that is not a page number shows the first page.
		for _, q := range []string{"?page=abc", "?page=-3", "?page=0"} {
			res = viewer.Get(audit + q)
			stStatus(t, "audit "+q, res, http.StatusOK)
			stHas(t, "audit "+q, res, "Page 1 of 2", "Metro Transit 20")
		}
	})
}

func TestStudioHome(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		both := stJoin(t, a, f.Admin, f.Org, "both@plaza.test", models.RoleModerator)
		// both@ also joins the other organization, as an editor.
		_, tok, err := a.Store.CreateInvite(context.Background(), f.Admin, f.Other.ID, "both@plaza.test", models.RoleEditor)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.Store.AcceptInvite(context.Background(), tok, both, nil); err != nil {
			t.Fatal(err)
		}
		loner, err := a.Store.CreateUser(context.Background(), models.NewUser{Email: "loner@plaza.test", Password: apptest.Password})
		if err != nil {
			t.Fatal(err)
		}

		for _, tc := range []struct {
			who          *models.User
			shows, hides []string
		}{
			{f.ByRole[models.RoleOwner], []string{"Metro Transit", "Owner", `href="` + stPath(f.Org, "") + `"`}, []string{"Other Org", stPath(f.Other, "")}},
			{f.ByRole[models.RoleViewer], []string{"Metro Transit", "Viewer"}, []string{"Other Org"}},
			{f.Outside, []string{"Other Org", `href="` + stPath(f.Other, "") + `"`}, []string{"Metro Transit", stPath(f.Org, "")}},
			{both, []string{"Metro Transit", "Moderator", "Other Org", "Editor"}, []string{"not a member of any organization"}},
			{loner, []string{"You are not a member of any organization yet. Ask an owner of your organization to send you an invitation."},
				[]string{"Metro Transit", "Other Org", "/studio/orgs/", "New organization"}},
			// A platform admin who belongs to no organization sees the
			// empty state and the way to create one.
			{f.Admin, []string{"not a member of any organization", `href="/admin/orgs/new"`}, []string{"Metro Transit", "Other Org"}},
		} {
			res := stLogin(t, a, tc.who).Get("/studio")
			stStatus(t, "studio home of "+tc.who.Email, res, http.StatusOK)
			stHas(t, "studio home of "+tc.who.Email, res, tc.shows...)
			stLacks(t, "studio home of "+tc.who.Email, res, tc.hides...)
		}
		res := a.Client(t).Get("/studio")
		stStatus(t, "anonymous studio home", res, http.StatusSeeOther, "/login?next=%2Fstudio")
	})
}

// TestStudioOddInput sends what no browser form would (NUL bytes, invalid
// UTF-8) to every studio and admin form: each gets a clear 4xx, never a
// 500 (PostgreSQL refuses such text) and never a stored row (SQLite would
// take it).
func TestStudioOddInput(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		owner := stLogin(t, a, f.ByRole[models.RoleOwner])
		adm := stLogin(t, a, f.Admin)
		account := validAccountForm("odd_input")
		with := func(form url.Values, key, value string) url.Values {
			out := url.Values{}
			for k, v := range form {
				out[k] = v
			}
			out.Set(key, value)
			return out
		}
		staffID := f.ByRole[models.RoleViewer].ID
		before := stSnapshot(t, a)
		for _, bad := range []string{"Metro\x00Rail", "\x00", "Metro \xff\xfe Rail"} {
			for _, tc := range []struct {
				c    *apptest.Client
				path string
				form url.Values
			}{
				{owner, stPath(f.Org, "/accounts"), with(account, "name", bad)},
				{owner, stPath(f.Org, "/accounts"), with(account, "handle", bad)},
				{owner, stPath(f.Org, "/accounts"), with(account, "bio_zh", bad)},
				{owner, stPath(f.Org, "/accounts/metro"), with(account, "name", bad)},
				{owner, stPath(f.Org, "/accounts/metro"), with(account, "bio_en", bad)},
				{owner, stPath(f.Org, "/settings"), url.Values{"name": {bad}, "kind": {"agency"}}},
				{owner, stPath(f.Org, "/staff/invites"), url.Values{"email": {"nora" + bad + "@example.org"}, "role": {"editor"}}},
				{owner, stPath(f.Org, fmt.Sprintf("/staff/%d/role", staffID)), url.Values{"role": {"editor" + bad}}},
				{adm, "/admin/orgs", url.Values{"name": {bad}, "kind": {"ngo"}}},
				{adm, fmt.Sprintf("/admin/orgs/%d/invites", f.Org.ID), url.Values{"email": {bad + "@example.org"}}},
			} {
				what := fmt.Sprintf("POST %s with %q", tc.path, bad)
				res := tc.c.Post(tc.path, tc.form)
				if res.Status != http.StatusBadRequest && res.Status != http.StatusUnprocessableEntity {
					t.Fatalf("%s: %s\nwant 400 or 422", what, res)
				}
				if res.Status == http.StatusBadRequest {
					stHas(t, what, res, "Plaza could not understand what was sent, so nothing was changed.")
				}
			}
			q := url.QueryEscape(bad)
			for _, tc := range []struct {
				c    *apptest.Client
				path string
			}{
				{adm, "/admin?q=" + q},
				{owner, stPath(f.Org, "/accounts/") + q},
				{owner, stPath(f.Org, "/audit?page=") + q},
			} {
				res := tc.c.Get(tc.path)
				if res.Status >= 500 {
					t.Fatalf("GET %s: %s", tc.path, res)
				}
			}
		}
		stUnchanged(t, "odd input", a, before)
	})
}
