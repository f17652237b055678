package handlers_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/project"
)

// mediaWorld is one file of each kind the studio stores, of the fixture
// organization.
type mediaWorld struct {
	avatar, public, draft, withdrawn string  // /media/ URLs
	ids                              []int64 // their sequential ids
	draftProject                     int64
	draftPDF                         []byte
}

// stMediaSum is the ETag of a file's bytes, without its quotes.
func stMediaSum(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func newMediaWorld(t *testing.T, a *apptest.App, f *apptest.Fixtures) *mediaWorld {
	t.Helper()
	ctx := context.Background()
	ed := f.Member(models.RoleEditor)
	w := &mediaWorld{draftPDF: []byte("%PDF-1.4\n% CONFIDENTIAL: negotiating position, max price 42,000,000\n")}
	if err := a.Media.SetAvatar(ctx, ed, f.Account, stPNG(t, 8, 8)); err != nil {
		t.Fatal(err)
	}
	w.avatar = "/media/" + *f.Account.AvatarPublicID
	w.ids = append(w.ids, *f.Account.AvatarMediaID)
	file := func(title string, public bool, data []byte) (*models.Project, string) {
		p, err := a.Projects.CreateProject(ctx, ed, f.Account, project.Input{Translations: models.Translations{"en": {"title": title}}, Public: public}, nil)
		if err != nil {
			t.Fatal(err)
		}
		pf, err := a.Media.AddProjectFile(ctx, ed, f.Account, p.ID, title, "file.pdf", data)
		if err != nil {
			t.Fatal(err)
		}
		w.ids = append(w.ids, pf.MediaID)
		return p, "/media/" + pf.MediaPublicID
	}
	_, w.public = file("Harbour Bridge", true, []byte("%PDF-1.4\n% public plan\n"))
	draft, draftURL := file("SECRET draft: depot land sale", false, w.draftPDF)
	w.draft, w.draftProject = draftURL, draft.ID
	withdrawn, withdrawnURL := file("Published by mistake", true, []byte("%PDF-1.4\n% withdrawn\n"))
	in := project.InputOf(withdrawn)
	in.Public = false
	if _, err := a.Projects.SaveProject(ctx, ed, f.Account, withdrawn.ID, in); err != nil {
		t.Fatal(err)
	}
	w.withdrawn = withdrawnURL
	return w
}

// TestMediaAccess is the media matrix: each kind of stored file, fetched
// by nobody, by staff of another organization and by each role of the
// organization that owns it. Only avatars and files of projects shown on
// the public site are for everyone; a file only members may see is never
// kept by a shared cache, and to anyone else it does not exist.
func TestMediaAccess(t *testing.T) {
	const (
		avatarCache  = "public, max-age=31536000, immutable"
		projectCache = "public, max-age=300"
		membersCache = "private, no-store"
	)
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		w := newMediaWorld(t, a, f)

		who := map[string]*apptest.Client{"anonymous": a.Client(t), "other organization": stLogin(t, a, f.Outside)}
		for _, r := range models.AllRoles() {
			who["member "+string(r)] = stLogin(t, a, f.ByRole[r])
		}
		tests := []struct {
			kind, url string
			public    bool // everyone may fetch it; else members only
			cache     string
		}{
			{"avatar", w.avatar, true, avatarCache},
			{"file of a public project", w.public, true, projectCache},
			{"file of a draft project", w.draft, false, membersCache},
			{"file of a project taken off the site", w.withdrawn, false, membersCache},
		}
		for _, tt := range tests {
			for name, c := range who {
				t.Run(tt.kind+"/"+name, func(t *testing.T) {
					res := c.Get(tt.url)
					if !tt.public && !strings.HasPrefix(name, "member ") {
						if res.Status != http.StatusNotFound || strings.Contains(res.Body, "CONFIDENTIAL") {
							t.Fatalf("GET %s: %s; want 404", tt.url, res)
						}
						return
					}
					if res.Status != http.StatusOK || res.Header.Get("Cache-Control") != tt.cache {
						t.Fatalf("GET %s: %d with Cache-Control %q; want 200 with %q", tt.url, res.Status, res.Header.Get("Cache-Control"), tt.cache)
					}
				})
			}
		}

		t.Run("hidden and missing files look alike", func(t *testing.T) {
			anon := who["anonymous"]
			missingURL := "/media/" + strings.Repeat("0", 32)
			hidden, missing := anon.Get(w.draft), anon.Get(missingURL)
			// The page links its own address (the language switch).
			hiddenBody := strings.ReplaceAll(hidden.Body, strings.ReplaceAll(w.draft, "/", "%2F"), "URL")
			missingBody := strings.ReplaceAll(missing.Body, strings.ReplaceAll(missingURL, "/", "%2F"), "URL")
			if hidden.Status != missing.Status || hiddenBody != missingBody || hidden.Header.Get("Cache-Control") != missing.Header.Get("Cache-Control") {
				t.Fatalf("a hidden file answers %d %v %q, a missing one %d %v %q", hidden.Status, hidden.Header, hiddenBody, missing.Status, missing.Header, missingBody)
			}
			// Nor does a conditional request tell: no 304 for a hidden file.
			req, _ := http.NewRequest(http.MethodGet, a.URL+w.draft, nil)
			req.Header.Set("If-None-Match", fmt.Sprintf(`"%s"`, stMediaSum(w.draftPDF)))
			res, err := anon.HTTP.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusNotFound {
				t.Fatalf("If-None-Match on a hidden file: %d, want 404", res.StatusCode)
			}
		})

		t.Run("sequential ids name nothing", func(t *testing.T) {
			for _, id := range w.ids {
				for name, c := range who {
					if res := c.Get(fmt.Sprintf("/media/%d", id)); res.Status != http.StatusNotFound {
						t.Errorf("%s: GET /media/%d: %d, want 404", name, id, res.Status)
					}
				}
			}
			for i := 0; i <= 100; i++ {
				if res := who["anonymous"].Get(fmt.Sprintf("/media/%d", i)); res.Status != http.StatusNotFound {
					t.Fatalf("GET /media/%d: %d, want 404", i, res.Status)
				}
			}
		})

		t.Run("pages link files by their random names", func(t *testing.T) {
			stHas(t, "account page", who["anonymous"].Get("/@metro"), `src="`+w.avatar+`"`)
			pub, _, err := a.Projects.PublicProjects(context.Background(), f.Account.ID, models.Page{Number: 1, Size: 10})
			if err != nil || len(pub) != 1 {
				t.Fatalf("public projects: %v %v", pub, err)
			}
			stHas(t, "public project page", who["anonymous"].Get(fmt.Sprintf("/@metro/projects/%d", pub[0].ID)), `href="`+w.public+`"`)
			stHas(t, "studio project page", who["member viewer"].Get(stPath(f.Org, fmt.Sprintf("/accounts/metro/projects/%d", w.draftProject))),
				`href="`+w.draft+`"`)
		})
	})
}
