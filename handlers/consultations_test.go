package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

// TestConsultationKeptForAnswers: with the production setting (the
// content version read at most every poll; an hour here, so nothing
// depends on the clock) the form keeps the project citizens answer, so a
// change made outside this instance's requests is not seen before the
// next read; a change made through this instance's studio is seen by the
// next answer at once, and an answer published at once shows on the
// project's page at once.
func TestConsultationKeptForAnswers(t *testing.T) {
	t.Parallel()
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.StartOptions(t, dbURL, generous, apptest.PagePoll(time.Hour))
		f := apptest.Seed(t, a)
		p := openProject(t, a, f, "")
		path := fmt.Sprintf("/@metro/projects/%d", p.ID)
		citizen := a.Client(t)
		n := 0
		answer := func(comment string) *apptest.Response {
			n++
			return citizen.Post(path+"/feedback", url.Values{"stance": {"support"}, "comment": {comment},
				"contact": {fmt.Sprintf("c%d@example.org", n)}, "consent": {"on"}})
		}
		if r := answer("first"); r.Status != http.StatusSeeOther {
			t.Fatalf("first answer: %s", r)
		}
		// Closed behind this instance's back: the kept project still
		// takes answers until the version is read again.
		past := a.Store.Now().Add(-time.Hour)
		if err := a.Store.DB().Model(&models.Project{}).Where("id = ?", p.ID).Update("closes_at", past).Error; err != nil {
			t.Fatal(err)
		}
		if r := answer("kept"); r.Status != http.StatusSeeOther {
			t.Fatalf("the project was read again within the poll: it is not kept: %s", r)
		}
		// The owner reopens it and switches moderation off through the
		// studio, then closes it: each change is seen at once.
		owner := a.Client(t)
		owner.Login(f.ByRole[models.RoleOwner].Email, apptest.Password)
		if err := a.Store.DB().Model(&models.Project{}).Where("id = ?", p.ID).Update("closes_at", a.Store.Now().Add(time.Hour)).Error; err != nil {
			t.Fatal(err)
		}
		studio := fmt.Sprintf("/studio/orgs/%d/accounts/metro/projects", f.Org.ID)
		if r := owner.Post(studio+"/settings", url.Values{}); r.Status != http.StatusSeeOther {
			t.Fatalf("moderation off: %s", r)
		}
		if r := citizen.Get(path); r.Status != http.StatusOK { // kept in the page cache now
			t.Fatalf("project page: %s", r)
		}
		if r := answer("A zebra crossing first"); r.Status != http.StatusSeeOther {
			t.Fatalf("answer after the studio's change: %s", r)
		}
		if r := citizen.Get(path); !strings.Contains(r.Body, "A zebra crossing first") {
			t.Fatalf("an answer published at once is not on the project's page: %s", r)
		}
		if r := owner.Post(fmt.Sprintf("%s/%d/status", studio, p.ID), url.Values{"status": {models.ProjectDecided}}); r.Status != http.StatusSeeOther {
			t.Fatalf("close: %s", r)
		}
		if r := answer("too late"); r.Status != http.StatusConflict {
			t.Fatalf("an answer after the studio closed the consultation: %s", r)
		}
		var stored int64
		a.Store.DB().Model(&models.Feedback{}).Where("project_id = ?", p.ID).Count(&stored)
		if stored != 3 {
			t.Fatalf("%d answers stored, want 3", stored)
		}
	})
}
