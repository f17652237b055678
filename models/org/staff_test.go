package org_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/org"
)

// race runs fn n times at once and returns the errors in no order.
func race(n int, fn func(i int) error) []error {
	start := make(chan struct{})
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// countRows counts rows of model's table, read behind the service's back
// to see what it wrote.
func countRows(t *testing.T, a *apptest.App, model any, where string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := a.DB.Gorm.WithContext(t.Context()).Model(model).Where(where, args...).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// clock is a settable clock for expiry checks.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestAcceptInviteConcurrently(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		ctx := t.Context()
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		s := a.Orgs

		for round := range 5 {
			// An existing user clicks the link twice at once.
			email := fmt.Sprintf("twice%d@example.org", round)
			u, err := s.CreateUser(ctx, org.NewUser{Email: email, Password: apptest.Password})
			if err != nil {
				t.Fatal(err)
			}
			_, token, err := s.CreateInvite(ctx, f.Admin, f.Org.ID, email, models.RoleEditor)
			if err != nil {
				t.Fatal(err)
			}
			errs := race(2, func(int) error {
				_, _, err := s.AcceptInvite(ctx, token, u, nil)
				return err
			})
			wins := 0
			for _, err := range errs {
				switch {
				case err == nil:
					wins++
				case !errors.Is(err, org.ErrInviteUnusable):
					t.Errorf("round %d: the losing accept failed with %v; want ErrInviteUnusable", round, err)
				}
			}
			if wins != 1 {
				t.Fatalf("round %d: %d of 2 concurrent accepts succeeded (%v), want exactly 1", round, wins, errs)
			}
			if n := countRows(t, a, &models.Membership{}, "organization_id = ? AND user_id = ?", f.Org.ID, u.ID); n != 1 {
				t.Fatalf("round %d: %d memberships", round, n)
			}
			if n := countRows(t, a, &models.AuditEntry{}, "action = ? AND target = ?", "staff.join", email); n != 1 {
				t.Fatalf("round %d: %d staff.join audit entries, want 1", round, n)
			}
			if _, _, err := s.AcceptInvite(ctx, token, u, nil); !errors.Is(err, org.ErrInviteUnusable) {
				t.Fatalf("round %d: a third accept: %v; want ErrInviteUnusable", round, err)
			}

			// A new person submits the sign-up form twice at once.
			email = fmt.Sprintf("newcomer%d@example.org", round)
			_, token, err = s.CreateInvite(ctx, f.Admin, f.Org.ID, email, models.RoleViewer)
			if err != nil {
				t.Fatal(err)
			}
			errs = race(2, func(int) error {
				_, _, err := s.AcceptInvite(ctx, token, nil, &org.NewUser{Name: "New", Password: apptest.Password})
				return err
			})
			wins = 0
			for _, err := range errs {
				if err == nil {
					wins++
					continue
				}
				// The loser either finds the invite spent or the address
				// taken by the winner; both are clear messages, not a 500.
				if _, isValidation := models.AsValidation(err); !errors.Is(err, org.ErrInviteUnusable) && !isValidation {
					t.Errorf("round %d: the losing sign-up failed with %v", round, err)
				}
			}
			if wins != 1 {
				t.Fatalf("round %d: %d of 2 concurrent sign-ups succeeded (%v), want exactly 1", round, wins, errs)
			}
			if n := countRows(t, a, &models.User{}, "email = ?", email); n != 1 {
				t.Fatalf("round %d: %d users for %s", round, n, email)
			}
			nu, err := s.UserByEmail(ctx, email)
			if err != nil {
				t.Fatal(err)
			}
			m, err := s.MemberOf(ctx, nu, f.Org.ID)
			if err != nil || m.Role != models.RoleViewer {
				t.Fatalf("round %d: the newcomer's membership: %+v, %v", round, m, err)
			}
		}
	})
}

func TestInviteLifecycle(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		ctx := t.Context()
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		s := a.Orgs
		owner := f.Member(models.RoleOwner)

		// Only owners (and platform admins) invite.
		for _, r := range []models.Role{models.RoleEditor, models.RoleModerator, models.RoleViewer} {
			if _, _, err := s.CreateInvite(ctx, f.ByRole[r], f.Org.ID, "x@example.org", models.RoleViewer); !errors.Is(err, models.ErrForbidden) {
				t.Errorf("%s invites: %v; want ErrForbidden", r, err)
			}
		}
		if _, _, err := s.CreateInvite(ctx, f.Outside, f.Org.ID, "x@example.org", models.RoleViewer); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("another organization's owner invites: %v; want ErrNotFound", err)
		}
		_, _, err := s.CreateInvite(ctx, owner.User, f.Org.ID, "bad", "boss")
		if v, ok := models.AsValidation(err); !ok || v.Fields["email"] != "err.email_invalid" || v.Fields["role"] != "err.choose_one" {
			t.Errorf("bad invite: %v", err)
		}

		inv, token, err := s.CreateInvite(ctx, owner.User, f.Org.ID, " New@Example.org ", models.RoleModerator)
		if err != nil {
			t.Fatal(err)
		}
		if inv.Email != "new@example.org" || inv.TokenHash == token || token == "" {
			t.Fatalf("invite %+v with token %q", inv, token)
		}
		if _, _, err := s.InviteByToken(ctx, token+"x"); !errors.Is(err, org.ErrInviteUnusable) {
			t.Errorf("wrong token: %v", err)
		}
		if _, _, err := s.InviteByToken(ctx, ""); !errors.Is(err, org.ErrInviteUnusable) {
			t.Errorf("empty token: %v", err)
		}
		got, o, err := s.InviteByToken(ctx, token)
		if err != nil || got.ID != inv.ID || o.ID != f.Org.ID {
			t.Fatalf("InviteByToken: %+v, %+v, %v", got, o, err)
		}
		if err := s.RevokeInvite(ctx, f.Member(models.RoleEditor), inv.ID); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("an editor revokes: %v", err)
		}
		other := &models.Member{User: f.Outside, Org: f.Other, Role: models.RoleOwner}
		if err := s.RevokeInvite(ctx, other, inv.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("another organization's owner revokes: %v", err)
		}
		if err := s.RevokeInvite(ctx, owner, inv.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.AcceptInvite(ctx, token, nil, &org.NewUser{Password: apptest.Password}); !errors.Is(err, org.ErrInviteUnusable) {
			t.Errorf("a revoked invite was accepted: %v", err)
		}
		if err := s.RevokeInvite(ctx, owner, inv.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("revoking twice: %v", err)
		}

		// An invite expires after InviteTTL.
		// Whole seconds: PostgreSQL keeps microseconds, and this checks the
		// expiry to the nanosecond.
		clk := &clock{now: a.Store.Now().Truncate(time.Second)}
		ts := org.New(models.NewStore(a.DB, clk.Now).Core)
		_, token, err = ts.CreateInvite(ctx, owner.User, f.Org.ID, "late@example.org", models.RoleViewer)
		if err != nil {
			t.Fatal(err)
		}
		clk.Add(org.InviteTTL - 1)
		if _, _, err := ts.InviteByToken(ctx, token); err != nil {
			t.Errorf("invite unusable just before it expires: %v", err)
		}
		clk.Add(1)
		if _, _, err := ts.AcceptInvite(ctx, token, nil, &org.NewUser{Password: apptest.Password}); !errors.Is(err, org.ErrInviteUnusable) {
			t.Errorf("an expired invite was accepted: %v", err)
		}
		if _, err := s.UserByEmail(ctx, "late@example.org"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("a refused invite created a user: %v", err)
		}

		// Accepting an invite never lowers a role someone already has.
		ed := f.ByRole[models.RoleEditor]
		_, token, err = s.CreateInvite(ctx, owner.User, f.Org.ID, ed.Email, models.RoleViewer)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.AcceptInvite(ctx, token, ed, nil); err != nil {
			t.Fatal(err)
		}
		if m, err := s.MemberOf(ctx, ed, f.Org.ID); err != nil || m.Role != models.RoleEditor {
			t.Errorf("after accepting a viewer invite, the editor is %+v, %v", m, err)
		}
		_, token, err = s.CreateInvite(ctx, owner.User, f.Org.ID, ed.Email, models.RoleOwner)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.AcceptInvite(ctx, token, ed, nil); err != nil {
			t.Fatal(err)
		}
		if m, err := s.MemberOf(ctx, ed, f.Org.ID); err != nil || m.Role != models.RoleOwner {
			t.Errorf("after accepting an owner invite, the editor is %+v, %v", m, err)
		}
	})
}

func TestLastOwner(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		ctx := t.Context()
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		s := a.Orgs
		owner := f.Member(models.RoleOwner)
		ownerID := owner.User.ID
		editorID := f.ByRole[models.RoleEditor].ID

		isLastOwner := func(err error) bool {
			v, ok := models.AsValidation(err)
			return ok && v.Fields["role"] == "err.last_owner"
		}
		roleOf := func(userID int64) models.Role {
			t.Helper()
			u, err := s.UserByID(ctx, userID)
			if err != nil {
				t.Fatal(err)
			}
			m, err := s.MemberOf(ctx, u, f.Org.ID)
			if errors.Is(err, models.ErrNotFound) {
				return ""
			}
			if err != nil {
				t.Fatal(err)
			}
			return m.Role
		}

		// The only owner can be neither demoted nor removed.
		for _, r := range []models.Role{models.RoleEditor, models.RoleModerator, models.RoleViewer} {
			if err := s.SetRole(ctx, owner, ownerID, r); !isLastOwner(err) {
				t.Errorf("demoting the last owner to %s: %v; want err.last_owner", r, err)
			}
		}
		if err := s.RemoveMember(ctx, owner, ownerID); !isLastOwner(err) {
			t.Errorf("removing the last owner: %v; want err.last_owner", err)
		}
		if r := roleOf(ownerID); r != models.RoleOwner {
			t.Fatalf("the last owner is now %q", r)
		}
		// Setting the last owner to owner again is harmless.
		if err := s.SetRole(ctx, owner, ownerID, models.RoleOwner); err != nil {
			t.Errorf("owner to owner: %v", err)
		}

		// Only owners change roles; bad roles and strangers are refused.
		for _, r := range []models.Role{models.RoleEditor, models.RoleModerator, models.RoleViewer} {
			if err := s.SetRole(ctx, f.Member(r), editorID, models.RoleViewer); !errors.Is(err, models.ErrForbidden) {
				t.Errorf("%s sets a role: %v; want ErrForbidden", r, err)
			}
			if err := s.RemoveMember(ctx, f.Member(r), editorID); !errors.Is(err, models.ErrForbidden) {
				t.Errorf("%s removes staff: %v; want ErrForbidden", r, err)
			}
		}
		if err := s.SetRole(ctx, owner, editorID, "boss"); err == nil {
			t.Error("an unknown role was accepted")
		}
		if err := s.SetRole(ctx, owner, f.Outside.ID, models.RoleViewer); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("setting the role of another organization's owner: %v; want ErrNotFound", err)
		}
		if err := s.RemoveMember(ctx, owner, f.Outside.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("removing another organization's owner: %v; want ErrNotFound", err)
		}

		// With a second owner, the first can step down; then the second is
		// the last one.
		if err := s.SetRole(ctx, owner, editorID, models.RoleOwner); err != nil {
			t.Fatal(err)
		}
		if err := s.SetRole(ctx, owner, ownerID, models.RoleViewer); err != nil {
			t.Fatalf("demoting one of two owners: %v", err)
		}
		second := &models.Member{User: f.ByRole[models.RoleEditor], Org: f.Org, Role: models.RoleOwner}
		if err := s.RemoveMember(ctx, second, editorID); !isLastOwner(err) {
			t.Errorf("the new last owner removes themself: %v; want err.last_owner", err)
		}
		if err := s.SetRole(ctx, second, ownerID, models.RoleOwner); err != nil {
			t.Fatal(err)
		}
		if err := s.RemoveMember(ctx, second, ownerID); err != nil {
			t.Fatalf("removing one of two owners: %v", err)
		}
		if r := roleOf(ownerID); r != "" {
			t.Fatalf("the removed owner is still %q", r)
		}
		if r := roleOf(editorID); r != models.RoleOwner {
			t.Fatalf("the remaining owner is %q", r)
		}
		// Another organization's owners are not counted.
		if err := s.SetRole(ctx, second, editorID, models.RoleEditor); !isLastOwner(err) {
			t.Errorf("demoting the last owner while another organization has one: %v", err)
		}
	})
}

// TestLastOwnerConcurrently has two owners step each other (or
// themselves) down at the same moment: the check and the change must not
// interleave, or the organization is left with no owner at all.
func TestLastOwnerConcurrently(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		ctx := t.Context()
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		s := a.Orgs
		first := f.ByRole[models.RoleOwner]
		second := f.ByRole[models.RoleEditor]
		asOwner := func(u *models.User) *models.Member {
			return &models.Member{User: u, Org: f.Org, Role: models.RoleOwner}
		}
		ops := map[string]func(actor, other *models.User) error{
			"demote the other": func(actor, other *models.User) error {
				return s.SetRole(ctx, asOwner(actor), other.ID, models.RoleEditor)
			},
			"demote oneself": func(actor, _ *models.User) error {
				return s.SetRole(ctx, asOwner(actor), actor.ID, models.RoleViewer)
			},
			"remove the other": func(actor, other *models.User) error {
				return s.RemoveMember(ctx, asOwner(actor), other.ID)
			},
		}
		pair := [2]*models.User{first, second}
		// bothOwners makes both users owners again, through whichever of
		// them still is one.
		bothOwners := func() {
			t.Helper()
			for i, u := range pair {
				actor := asOwner(pair[1-i])
				if _, err := s.MemberOf(ctx, u, f.Org.ID); errors.Is(err, models.ErrNotFound) {
					_, token, err := s.CreateInvite(ctx, f.Admin, f.Org.ID, u.Email, models.RoleOwner)
					if err != nil {
						t.Fatal(err)
					}
					if _, _, err := s.AcceptInvite(ctx, token, u, nil); err != nil {
						t.Fatal(err)
					}
				} else if err != nil {
					t.Fatal(err)
				} else if err := s.SetRole(ctx, actor, u.ID, models.RoleOwner); err != nil {
					t.Fatal(err)
				}
			}
		}
		for name, op := range ops {
			for round := range 5 {
				bothOwners()
				errs := race(2, func(i int) error { return op(pair[i], pair[1-i]) })
				var owners int64
				if err := a.DB.Gorm.WithContext(ctx).Model(&models.Membership{}).
					Where("organization_id = ? AND role = ?", f.Org.ID, models.RoleOwner).Count(&owners).Error; err != nil {
					t.Fatal(err)
				}
				if owners < 1 {
					t.Fatalf("%s, round %d: both owners stepped down at once (errors %v); the organization has no owner", name, round, errs)
				}
				for _, err := range errs {
					if _, ok := models.AsValidation(err); err != nil && !ok {
						t.Errorf("%s, round %d: %v", name, round, err)
					}
				}
			}
		}
	})
}

// TestAcceptInviteOnlyForInvitedAddress: holding the link is not enough for
// a signed-in person with another address; the invited one, in any
// capitals, may accept.
func TestAcceptInviteOnlyForInvitedAddress(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		ctx := t.Context()
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		s := a.Orgs
		_, token, err := s.CreateInvite(ctx, f.Admin, f.Org.ID, "Intended@Example.org", models.RoleOwner)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range []*models.User{f.Outside, f.ByRole[models.RoleViewer]} {
			if _, _, err := s.AcceptInvite(ctx, token, u, nil); !errors.Is(err, org.ErrInviteForSomeoneElse) {
				t.Fatalf("%s accepts another's invite: %v; want ErrInviteForSomeoneElse", u.Email, err)
			}
		}
		if n := countRows(t, a, &models.Membership{}, "organization_id = ? AND user_id = ?", f.Org.ID, f.Outside.ID); n != 0 {
			t.Fatal("the outsider joined")
		}
		if m, err := s.MemberOf(ctx, f.ByRole[models.RoleViewer], f.Org.ID); err != nil || m.Role != models.RoleViewer {
			t.Fatalf("the viewer's role changed: %v, %v", m, err)
		}
		u, err := s.CreateUser(ctx, org.NewUser{Email: "INTENDED@example.ORG", Password: apptest.Password})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.AcceptInvite(ctx, token, u, nil); err != nil {
			t.Fatalf("the invited person accepts: %v", err)
		}
	})
}
