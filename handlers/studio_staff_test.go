package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

// Tests for inviting, changing and removing staff in the studio.

func TestStudioInviteStaff(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		owner := stLogin(t, a, f.ByRole[models.RoleOwner])

		res := owner.Post(stPath(f.Org, "/staff/invites"), url.Values{"email": {" New.Editor@Metro.TEST "}, "role": {"editor"}})
		stStatus(t, "invite", res, http.StatusOK)
		stHas(t, "invite", res, "Invitation created", "Send this link to new.editor@metro.test")
		if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
			t.Fatalf("invite link page has Cache-Control %q, want no-store", cc)
		}
		token := stInviteToken(t, res)
		if n := stCount(t, a, "invites", "organization_id = ? AND email = ? AND role = ? AND accepted_at IS NULL AND revoked_at IS NULL",
			f.Org.ID, "new.editor@metro.test", "editor"); n != 1 {
			t.Fatalf("%d pending invites for new.editor@metro.test, want 1", n)
		}
		var hashes []string
		if err := a.DB.Gorm.Table("invites").Pluck("token_hash", &hashes).Error; err != nil {
			t.Fatal(err)
		}
		for _, h := range hashes {
			if h == token {
				t.Fatal("the invite token is stored in clear")
			}
		}
		if n := stCount(t, a, "audit_log", "organization_id = ? AND action = ? AND target = ? AND detail = ?",
			f.Org.ID, "staff.invite", "new.editor@metro.test", "editor"); n != 1 {
			t.Fatalf("%d staff.invite audit entries, want 1", n)
		}
		stHas(t, "staff page", owner.Get(stPath(f.Org, "/staff")), "Invitations not yet accepted", "new.editor@metro.test")

		newbie := stAccept(t, a, token, f.Org, "Nora Editor")
		u, err := a.Orgs.UserByEmail(context.Background(), "new.editor@metro.test")
		if err != nil {
			t.Fatal(err)
		}
		if r := stRole(t, a, f.Org.ID, u.ID); r != models.RoleEditor {
			t.Fatalf("new user's role is %q, want editor", r)
		}
		if u.Name != "Nora Editor" || u.IsAdmin {
			t.Fatalf("new user %+v", u)
		}
		if n := stCount(t, a, "invites", "organization_id = ? AND accepted_by = ? AND accepted_at IS NOT NULL", f.Org.ID, u.ID); n != 1 {
			t.Fatal("invite not marked accepted")
		}
		stHas(t, "overview after joining", newbie.Get(stPath(f.Org, "")), "Welcome! You have joined the organization.", "Metro Transit")
		stStatus(t, "new editor writes", newbie.Get(stPath(f.Org, "/accounts/new")), http.StatusOK)
		stStatus(t, "new editor edits @metro", newbie.Post(stPath(f.Org, "/accounts/metro"),
			url.Values{"name": {"Metro"}, "category": {"transit"}, "languages": {"en"}}), http.StatusSeeOther)
		stStatus(t, "new editor and settings", newbie.Get(stPath(f.Org, "/settings")), http.StatusForbidden)
		stStatus(t, "new editor and the other org", newbie.Get(stPath(f.Other, "")), http.StatusNotFound)

		// The link works once.
		stStatus(t, "reuse of the link", a.Client(t).Get("/invite/"+token), http.StatusGone)
		res = owner.Get(stPath(f.Org, "/staff"))
		stLacks(t, "staff page after acceptance", res, "Invitations not yet accepted")
		stHas(t, "staff page after acceptance", res, "new.editor@metro.test", "Nora Editor")
	})
}

func TestStudioInviteBadInput(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		owner := stLogin(t, a, f.ByRole[models.RoleOwner])
		before := stSnapshot(t, a)
		const badEmail = "Enter an e-mail address like name@example.org."
		for _, tc := range []struct {
			name, email, role, field, msg string
		}{
			{"empty e-mail", "", "editor", "email", badEmail},
			{"not an address", "not-an-address", "editor", "email", badEmail},
			{"no domain dot", "someone@localhost", "editor", "email", badEmail},
			{"two @", "a@@example.org", "editor", "email", badEmail},
			{"space inside", "a b@example.org", "editor", "email", badEmail},
			{"display name form", "Nora <nora@example.org>", "editor", "email", badEmail},
			{"unknown role", "nora@example.org", "superuser", "role", "Choose one of the options."},
			{"no role", "nora@example.org", "", "role", "Choose one of the options."},
			{"role in capitals", "nora@example.org", "OWNER", "role", "Choose one of the options."},
		} {
			t.Run(tc.name, func(t *testing.T) {
				form := url.Values{"email": {tc.email}, "role": {tc.role}}
				res := owner.Post(stPath(f.Org, "/staff/invites"), form)
				stStatus(t, tc.name, res, http.StatusUnprocessableEntity)
				stHas(t, tc.name, res, "Invite a staff member")
				stFieldError(t, tc.name, res, tc.field, tc.msg)
				stKept(t, tc.name, res, form, "email")
				if stInviteLinkRE.MatchString(res.Body) {
					t.Fatal("an invite link was shown")
				}
				stUnchanged(t, tc.name, a, before)
			})
		}
	})
}

func TestStudioStaffRoles(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ownerUser, viewerUser := f.ByRole[models.RoleOwner], f.ByRole[models.RoleViewer]
		owner := stLogin(t, a, ownerUser)
		viewer := stLogin(t, a, viewerUser)
		roleURL := func(u *models.User) string { return stPath(f.Org, fmt.Sprintf("/staff/%d/role", u.ID)) }

		stStatus(t, "viewer before", viewer.Get(stPath(f.Org, "/accounts/new")), http.StatusForbidden)
		res := owner.Post(roleURL(viewerUser), url.Values{"role": {"editor"}})
		stStatus(t, "viewer to editor", res, http.StatusSeeOther, stPath(f.Org, "/staff"))
		if r := stRole(t, a, f.Org.ID, viewerUser.ID); r != models.RoleEditor {
			t.Fatalf("role after change: %q", r)
		}
		if n := stCount(t, a, "audit_log", "organization_id = ? AND user_id = ? AND action = ? AND target = ? AND detail = ?",
			f.Org.ID, ownerUser.ID, "staff.role", viewerUser.Email, "editor"); n != 1 {
			t.Fatalf("%d staff.role audit entries, want 1", n)
		}
		stHas(t, "staff page after change", owner.Get(res.Location), "The role is changed.")
		// The new role applies to the next request, without signing in again.
		stStatus(t, "promoted viewer writes", viewer.Get(stPath(f.Org, "/accounts/new")), http.StatusOK)

		before := stSnapshot(t, a)
		for _, tc := range []struct {
			name   string
			target *models.User
			role   string
			status int
			msg    string
		}{
			{"unknown role", viewerUser, "superuser", 422, "Choose one of the options."},
			{"empty role", viewerUser, "", 422, "Choose one of the options."},
			{"only owner demotes themself", ownerUser, "editor", 422, "An organization needs at least one owner. Make someone else an owner first."},
			{"only owner to viewer", ownerUser, "viewer", 422, "An organization needs at least one owner. Make someone else an owner first."},
			{"member of another organization", f.Outside, "viewer", 404, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := owner.Post(roleURL(tc.target), url.Values{"role": {tc.role}})
				stStatus(t, tc.name, res, tc.status)
				if tc.msg != "" {
					stHas(t, tc.name, res, tc.msg, "Staff")
					// The message stands on the row of the member it is about.
					if !strings.Contains(res.Body, fmt.Sprintf(`id="e-row-%d"`, tc.target.ID)) {
						t.Errorf("%s: the message is not on the row of user %d", tc.name, tc.target.ID)
					}
				}
				stUnchanged(t, tc.name, a, before)
			})
		}
		if r := stRole(t, a, f.Org.ID, ownerUser.ID); r != models.RoleOwner {
			t.Fatalf("only owner's role is %q", r)
		}
		stStatus(t, "user id that is not a number", owner.Post(stPath(f.Org, "/staff/abc/role"), url.Values{"role": {"viewer"}}), http.StatusNotFound)

		// With a second owner, the first may step down: the rule is "at
		// least one owner", not "owners cannot change their own role".
		stStatus(t, "second owner", owner.Post(roleURL(viewerUser), url.Values{"role": {"owner"}}), http.StatusSeeOther)
		stStatus(t, "first owner steps down", owner.Post(roleURL(ownerUser), url.Values{"role": {"editor"}}), http.StatusSeeOther)
		if r := stRole(t, a, f.Org.ID, ownerUser.ID); r != models.RoleEditor {
			t.Fatalf("former owner's role is %q", r)
		}
		// And from then on the former owner manages staff no more.
		stStatus(t, "former owner manages staff", owner.Post(roleURL(ownerUser), url.Values{"role": {"owner"}}), http.StatusForbidden)
		stStatus(t, "new owner", viewer.Get(stPath(f.Org, "/settings")), http.StatusOK)
	})
}

func TestStudioRemoveStaff(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ownerUser, viewerUser := f.ByRole[models.RoleOwner], f.ByRole[models.RoleViewer]
		owner := stLogin(t, a, ownerUser)
		viewer := stLogin(t, a, viewerUser)
		removeURL := func(u *models.User) string { return stPath(f.Org, fmt.Sprintf("/staff/%d/remove", u.ID)) }
		stStatus(t, "viewer before", viewer.Get(stPath(f.Org, "")), http.StatusOK)

		before := stSnapshot(t, a)
		res := owner.Get(removeURL(viewerUser))
		stStatus(t, "confirmation page", res, http.StatusOK)
		stHas(t, "confirmation page", res, "Remove viewer@metro.test?",
			"viewer@metro.test will lose access to Metro Transit at once.", "Yes, remove",
			`action="`+removeURL(viewerUser)+`"`)
		stUnchanged(t, "opening the confirmation page", a, before)
		stStatus(t, "confirmation for a non-member", owner.Get(removeURL(f.Outside)), http.StatusNotFound)

		res = owner.Post(removeURL(viewerUser), nil)
		stStatus(t, "remove", res, http.StatusSeeOther, stPath(f.Org, "/staff"))
		if r := stRole(t, a, f.Org.ID, viewerUser.ID); r != "" {
			t.Fatalf("removed user is still %q", r)
		}
		if n := stCount(t, a, "audit_log", "organization_id = ? AND action = ? AND target = ?", f.Org.ID, "staff.remove", viewerUser.Email); n != 1 {
			t.Fatalf("%d staff.remove audit entries, want 1", n)
		}
		res = owner.Get(stPath(f.Org, "/staff"))
		stHas(t, "staff page after removal", res, "The staff member is removed.")
		stLacks(t, "staff page after removal", res, "viewer@metro.test")

		// The removed user is still signed in but the organization is gone
		// for them, at once.
		for _, p := range []string{"", "/accounts", "/staff", "/audit"} {
			stStatus(t, "removed user on "+stPath(f.Org, p), viewer.Get(stPath(f.Org, p)), http.StatusNotFound)
		}
		res = viewer.Get("/studio")
		stStatus(t, "removed user's studio home", res, http.StatusOK)
		stHas(t, "removed user's studio home", res, "You are not a member of any organization yet.")
		stLacks(t, "removed user's studio home", res, "Metro Transit")

		before = stSnapshot(t, a)
		for _, tc := range []struct {
			name   string
			target string
			status int
		}{
			{"only owner removes themself", removeURL(ownerUser), 422},
			{"member of another organization", removeURL(f.Outside), 404},
			{"already removed", removeURL(viewerUser), 404},
			{"no such user", stPath(f.Org, "/staff/999999/remove"), 404},
		} {
			res := owner.Post(tc.target, nil)
			stStatus(t, tc.name, res, tc.status)
			if tc.status == 422 {
				stHas(t, tc.name, res, "An organization needs at least one owner.")
			}
			stUnchanged(t, tc.name, a, before)
		}
		if stRole(t, a, f.Other.ID, f.Outside.ID) != models.RoleOwner {
			t.Fatal("the other organization's owner lost their membership")
		}
	})
}

func TestStudioRevokeInvite(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		owner := stLogin(t, a, f.ByRole[models.RoleOwner])
		token := stInviteToken(t, owner.Post(stPath(f.Org, "/staff/invites"), url.Values{"email": {"late@metro.test"}, "role": {"moderator"}}))
		var inv models.Invite
		if err := a.DB.Gorm.Where("email = ?", "late@metro.test").First(&inv).Error; err != nil {
			t.Fatal(err)
		}
		stStatus(t, "link before revoking", a.Client(t).Get("/invite/"+token), http.StatusOK)

		revoke := stPath(f.Org, fmt.Sprintf("/staff/invites/%d/revoke", inv.ID))
		res := owner.Post(revoke, nil)
		stStatus(t, "revoke", res, http.StatusSeeOther, stPath(f.Org, "/staff"))
		if n := stCount(t, a, "invites", "id = ? AND revoked_at IS NOT NULL", inv.ID); n != 1 {
			t.Fatal("invite not marked revoked")
		}
		if n := stAudits(t, a, f.Org.ID, "staff.invite_revoke"); n != 1 {
			t.Fatalf("%d staff.invite_revoke audit entries, want 1", n)
		}
		res = owner.Get(stPath(f.Org, "/staff"))
		stHas(t, "staff page after revoking", res, "The invitation is withdrawn; its link no longer works.")
		stLacks(t, "staff page after revoking", res, "late@metro.test")

		before := stSnapshot(t, a)
		c := a.Client(t)
		res = c.Get("/invite/" + token)
		stStatus(t, "revoked link", res, http.StatusGone)
		stHas(t, "revoked link", res, "This invitation cannot be used")
		res = c.Post("/invite/"+token, url.Values{"name": {"Late"}, "password": {apptest.Password}})
		stStatus(t, "accepting a revoked link", res, http.StatusGone)
		stStatus(t, "revoking twice", owner.Post(revoke, nil), http.StatusNotFound)
		stUnchanged(t, "using a revoked invite", a, before)

		// An invite of the other organization cannot be revoked through
		// this one's URL.
		_, otherToken, err := a.Orgs.CreateInvite(context.Background(), f.Outside, f.Other.ID, "friend@other.test", models.RoleEditor)
		if err != nil {
			t.Fatal(err)
		}
		var otherInv models.Invite
		if err := a.DB.Gorm.Where("email = ?", "friend@other.test").First(&otherInv).Error; err != nil {
			t.Fatal(err)
		}
		before = stSnapshot(t, a)
		stStatus(t, "revoking another organization's invite", owner.Post(stPath(f.Org, fmt.Sprintf("/staff/invites/%d/revoke", otherInv.ID)), nil), http.StatusNotFound)
		stStatus(t, "revoking invite abc", owner.Post(stPath(f.Org, "/staff/invites/abc/revoke"), nil), http.StatusNotFound)
		stUnchanged(t, "revoking another organization's invite", a, before)
		stStatus(t, "other organization's link", a.Client(t).Get("/invite/"+otherToken), http.StatusOK)
	})
}
