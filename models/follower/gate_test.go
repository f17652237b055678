package follower_test

import (
	"context"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/follower"
)

// TestServiceAnswersOneRule holds the followers' services to Require's
// rule (models.TestServicesAnswerOneRule, which had the ListImports,
// ListFollowers, BulkTag, SetBlocked, EraseFollower and APIAddFollower
// rows before the domain moved here): no member, and a member of another
// organization whatever their role there, get ErrNotFound; a member whose
// role lacks the permission gets ErrForbidden, before the service looks
// at its input or its rows.
func TestServiceAnswersOneRule(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		s, acc := a.Followers, f.Account
		calls := []apptest.Gated{
			{Name: "ListImports", Perm: models.PermWrite, Call: func(ctx context.Context, m *models.Member) error {
				_, err := s.ListImports(ctx, m, acc, 10)
				return err
			}},
			{Name: "CreateImport", Perm: models.PermWrite, Call: func(ctx context.Context, m *models.Member) error {
				_, err := s.CreateImport(ctx, m, acc, "gate.csv", []byte("address\ngate@example.org\n"))
				return err
			}},
			{Name: "ListFollowers", Perm: models.PermView, Call: func(ctx context.Context, m *models.Member) error {
				_, _, err := s.ListFollowers(ctx, m, acc, follower.FollowerFilter{}, models.Page{})
				return err
			}},
			{Name: "FollowerCounts", Perm: models.PermView, Call: func(ctx context.Context, m *models.Member) error {
				_, err := s.FollowerCounts(ctx, m, acc)
				return err
			}},
			{Name: "GrowthDaily", Perm: models.PermView, Call: func(ctx context.Context, m *models.Member) error {
				_, err := s.GrowthDaily(ctx, m, acc, 7)
				return err
			}},
			{Name: "BulkTag", Perm: models.PermManageFollowers, Call: func(ctx context.Context, m *models.Member) error {
				_, err := s.BulkTag(ctx, m, acc, []int64{1}, []string{"x"}, nil)
				return err
			}},
			{Name: "SetFollowerTags", Perm: models.PermManageFollowers, Call: func(ctx context.Context, m *models.Member) error {
				return s.SetFollowerTags(ctx, m, acc, 1, []string{"x"})
			}},
			{Name: "SetBlocked", Perm: models.PermManageFollowers, Call: func(ctx context.Context, m *models.Member) error {
				_, err := s.SetBlocked(ctx, m, acc, []int64{1}, true)
				return err
			}},
			{Name: "ExportFollower", Perm: models.PermPrivacy, Call: func(ctx context.Context, m *models.Member) error {
				_, err := s.ExportFollower(ctx, m, acc, 1)
				return err
			}},
			{Name: "EraseFollower", Perm: models.PermPrivacy, Call: func(ctx context.Context, m *models.Member) error {
				return s.EraseFollower(ctx, m, acc, 1)
			}},
			{Name: "APIAddFollower", Perm: models.PermManageFollowers, Call: func(ctx context.Context, m *models.Member) error {
				_, _, err := s.APIAddFollower(ctx, m, acc, follower.Input{Channel: models.ChannelEmail, Address: "gate@example.org"})
				return err
			}},
		}
		apptest.AnswersOneRule(t, f, calls)
	})
}
