package account_test

import (
	"context"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

// TestServiceAnswersOneRule holds the account services to Require's rule
// (models.TestServicesAnswerOneRule had the UpdateAccount row before the
// domain moved here): no member, and a member of another organization
// whatever their role there, get ErrNotFound; a member whose role lacks
// the permission gets ErrForbidden, before the service looks at its input
// or its rows.
func TestServiceAnswersOneRule(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		s, acc := a.Accounts, f.Account
		calls := []apptest.Gated{
			{Name: "UpdateAccount", Perm: models.PermWrite, Call: func(ctx context.Context, m *models.Member) error {
				return s.UpdateAccount(ctx, m, acc, models.AccountInput{})
			}},
			{Name: "SetFeedbackReview", Perm: models.PermWrite, Call: func(ctx context.Context, m *models.Member) error {
				return s.SetFeedbackReview(ctx, m, acc, true)
			}},
			{Name: "SetAgencyID", Perm: models.PermWrite, Call: func(ctx context.Context, m *models.Member) error {
				return s.SetAgencyID(ctx, m, acc, "X")
			}},
		}
		apptest.AnswersOneRule(t, f, calls)
	})
}
