package handlers_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/media"
)

// Tests for uploading account avatars in the studio.

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
