package org_test

import (
	"context"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/org"
)

// TestServiceAnswersOneRule holds the services acting on the member's own
// organization to Require's rule (models.TestServicesAnswerOneRule had
// these rows before the domain moved here): no member gets ErrNotFound; a
// member whose role lacks the permission gets ErrForbidden, before the
// service looks at its input or its rows.
func TestServiceAnswersOneRule(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		s := a.Orgs
		calls := []apptest.Gated{
			{Name: "AuditLog", Perm: models.PermView, Call: func(ctx context.Context, m *models.Member) error {
				_, _, err := s.AuditLog(ctx, m, models.Page{})
				return err
			}},
			{Name: "UpdateOrganization", Perm: models.PermManageSettings, Call: func(ctx context.Context, m *models.Member) error {
				return s.UpdateOrganization(ctx, m, org.Input{})
			}},
			{Name: "SetGeocodeName", Perm: models.PermManageSettings, Call: func(ctx context.Context, m *models.Member) error {
				return s.SetGeocodeName(ctx, m, "\n")
			}},
			{Name: "RevokeInvite", Perm: models.PermManageStaff, Call: func(ctx context.Context, m *models.Member) error {
				return s.RevokeInvite(ctx, m, 1)
			}},
		}
		apptest.OwnOrgAnswersOneRule(t, f, calls)
	})
}
