package project_test

import (
	"context"
	"errors"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/project"
)

// TestDeleteProjectChildren: a timeline step and a question are deleted
// from their own project only; deleting one again, or through another
// project, is ErrNotFound and leaves the rows as they were.
func TestDeleteProjectChildren(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		boss := f.Member(models.RoleOwner)
		s := a.Projects
		p, err := s.CreateProject(ctx, boss, f.Account, project.Input{Translations: models.Translations{"en": {"title": "Bridge"}}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		other, err := s.CreateProject(ctx, boss, f.Account, project.Input{Translations: models.Translations{"en": {"title": "Park"}}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetProjectStatus(ctx, boss, f.Account, p.ID, models.StatusChange{Status: models.ProjectDecided, Notes: models.Translations{"en": {"note": "Decided"}}}, nil); err != nil {
			t.Fatal(err)
		}
		q, err := s.AddProjectQuestion(ctx, boss, f.Account, p.ID, models.QuestionInput{Kind: models.QuestionText, Translations: models.Translations{"en": {"label": "Why?"}}})
		if err != nil {
			t.Fatal(err)
		}
		events, err := s.ProjectTimeline(ctx, p.ID)
		if err != nil || len(events) == 0 {
			t.Fatalf("timeline: %v %v", events, err)
		}
		ev := events[len(events)-1]

		if err := s.DeleteProjectEvent(ctx, boss, f.Account, other.ID, ev.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("delete a step through another project: %v; want ErrNotFound", err)
		}
		if err := s.DeleteProjectQuestion(ctx, boss, f.Account, other.ID, q.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("delete a question through another project: %v; want ErrNotFound", err)
		}
		if err := s.DeleteProjectEvent(ctx, boss, f.Account, p.ID, ev.ID); err != nil {
			t.Fatalf("delete step: %v", err)
		}
		if err := s.DeleteProjectQuestion(ctx, boss, f.Account, p.ID, q.ID); err != nil {
			t.Fatalf("delete question: %v", err)
		}
		if after, _ := s.ProjectTimeline(ctx, p.ID); len(after) != len(events)-1 {
			t.Errorf("timeline after delete: %d steps; want %d", len(after), len(events)-1)
		}
		if qs, _ := s.ProjectQuestions(ctx, p.ID); len(qs) != 0 {
			t.Errorf("questions after delete: %v", qs)
		}
		if err := s.DeleteProjectEvent(ctx, boss, f.Account, p.ID, ev.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("delete the step again: %v; want ErrNotFound", err)
		}
		if err := s.DeleteProjectQuestion(ctx, boss, f.Account, p.ID, q.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("delete the question again: %v; want ErrNotFound", err)
		}
	})
}
