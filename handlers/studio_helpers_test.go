package handlers_test

import (
	"bufio"
	"bytes"
	"context"
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
	"github.com/plazahq/plaza/models/org"
)

// Shared helpers for the studio tests (and the admin, media, project and session tests that reuse them).

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
	{"accounts", "id, organization_id, handle, name, translations, default_lang, category, languages, avatar_media_id, avatar_public_id, updated_at"},
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
// into with role, through an invite accepted the way the studio does it.
func stJoin(t *testing.T, a *apptest.App, inviter *models.User, into *models.Organization, email string, role models.Role) *models.User {
	t.Helper()
	ctx := context.Background()
	u, err := a.Orgs.CreateUser(ctx, org.NewUser{Email: email, Name: email, Password: apptest.Password})
	if err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	_, token, err := a.Orgs.CreateInvite(ctx, inviter, into.ID, email, role)
	if err != nil {
		t.Fatalf("invite %s: %v", email, err)
	}
	if _, _, err := a.Orgs.AcceptInvite(ctx, token, u, nil); err != nil {
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
		"handle": {handle}, "name.en": {"Bus Line 7"}, "name.zh-Hans": {"七路公交"},
		"bio.en": {"Service news for line 7 & its night buses"}, "bio.zh-Hans": {"七路公交及夜班车的服务信息"},
		"category": {"transit"}, "languages": {"en", "zh"},
	}
}
