package apptest

import (
	"context"
	"errors"
	"testing"

	"github.com/plazahq/plaza/models"
)

// Gated is one service call, made as member m, and the permission it
// needs.
type Gated struct {
	Name string
	Perm models.Permission
	Call func(ctx context.Context, m *models.Member) error
}

// AnswersOneRule holds each call on the fixture account to models.Require's
// rule: no member, and a member of another organization whatever their
// role there, get ErrNotFound; a member of the organization whose role
// lacks the permission gets ErrForbidden, before the service looks at its
// input or its rows.
func AnswersOneRule(t *testing.T, f *Fixtures, calls []Gated) {
	t.Helper()
	ctx := t.Context()
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
			if err := c.Call(ctx, o.m); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("%s as %s: %v; want %v", c.Name, o.who, err, models.ErrNotFound)
			}
		}
		for _, r := range models.AllRoles() {
			if r.Can(c.Perm) {
				continue
			}
			if err := c.Call(ctx, f.Member(r)); !errors.Is(err, models.ErrForbidden) {
				t.Errorf("%s as %s: %v; want %v", c.Name, r, err, models.ErrForbidden)
			}
		}
	}
}
