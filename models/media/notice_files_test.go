package media_test

import (
	"bytes"
	"errors"
	"image"
	"image/gif"
	"image/jpeg"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/media"
	"github.com/plazahq/plaza/models/notice"
)

// webp1x1 is a real 1×1 lossless WebP file.
var webp1x1 = []byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00")

// encoded is a w×h image in the format enc writes.
func encoded(t *testing.T, w, h int, enc func(*bytes.Buffer, image.Image) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := enc(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestNoticeFilesAreSniffed: what a notice accepts is decided by the
// bytes, never the name; an image needs its text alternative; each kind
// has its size limit.
func TestNoticeFilesAreSniffed(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		ctx := t.Context()
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ed, acc := f.Member(models.RoleEditor), f.Account
		n, err := a.Notices.CreateNotice(ctx, ed, acc, notice.Input{Kind: models.NoticeTransit, Translations: models.Texts("en", "title", "Diversion")})
		if err != nil {
			t.Fatal(err)
		}
		jpg := encoded(t, 12, 7, func(b *bytes.Buffer, m image.Image) error { return jpeg.Encode(b, m, nil) })
		gf := encoded(t, 12, 7, func(b *bytes.Buffer, m image.Image) error { return gif.Encode(b, m, nil) })
		pdf := []byte("%PDF-1.4\n% timetable\n")
		tests := []struct {
			name, title, filename string
			data                  []byte
			kind, ct              string // accepted as
			w, h                  int
			field, msg            string // else refused with
		}{
			{name: "png", title: "Map of the diversion", filename: "map.png", data: pngOf(t, 8, 6), kind: "image", ct: "image/png", w: 8, h: 6},
			{name: "jpeg named .pdf", title: "Photo of the stop", filename: "stop.pdf", data: jpg, kind: "image", ct: "image/jpeg", w: 12, h: 7},
			{name: "gif", title: "Animated route", filename: "route.gif", data: gf, kind: "image", ct: "image/gif", w: 12, h: 7},
			{name: "webp", title: "Dot", filename: "dot.webp", data: webp1x1, kind: "image", ct: "image/webp", w: 1, h: 1},
			{name: "pdf without a title", filename: `C:\Users\ops\timetable.pdf`, data: pdf, kind: "document", ct: "application/pdf"},
			{name: "html named .png", title: "Map", filename: "map.png", data: []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), field: "file", msg: "projects.err_file_type"},
			{name: "png header, no image", title: "Map", filename: "map.png", data: append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 64)...), field: "file", msg: "projects.err_file_type"},
			{name: "image without alt text", title: "  ", filename: "map.png", data: pngOf(t, 8, 6), field: "file_title", msg: "notices.err_alt_required"},
			{name: "nothing", title: "Map", field: "file", msg: "projects.err_file_missing"},
			{name: "image too big", title: "Map", data: append(pngOf(t, 2, 2), make([]byte, media.MaxImageBytes)...), field: "file", msg: "projects.err_image_too_big"},
			{name: "pdf too big", data: append([]byte("%PDF-1.4\n"), make([]byte, media.MaxDocumentBytes)...), field: "file", msg: "projects.err_doc_too_big"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				nf, err := a.Media.AddNoticeFile(ctx, ed, acc, n.ID, tt.title, tt.filename, tt.data)
				if tt.msg != "" {
					v, ok := models.AsValidation(err)
					if !ok || v.Fields[tt.field] != tt.msg {
						t.Fatalf("got %+v, %v; want %s on %s", nf, err, tt.msg, tt.field)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if nf.Kind != tt.kind || nf.ContentType != tt.ct || nf.Width != tt.w || nf.Height != tt.h || len(nf.Sha1) != 40 {
					t.Fatalf("stored %+v; want %s %s %d×%d with a SHA-1", nf, tt.kind, tt.ct, tt.w, tt.h)
				}
			})
		}
		files, err := a.Media.NoticeFiles(ctx, n.ID)
		if err != nil || len(files) != 5 || files[0].Kind != "image" || files[4].Kind != "document" || files[4].Filename != "timetable.pdf" {
			t.Fatalf("listed %+v, %v; want four images, then the PDF without its folders", files, err)
		}
	})
}

// TestNoticeFilesFollowTheNotice: a draft's files are for its
// organization's members only; once published they are anyone's and can
// no longer change; deleting a draft deletes its files' bytes.
func TestNoticeFilesFollowTheNotice(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		ctx := t.Context()
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ed, acc := f.Member(models.RoleEditor), f.Account
		in := notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", "New timetable", "body", "From Monday.")}
		n, err := a.Notices.CreateNotice(ctx, ed, acc, in)
		if err != nil {
			t.Fatal(err)
		}
		img, err := a.Media.AddNoticeFile(ctx, ed, acc, n.ID, "Map", "map.png", pngOf(t, 4, 4))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := a.Media.ByPublicID(ctx, img.MediaPublicID, nil); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("a draft's file fetched by nobody: %+v %v", got, err)
		}
		if got, err := a.Media.ByPublicID(ctx, img.MediaPublicID, f.Outside); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("a draft's file fetched by another organization: %+v %v", got, err)
		}
		if got, err := a.Media.ByPublicID(ctx, img.MediaPublicID, f.Member(models.RoleViewer).User); err != nil || got.Access != media.Members {
			t.Fatalf("a draft's file fetched by a member: %+v %v", got, err)
		}
		other := &models.Member{User: f.Outside, Org: f.Other, Role: models.RoleOwner}
		if _, err := a.Media.AddNoticeFile(ctx, other, acc, n.ID, "Map", "map.png", pngOf(t, 4, 4)); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("another organization adds a file: %v", err)
		}
		if err := a.Media.DeleteNoticeFile(ctx, other, acc, n.ID, img.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("another organization deletes a file: %v", err)
		}

		// The transaction that changes a notice's files asks again,
		// holding the notice's row, so a file cannot slip in as it is
		// published.
		locked := func() error {
			return a.Store.Core.Tx(ctx, func(tx models.Core) error { return a.Notices.LockEditable(ctx, tx, n.ID) })
		}
		if err := locked(); err != nil {
			t.Fatalf("a draft's files locked: %v", err)
		}
		if _, _, err := a.Notices.PublishNotice(ctx, ed, acc, n.ID, in); err != nil {
			t.Fatal(err)
		}
		if v, ok := models.AsValidation(locked()); !ok || v.Fields["file"] != "notices.err_files_not_editable" {
			t.Fatalf("a published notice's files may change: %v", locked())
		}
		got, err := a.Media.ByPublicID(ctx, img.MediaPublicID, nil)
		if err != nil || got.Access != media.PublicNotice || got.Filename != "map.png" {
			t.Fatalf("a published notice's file fetched by nobody: %+v %v", got, err)
		}
		if _, err := a.Media.AddNoticeFile(ctx, ed, acc, n.ID, "More", "more.pdf", []byte("%PDF-1.4\n")); err == nil {
			t.Fatal("a file added to a published notice")
		}
		if err := a.Media.DeleteNoticeFile(ctx, ed, acc, n.ID, img.ID); err == nil {
			t.Fatal("a file removed from a published notice")
		}

		draft, err := a.Notices.CreateNotice(ctx, ed, acc, in)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := a.Media.AddNoticeFile(ctx, ed, acc, draft.ID, "", "t.pdf", []byte("%PDF-1.4\n% draft\n"))
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Notices.DeleteNotice(ctx, ed, acc, draft.ID); err != nil {
			t.Fatal(err)
		}
		var left int64
		if err := a.DB.Gorm.Table("media").Where("id = ?", doc.MediaID).Count(&left).Error; err != nil || left != 0 {
			t.Fatalf("%d media rows left after the draft went (%v)", left, err)
		}
	})
}
