package followcode_test

import (
	"context"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/followcode"
)

// TestServiceAnswersOneRule holds the follow-code services to Require's
// rule (models.TestServicesAnswerOneRule, which had the ListFollowCodes,
// CreateFollowCode and SetWeChatCodeURL rows before the domain moved here): no member, and a member of another organization
// whatever their role there, get ErrNotFound; a member whose role lacks
// the permission gets ErrForbidden, before the service looks at its input
// or its rows.
func TestServiceAnswersOneRule(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		s, acc := a.FollowCodes, f.Account
		calls := []apptest.Gated{
			{Name: "ListFollowCodes", Perm: models.PermView, Call: func(ctx context.Context, m *models.Member) error {
				_, err := s.ListFollowCodes(ctx, m, acc)
				return err
			}},
			{Name: "CreateFollowCode", Perm: models.PermWrite, Call: func(ctx context.Context, m *models.Member) error {
				_, err := s.CreateFollowCode(ctx, m, acc, followcode.FollowCodeInput{Name: "X", Scene: "x"})
				return err
			}},
			{Name: "SetWeChatCodeURL", Perm: models.PermWrite, Call: func(ctx context.Context, m *models.Member) error {
				return s.SetWeChatCodeURL(ctx, m, acc, &followcode.FollowCode{AccountID: acc.ID}, "https://example.org/qr")
			}},
		}
		apptest.AnswersOneRule(t, f, calls)
	})
}
