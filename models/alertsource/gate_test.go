package alertsource_test

import (
	"context"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/alertsource"
)

// TestServiceAnswersOneRule holds the feed services to Require's rule, as
// models/media's test does: no member, and a member of another
// organization whatever their role there, get ErrNotFound; a member whose
// role lacks the permission gets ErrForbidden, before the service looks
// at its input or its rows.
func TestServiceAnswersOneRule(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		s, acc := a.AlertSources, f.Account
		calls := []apptest.Gated{
			{Name: "Of", Perm: models.PermView, Call: func(ctx context.Context, m *models.Member) error {
				_, err := s.Of(ctx, m, acc)
				return err
			}},
			{Name: "Save", Perm: models.PermPublish, Call: func(ctx context.Context, m *models.Member) error {
				return s.Save(ctx, m, acc, alertsource.Input{URL: "ftp://not checked"})
			}},
			{Name: "HeldChanges", Perm: models.PermView, Call: func(ctx context.Context, m *models.Member) error {
				_, err := s.HeldChanges(ctx, m, acc)
				return err
			}},
		}
		apptest.AnswersOneRule(t, f, calls)
	})
}
