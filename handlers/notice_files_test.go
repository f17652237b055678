package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/apitoken"
	"github.com/plazahq/plaza/models/notice"
)

// TestNoticeFiles: an editor adds a map and a timetable to a draft from
// the editor; a refused file brings the editor back with the reason and
// what was typed; the draft's files are nobody else's; once published,
// the page shows the map (with its text alternative, sized, as the link
// preview's picture) and lists the timetable, and the files are served
// to anyone with their type, nosniff, a disposition and a long cache.
func TestNoticeFiles(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		boss := f.Member(models.RoleOwner)
		in := notice.Input{Kind: models.NoticeTransit, Translations: models.Texts("en", "title", "Line 12 diverted", "body", "Via Harbour Road.")}
		n, err := a.Notices.CreateNotice(ctx, boss, f.Account, in)
		if err != nil {
			t.Fatal(err)
		}
		page := fmt.Sprintf("/studio/orgs/%d/accounts/metro/notices/%d", f.Org.ID, n.ID)
		ed := stLogin(t, a, f.ByRole[models.RoleEditor])
		pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

		refused := []struct {
			name, filename, title string
			data                  []byte
			want                  string
		}{
			{"html named .png", "map.png", "Map of works", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), "PNG, JPEG, WebP or GIF image, or a PDF"},
			{"image without alt text", "map.png", "", stPNG(t, 40, 30), "its text alternative is required"},
			{"nothing chosen", "", "Map of works", nil, "Choose a file to upload"},
		}
		for _, tt := range refused {
			t.Run(tt.name, func(t *testing.T) {
				r := ed.UploadForm(page+"/files", "file", tt.filename, tt.data, url.Values{"file_title": {tt.title}})
				if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tt.want) ||
					!strings.Contains(r.Body, `value="Line 12 diverted"`) || !strings.Contains(r.Body, `value="`+tt.title+`"`) {
					t.Fatalf("want 422 with %q, the notice and the title typed: %s", tt.want, r)
				}
			})
		}
		if r := ed.UploadForm(page+"/files", "file", "map.png", stPNG(t, 40, 30), url.Values{"file_title": {"Map: line 12 runs along Harbour Road"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("image upload: %s", r)
		}
		if r := ed.UploadForm(page+"/files", "file", "timetable.pdf", pdf, nil); r.Status != http.StatusSeeOther {
			t.Fatalf("pdf upload: %s", r)
		}
		files, err := a.Media.NoticeFiles(ctx, n.ID)
		if err != nil || len(files) != 2 {
			t.Fatalf("files: %+v %v", files, err)
		}
		img, doc := "/media/"+files[0].MediaPublicID, "/media/"+files[1].MediaPublicID
		if r := ed.Get(page); !strings.Contains(r.Body, "Map: line 12 runs along Harbour Road") || !strings.Contains(r.Body, "timetable.pdf") {
			t.Fatalf("the editor does not list the files: %s", r)
		}

		// Before publication: no one outside the organization sees them,
		// and no one outside it adds or removes any.
		anon := a.Client(t)
		outsider := stLogin(t, a, f.Outside)
		for _, u := range []string{img, doc} {
			if r := anon.Get(u); r.Status != http.StatusNotFound {
				t.Fatalf("a draft's file %s fetched anonymously: %s", u, r)
			}
			if r := outsider.Get(u); r.Status != http.StatusNotFound {
				t.Fatalf("a draft's file %s fetched by another organization: %s", u, r)
			}
		}
		theirs := fmt.Sprintf("/studio/orgs/%d/accounts/metro/notices/%d", f.Other.ID, n.ID)
		for _, p := range []string{page, theirs} {
			if r := outsider.UploadForm(p+"/files", "file", "x.pdf", pdf, nil); r.Status != http.StatusNotFound && r.Status != http.StatusForbidden {
				t.Fatalf("another organization adds a file through %s: %s", p, r)
			}
			if r := outsider.Post(fmt.Sprintf("%s/files/%d/delete", p, files[1].ID), nil); r.Status != http.StatusNotFound && r.Status != http.StatusForbidden {
				t.Fatalf("another organization removes a file through %s: %s", p, r)
			}
		}
		viewer := stLogin(t, a, f.ByRole[models.RoleViewer])
		if r := viewer.UploadForm(page+"/files", "file", "x.pdf", pdf, nil); r.Status != http.StatusForbidden {
			t.Fatalf("a viewer adds a file: %s", r)
		}
		if got, _ := a.Media.NoticeFiles(ctx, n.ID); len(got) != 2 {
			t.Fatalf("after the refused requests: %d files", len(got))
		}

		if _, _, err := a.Notices.PublishNotice(ctx, boss, f.Account, n.ID, in); err != nil {
			t.Fatal(err)
		}
		public := sendWith(t, a, anon, "GET", fmt.Sprintf("/@metro/notices/%d", n.ID), nil, en)
		expectBody(t, "public notice", public, http.StatusOK)
		if !strings.Contains(public.Body, `<img src="`+img+`" alt="Map: line 12 runs along Harbour Road" width="40" height="30"`) {
			t.Errorf("the page does not show the image with its alt text and size:\n%s", public)
		}
		if !strings.Contains(public.Body, `href="`+doc+`"`) || !strings.Contains(public.Body, "PDF · ") {
			t.Errorf("the page does not list the timetable with its type and size:\n%s", public)
		}
		m := metaTags(public.Body)
		if m["og:image"] != "http://plaza.test"+img || m["twitter:image"] != "http://plaza.test"+img {
			t.Errorf("link preview picture %q / %q, want the map", m["og:image"], m["twitter:image"])
		}

		served := []struct {
			url, ct, disposition string
		}{
			{img, "image/png", `inline; filename=map.png`},
			{doc, "application/pdf", `attachment; filename=timetable.pdf`},
		}
		for _, s := range served {
			r := anon.Get(s.url)
			h := r.Header
			if r.Status != http.StatusOK || h.Get("Content-Type") != s.ct || h.Get("X-Content-Type-Options") != "nosniff" ||
				h.Get("Content-Disposition") != s.disposition || h.Get("Cache-Control") != "public, max-age=31536000, immutable" {
				t.Errorf("GET %s: %d %q nosniff=%q %q %q", s.url, r.Status, h.Get("Content-Type"), h.Get("X-Content-Type-Options"),
					h.Get("Content-Disposition"), h.Get("Cache-Control"))
			}
		}
		// The feed carries them as enclosures.
		if r := anon.Get("/@metro/notices.atom"); !strings.Contains(r.Body, `rel="enclosure" type="application/pdf" href="http://plaza.test`+doc+`"`) {
			t.Errorf("the Atom feed has no enclosure for the timetable:\n%s", r.Body)
		}
		// The API lists them, with their absolute addresses.
		_, token, err := a.APITokens.Create(ctx, boss, "Ops", apitoken.AllScopes())
		if err != nil {
			t.Fatal(err)
		}
		r := newAPIClient(t, a, token).do("GET", fmt.Sprintf("/notices/%d", n.ID), nil)
		var got struct {
			Files []struct {
				Kind, Title, URL, Sha1 string
				Width                  int
			}
		}
		if err := json.Unmarshal([]byte(r.Body), &got); err != nil || r.Status != http.StatusOK || len(got.Files) != 2 {
			t.Fatalf("API notice: %d %s (%v)", r.Status, r.Body, err)
		}
		if f := got.Files[0]; f.Kind != "image" || f.Title != "Map: line 12 runs along Harbour Road" || f.URL != "http://plaza.test"+img || f.Width != 40 || len(f.Sha1) != 40 {
			t.Fatalf("API file: %+v", f)
		}
		// Published files stay as followers were sent them.
		if r := ed.Post(fmt.Sprintf("%s/files/%d/delete", page, files[0].ID), nil); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("a published notice's file removed: %s", r)
		}
	})
}

// TestNoticeFileDelete: removing a draft's file asks first, on a page of
// its own (so without JavaScript too), and takes its bytes with it.
func TestNoticeFileDelete(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		n, err := a.Notices.CreateNotice(ctx, f.Member(models.RoleOwner), f.Account, notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", "Works")})
		if err != nil {
			t.Fatal(err)
		}
		nf, err := a.Media.AddNoticeFile(ctx, f.Member(models.RoleEditor), f.Account, n.ID, "Plan", "plan.png", stPNG(t, 8, 8))
		if err != nil {
			t.Fatal(err)
		}
		page := fmt.Sprintf("/studio/orgs/%d/accounts/metro/notices/%d", f.Org.ID, n.ID)
		ed := stLogin(t, a, f.ByRole[models.RoleEditor])
		ask := fmt.Sprintf("%s/files/%d/delete", page, nf.ID)
		if r := ed.Get(page); !strings.Contains(r.Body, `href="`+ask+`"`) {
			t.Fatalf("the editor does not link to the question: %s", r)
		}
		if r := ed.Get(ask); r.Status != http.StatusOK || !strings.Contains(r.Body, "Remove “Plan” from this notice?") ||
			!strings.Contains(r.Body, `action="`+ask+`"`) {
			t.Fatalf("the question: %s", r)
		}
		if n := stCount(t, a, "media", "id = ?", nf.MediaID); n != 1 {
			t.Fatalf("asking removed the file: %d media rows", n)
		}
		if r := ed.Post(fmt.Sprintf("%s/files/%d/delete", page, nf.ID), nil); r.Status != http.StatusSeeOther {
			t.Fatalf("delete: %s", r)
		}
		if n := stCount(t, a, "media", "id = ?", nf.MediaID); n != 0 {
			t.Fatalf("%d media rows left", n)
		}
	})
}
