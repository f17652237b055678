package apptest

import (
	"errors"
	"testing"

	"github.com/plazahq/plaza/models"
)

// OwnOrgAnswersOneRule is AnswersOneRule for calls that act on the
// member's own organization (its settings, staff, invites, log): a
// member of another organization reaches only their own, so the one
// outsider is no member at all, who gets ErrNotFound; a member whose
// role lacks the permission gets ErrForbidden, before the service looks
// at its input or its rows.
func OwnOrgAnswersOneRule(t *testing.T, f *Fixtures, calls []Gated) {
	t.Helper()
	ctx := t.Context()
	for _, c := range calls {
		if err := c.Call(ctx, nil); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("%s as no member: %v; want %v", c.Name, err, models.ErrNotFound)
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
