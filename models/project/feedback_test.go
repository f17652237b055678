package project_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/project"
)

func openConsultation(t *testing.T, a *apptest.App, f *apptest.Fixtures) *models.PublicProject {
	t.Helper()
	ctx := context.Background()
	boss := f.Member(models.RoleOwner)
	closes := a.Store.Now().Add(48 * time.Hour)
	p, err := a.Projects.CreateProject(ctx, boss, f.Account, project.Input{Translations: models.Translations{"en": {"title": "Park"}}, Public: true, ClosesAt: &closes}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Projects.SetProjectStatus(ctx, boss, f.Account, p.ID, models.StatusChange{Status: models.ProjectConsultation}, nil); err != nil {
		t.Fatal(err)
	}
	pp, err := a.Projects.PublicProjectByID(ctx, "metro", p.ID)
	if err != nil {
		t.Fatal(err)
	}
	return pp
}

// Two answers of the same contact sent at the same moment leave one
// current answer, whichever insert wins the unique index; the others wait
// as unconfirmed revisions of it.
func TestFeedbackOnePerContactUnderRace(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		p := openConsultation(t, a, f)
		ctx := context.Background()
		const n = 8
		// The race is under test, not the contact's limit (5 an hour).
		lim := models.DefaultLimits()
		lim.FeedbackPerContact.Max = n
		store := a.Projects.WithLimits(lim)
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := store.SubmitFeedback(ctx, p, models.FeedbackInput{Stance: models.StanceSupport,
					Comment: fmt.Sprintf("answer %d", i), Contact: "same@example.org", Consent: true})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			// SQLite serializes writers; a busy database is the only
			// acceptable failure and must not leave a second row.
			if err != nil && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("submit: %v", err)
			}
		}
		var rows []models.Feedback
		a.Store.DB().Where("project_id = ?", p.ID).Order("id").Find(&rows)
		var current []models.Feedback
		for _, r := range rows {
			if r.RevisionState == models.RevisionCurrent {
				current = append(current, r)
			}
		}
		if len(current) != 1 {
			t.Fatalf("want one current answer, got %+v", rows)
		}
		for _, r := range rows {
			if r.ID != current[0].ID && (r.RevisionState != models.RevisionUnconfirmed || r.RevisesID == nil || *r.RevisesID != current[0].ID) {
				t.Fatalf("answer %d is not an unconfirmed revision of %d: %+v", r.ID, current[0].ID, r)
			}
		}
	})
}

func TestFeedbackStatusRules(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		p := openConsultation(t, a, f)
		ctx := context.Background()
		owner := f.Member(models.RoleOwner)
		submit := func(contact, comment string) *models.Submission {
			s, err := a.Projects.SubmitFeedback(ctx, p, models.FeedbackInput{Stance: models.StanceOppose, Comment: comment, Contact: contact, Consent: true})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		// Reviewed first: pending.
		s := submit("x@example.org", "first")
		if s.Feedback.Status != models.FeedbackPending || s.Updated {
			t.Fatalf("first: %+v", s)
		}
		// A moderator hides it; answering again (and confirming the
		// change) does not bring it back.
		if _, err := a.Projects.ModerateFeedback(ctx, owner, f.Account, p.ID, []int64{s.Feedback.ID}, models.FeedbackHidden); err != nil {
			t.Fatal(err)
		}
		again := submit("X@example.org", "again")
		if !again.Revision || again.Updated || again.Feedback.RevisionState != models.RevisionUnconfirmed {
			t.Fatalf("again: %+v", again.Feedback)
		}
		if r, err := a.Projects.ConfirmAnswerRevision(ctx, again.Feedback.ID); err != nil || r.Revision.Status != models.FeedbackHidden ||
			r.Revision.Comment != "again" {
			t.Fatalf("again, confirmed: %+v %v", r, err)
		}
		// Published at once when the account says so.
		if err := a.Accounts.SetFeedbackReview(ctx, owner, f.Account, false); err != nil {
			t.Fatal(err)
		}
		p, err := a.Projects.PublicProjectByID(ctx, "metro", p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if s, err := a.Projects.SubmitFeedback(ctx, p, models.FeedbackInput{Stance: models.StanceNeutral, Consent: true}); err != nil || s.Feedback.Status != models.FeedbackPublished {
			t.Fatalf("no review: %+v %v", s, err)
		}
		// NUL bytes and broken UTF-8 from a form never reach the database.
		s, err = a.Projects.SubmitFeedback(ctx, p, models.FeedbackInput{Stance: models.StanceNeutral, Comment: "a\x00b\xffc\u200bd\r\ne", Consent: true})
		if err != nil || s.Feedback.Comment != "abc\u200bd\r\ne" {
			t.Fatalf("cleaned comment: %q %v", s.Feedback.Comment, err)
		}
		// Moderation checks its input and the member's role.
		if _, err := a.Projects.ModerateFeedback(ctx, owner, f.Account, p.ID, nil, models.FeedbackSpam); err == nil {
			t.Fatal("nothing selected was accepted")
		}
		if _, err := a.Projects.ModerateFeedback(ctx, owner, f.Account, p.ID, []int64{1}, "deleted"); err == nil {
			t.Fatal("an unknown state was accepted")
		}
		if _, err := a.Projects.ModerateFeedback(ctx, f.Member(models.RoleEditor), f.Account, p.ID, []int64{1}, models.FeedbackSpam); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("editor moderated: %v", err)
		}
		// Ids of another project are left alone.
		other := openConsultation(t, a, f)
		o, err := a.Projects.SubmitFeedback(ctx, other, models.FeedbackInput{Stance: models.StanceSupport, Consent: true})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := a.Projects.ModerateFeedback(ctx, owner, f.Account, p.ID, []int64{o.Feedback.ID}, models.FeedbackSpam); err != nil || n != 0 {
			t.Fatalf("moderated another project's answer: %d %v", n, err)
		}
	})
}

func TestProjectResultsAndExport(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		p := openConsultation(t, a, f)
		ctx := context.Background()
		for i, d := range []struct{ stance, district string }{
			{"support", "North"}, {"support", "North"}, {"oppose", "North"}, {"neutral", "South"}, {"support", ""}, {"oppose", "South"},
		} {
			s, err := a.Projects.SubmitFeedback(ctx, p, models.FeedbackInput{Stance: d.stance, District: d.district, Consent: true, Comment: fmt.Sprint(i)})
			if err != nil {
				t.Fatal(err)
			}
			if i == 5 {
				if _, err := a.Projects.ModerateFeedback(ctx, f.Member(models.RoleOwner), f.Account, p.ID, []int64{s.Feedback.ID}, models.FeedbackSpam); err != nil {
					t.Fatal(err)
				}
			}
		}
		r, err := a.Projects.ProjectResults(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.All != (models.StanceCount{Support: 3, Oppose: 1, Neutral: 1}) {
			t.Fatalf("all: %+v", r.All)
		}
		want := []models.DistrictCount{
			{District: "North", StanceCount: models.StanceCount{Support: 2, Oppose: 1}},
			{District: "South", StanceCount: models.StanceCount{Neutral: 1}},
			{District: "", StanceCount: models.StanceCount{Support: 1}},
		}
		if fmt.Sprint(r.ByDistrict) != fmt.Sprint(want) {
			t.Fatalf("by district: %+v", r.ByDistrict)
		}
		// The export walks every row in id order, across its batches.
		var ids []int64
		err = a.Projects.ExportFeedback(ctx, f.Member(models.RoleModerator), f.Account, p.ID, "csv", func(_ []models.ProjectQuestion, row models.ExportRow) error {
			ids = append(ids, row.ID)
			return nil
		})
		if err != nil || len(ids) != 6 || ids[0] > ids[5] {
			t.Fatalf("export: %v %v", ids, err)
		}
		if err := a.Projects.ExportFeedback(ctx, f.Member(models.RoleViewer), f.Account, p.ID, "csv", nil); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("viewer export: %v", err)
		}
	})
}
