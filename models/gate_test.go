package models_test

import (
	"context"
	"errors"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

// gated is one service call, made as member m, and the permission it
// needs.
type gated struct {
	name string
	perm models.Permission
	call func(ctx context.Context, m *models.Member) error
}

// accountServices are services acting on the fixture account, at least
// one from each of the dialects Require replaced (checkAccount,
// inboxAccess, importAccess, followerAccess, ownAccount, and the checks
// written out inline, some of which answered 403 to another organization).
func accountServices(s *models.Store, a *models.Account) []gated {
	return []gated{
		{"OrgProjects", models.PermView, func(ctx context.Context, m *models.Member) error {
			_, _, err := s.OrgProjects(ctx, m, a, models.Page{})
			return err
		}},
		{"ModerateFeedback", models.PermModerate, func(ctx context.Context, m *models.Member) error {
			_, err := s.ModerateFeedback(ctx, m, a, 1, []int64{1}, models.FeedbackSpam)
			return err
		}},
		{"Inbox", models.PermModerate, func(ctx context.Context, m *models.Member) error {
			_, _, err := s.Inbox(ctx, m, a, models.InboxFilter{})
			return err
		}},
		{"ListImports", models.PermWrite, func(ctx context.Context, m *models.Member) error {
			_, err := s.ListImports(ctx, m, a, 10)
			return err
		}},
		{"ListFollowers", models.PermView, func(ctx context.Context, m *models.Member) error {
			_, _, err := s.ListFollowers(ctx, m, a, models.FollowerFilter{}, models.Page{})
			return err
		}},
		{"BulkTag", models.PermManageFollowers, func(ctx context.Context, m *models.Member) error {
			_, err := s.BulkTag(ctx, m, a, []int64{1}, []string{"x"}, nil)
			return err
		}},
		{"SetBlocked", models.PermManageFollowers, func(ctx context.Context, m *models.Member) error {
			_, err := s.SetBlocked(ctx, m, a, []int64{1}, true)
			return err
		}},
		{"EraseFollower", models.PermPrivacy, func(ctx context.Context, m *models.Member) error {
			return s.EraseFollower(ctx, m, a, 1)
		}},
		{"UpdateAccount", models.PermWrite, func(ctx context.Context, m *models.Member) error {
			return s.UpdateAccount(ctx, m, a, models.AccountInput{})
		}},
		{"SetChannel", models.PermWrite, func(ctx context.Context, m *models.Member) error {
			return s.SetChannel(ctx, m, a, models.ChannelEmail, false)
		}},
		{"CreateNotice", models.PermWrite, func(ctx context.Context, m *models.Member) error {
			_, err := s.CreateNotice(ctx, m, a, models.NoticeInput{})
			return err
		}},
		{"EndNotice", models.PermPublish, func(ctx context.Context, m *models.Member) error {
			_, _, err := s.EndNotice(ctx, m, a, 1, models.EndCancel)
			return err
		}},
		{"ExpireNotice", models.PermPublish, func(ctx context.Context, m *models.Member) error {
			return s.ExpireNotice(ctx, m, a, 1)
		}},
		{"APIAddFollower", models.PermManageFollowers, func(ctx context.Context, m *models.Member) error {
			_, _, err := s.APIAddFollower(ctx, m, a, models.ChannelEmail, "gate@example.org", "", "en", nil)
			return err
		}},
	}
}

// orgServices act on the member's own organization.
func orgServices(s *models.Store) []gated {
	return []gated{
		{"AuditLog", models.PermView, func(ctx context.Context, m *models.Member) error {
			_, _, err := s.AuditLog(ctx, m, models.Page{})
			return err
		}},
		{"UpdateOrganization", models.PermManageSettings, func(ctx context.Context, m *models.Member) error {
			return s.UpdateOrganization(ctx, m, models.OrgInput{})
		}},
		{"RevokeInvite", models.PermManageStaff, func(ctx context.Context, m *models.Member) error {
			return s.RevokeInvite(ctx, m, 1)
		}},
	}
}

// TestServicesAnswerOneRule holds services to Require's rule, whichever
// helper they used before: no member, and a member of another
// organization whatever their role there, get ErrNotFound; a member of
// the organization whose role lacks the permission gets ErrForbidden,
// before the service looks at its input or its rows.
func TestServicesAnswerOneRule(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		ctx := t.Context()
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		outsiders := []struct {
			who string
			m   *models.Member
		}{
			{"no member", nil},
			{"another organization's owner", &models.Member{User: f.Outside, Org: f.Other, Role: models.RoleOwner}},
			{"another organization's viewer", &models.Member{User: f.Outside, Org: f.Other, Role: models.RoleViewer}},
		}
		check := func(c gated, who string, m *models.Member, want error) {
			t.Helper()
			if err := c.call(ctx, m); !errors.Is(err, want) {
				t.Errorf("%s as %s: %v; want %v", c.name, who, err, want)
			}
		}
		insiders := func(c gated) {
			t.Helper()
			for _, r := range models.AllRoles() {
				if !r.Can(c.perm) {
					check(c, string(r), f.Member(r), models.ErrForbidden)
				}
			}
		}
		for _, c := range accountServices(a.Store, f.Account) {
			for _, o := range outsiders {
				check(c, o.who, o.m, models.ErrNotFound)
			}
			insiders(c)
		}
		for _, c := range orgServices(a.Store) {
			check(c, "no member", nil, models.ErrNotFound)
			insiders(c)
		}
	})
}
