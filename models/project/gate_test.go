package project_test

import (
	"context"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/project"
)

// TestServiceAnswersOneRule holds the projects' services to Require's
// rule (models.TestServicesAnswerOneRule had the OrgProjects and
// ModerateFeedback rows before the domain moved here): no member, and a
// member of another organization whatever their role there, get
// ErrNotFound; a member whose role lacks the permission gets
// ErrForbidden, before the service looks at its input or its rows.
func TestServiceAnswersOneRule(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		s, acc := a.Projects, f.Account
		calls := []apptest.Gated{
			{Name: "OrgProjects", Perm: models.PermView, Call: func(ctx context.Context, m *models.Member) error {
				_, _, err := s.OrgProjects(ctx, m, acc, models.Page{})
				return err
			}},
			{Name: "ModerateFeedback", Perm: models.PermModerate, Call: func(ctx context.Context, m *models.Member) error {
				_, err := s.ModerateFeedback(ctx, m, acc, 1, []int64{1}, models.FeedbackSpam)
				return err
			}},
			{Name: "CreateProject", Perm: models.PermWrite, Call: func(ctx context.Context, m *models.Member) error {
				_, err := s.CreateProject(ctx, m, acc, project.Input{}, nil)
				return err
			}},
			{Name: "DeleteProject", Perm: models.PermWrite, Call: func(ctx context.Context, m *models.Member) error { return s.DeleteProject(ctx, m, acc, 1) }},
			{Name: "AddProjectQuestion", Perm: models.PermWrite, Call: func(ctx context.Context, m *models.Member) error {
				_, err := s.AddProjectQuestion(ctx, m, acc, 1, models.QuestionInput{})
				return err
			}},
			{Name: "SetProjectResult", Perm: models.PermModerate, Call: func(ctx context.Context, m *models.Member) error {
				_, err := s.SetProjectResult(ctx, m, acc, 1, nil)
				return err
			}},
			{Name: "OrgFeedback", Perm: models.PermView, Call: func(ctx context.Context, m *models.Member) error {
				_, _, err := s.OrgFeedback(ctx, m, acc, 1, models.FeedbackFilter{}, models.Page{})
				return err
			}},
			{Name: "ExportFeedback", Perm: models.PermContacts, Call: func(ctx context.Context, m *models.Member) error {
				return s.ExportFeedback(ctx, m, acc, 1, "csv", nil)
			}},
		}
		apptest.AnswersOneRule(t, f, calls)
	})
}
