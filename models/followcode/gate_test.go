package followcode_test

import (
	"context"
	"errors"
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
		ctx := t.Context()
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		s, acc := a.FollowCodes, f.Account
		calls := []struct {
			name string
			perm models.Permission
			call func(ctx context.Context, m *models.Member) error
		}{
			{"ListFollowCodes", models.PermView, func(ctx context.Context, m *models.Member) error {
				_, err := s.ListFollowCodes(ctx, m, acc)
				return err
			}},
			{"CreateFollowCode", models.PermWrite, func(ctx context.Context, m *models.Member) error {
				_, err := s.CreateFollowCode(ctx, m, acc, followcode.FollowCodeInput{Name: "X", Scene: "x"})
				return err
			}},
			{"SetWeChatCodeURL", models.PermWrite, func(ctx context.Context, m *models.Member) error {
				return s.SetWeChatCodeURL(ctx, m, acc, &followcode.FollowCode{AccountID: acc.ID}, "https://example.org/qr")
			}},
		}
		outsiders := []struct {
			who string
			m   *models.Member
		}{
			{"no member", nil},
			{"another organization's owner", &models.Member{User: f.Outside, Org: f.Other, Role: models.RoleOwner}},
			{"another organization's viewer", &models.Member{User: f.Outside, Org: f.Other, Role: models.RoleViewer}},
		}
		for _, c := range calls {
			for _, o := range outsiders {
				if err := c.call(ctx, o.m); !errors.Is(err, models.ErrNotFound) {
					t.Errorf("%s as %s: %v; want %v", c.name, o.who, err, models.ErrNotFound)
				}
			}
			for _, r := range models.AllRoles() {
				if r.Can(c.perm) {
					continue
				}
				if err := c.call(ctx, f.Member(r)); !errors.Is(err, models.ErrForbidden) {
					t.Errorf("%s as %s: %v; want %v", c.name, r, err, models.ErrForbidden)
				}
			}
		}
	})
}
