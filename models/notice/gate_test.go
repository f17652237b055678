package notice_test

import (
	"context"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
)

// TestServiceAnswersOneRule holds the notice services to Require's rule
// (models.TestServicesAnswerOneRule, which had the CreateNotice, EndNotice
// and ExpireNotice rows before the domain moved here; the others are the
// rest of the service's gated calls): no member, and a member of another
// organization whatever their role there, get ErrNotFound; a member whose
// role lacks the permission gets ErrForbidden, before the service looks
// at its input or its rows.
func TestServiceAnswersOneRule(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		s, acc := a.Notices, f.Account
		calls := []apptest.Gated{
			{Name: "CreateNotice", Perm: models.PermWrite, Call: func(ctx context.Context, m *models.Member) error {
				_, err := s.CreateNotice(ctx, m, acc, notice.Input{})
				return err
			}},
			{Name: "EndNotice", Perm: models.PermPublish, Call: func(ctx context.Context, m *models.Member) error {
				_, _, err := s.EndNotice(ctx, m, acc, 1, models.EndCancel)
				return err
			}},
			{Name: "ExpireNotice", Perm: models.PermPublish, Call: func(ctx context.Context, m *models.Member) error {
				return s.ExpireNotice(ctx, m, acc, 1)
			}},
			{Name: "OrgNotice", Perm: models.PermView, Call: func(ctx context.Context, m *models.Member) error {
				_, err := s.OrgNotice(ctx, m, acc, 1)
				return err
			}},
			{Name: "OrgNotices", Perm: models.PermView, Call: func(ctx context.Context, m *models.Member) error {
				_, _, err := s.OrgNotices(ctx, m, acc, notice.Filter{}, models.Page{})
				return err
			}},
			{Name: "SaveNotice", Perm: models.PermWrite, Call: func(ctx context.Context, m *models.Member) error {
				_, err := s.SaveNotice(ctx, m, acc, 1, notice.Input{})
				return err
			}},
			{Name: "DeleteNotice", Perm: models.PermWrite, Call: func(ctx context.Context, m *models.Member) error {
				return s.DeleteNotice(ctx, m, acc, 1)
			}},
			{Name: "PublishNotice", Perm: models.PermPublish, Call: func(ctx context.Context, m *models.Member) error {
				_, _, err := s.PublishNotice(ctx, m, acc, 1, notice.Input{})
				return err
			}},
			{Name: "Unschedule", Perm: models.PermPublish, Call: func(ctx context.Context, m *models.Member) error {
				_, err := s.Unschedule(ctx, m, acc, 1)
				return err
			}},
			{Name: "UpdateNotice", Perm: models.PermPublish, Call: func(ctx context.Context, m *models.Member) error {
				_, _, err := s.UpdateNotice(ctx, m, acc, 1, notice.Input{})
				return err
			}},
			{Name: "AudienceCount", Perm: models.PermView, Call: func(ctx context.Context, m *models.Member) error {
				_, err := s.AudienceCount(ctx, m, acc, notice.Audience{})
				return err
			}},
			{Name: "APINotices", Perm: models.PermView, Call: func(ctx context.Context, m *models.Member) error {
				_, err := s.APINotices(ctx, m, acc, "", 0, 10)
				return err
			}},
		}
		apptest.AnswersOneRule(t, f, calls)
	})
}
