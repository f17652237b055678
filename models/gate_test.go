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
// importAccess, followerAccess, ownAccount, and the checks written out
// inline, some of which answered 403 to another organization;
// inboxAccess's Inbox is models/chat's now, and tested there).
func accountServices(s *models.Store, a *models.Account) []gated {
	return []gated{
		{"SetChannel", models.PermWrite, func(ctx context.Context, m *models.Member) error {
			return s.SetChannel(ctx, m, a, models.ChannelEmail, false)
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
	})
}
