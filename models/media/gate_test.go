package media_test

import (
	"context"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

// TestServiceAnswersOneRule holds the media services to Require's rule
// (models.TestServicesAnswerOneRule, which had the SetAvatar row before the
// domain moved here): no member, and a member of another organization
// whatever their role there, get ErrNotFound; a member whose role lacks
// the permission gets ErrForbidden, before the service looks at its input
// or its rows.
func TestServiceAnswersOneRule(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		s, acc := a.Media, f.Account
		calls := []apptest.Gated{
			{Name: "SetAvatar", Perm: models.PermWrite, Call: func(ctx context.Context, m *models.Member) error { return s.SetAvatar(ctx, m, acc, nil) }},
			{Name: "AddProjectFile", Perm: models.PermWrite, Call: func(ctx context.Context, m *models.Member) error {
				_, err := s.AddProjectFile(ctx, m, acc, 1, "", "", nil)
				return err
			}},
			{Name: "DeleteProjectFile", Perm: models.PermWrite, Call: func(ctx context.Context, m *models.Member) error { return s.DeleteProjectFile(ctx, m, acc, 1, 1) }},
			{Name: "AddNoticeFile", Perm: models.PermWrite, Call: func(ctx context.Context, m *models.Member) error {
				_, err := s.AddNoticeFile(ctx, m, acc, 1, "", "", nil)
				return err
			}},
			{Name: "DeleteNoticeFile", Perm: models.PermWrite, Call: func(ctx context.Context, m *models.Member) error { return s.DeleteNoticeFile(ctx, m, acc, 1, 1) }},
		}
		apptest.AnswersOneRule(t, f, calls)
	})
}
