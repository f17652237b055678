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
	"github.com/plazahq/plaza/models/org"
)

func TestStudioSettings(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		owner := stLogin(t, a, f.ByRole[models.RoleOwner])
		settings := stPath(f.Org, "/settings")

		res := owner.Get(settings)
		stStatus(t, "settings page", res, http.StatusOK)
		if stValue(t, res, "name") != "Metro Transit" {
			t.Fatal("settings page does not show the name")
		}

		before := stSnapshot(t, a)
		for _, tc := range []struct {
			name, orgName, kind, field, msg string
		}{
			{"empty name", "", "agency", "name", "This field is required."},
			{"blank name", "   ", "agency", "name", "This field is required."},
			{"name too long", strings.Repeat("M", 121), "agency", "name", "This is too long."},
			{"unknown kind", "Metro Transit Authority", "government", "kind", "Choose one of the options."},
			{"no kind", "Metro Transit Authority", "", "kind", "Choose one of the options."},
		} {
			t.Run(tc.name, func(t *testing.T) {
				form := url.Values{"name": {tc.orgName}, "kind": {tc.kind}}
				res := owner.Post(settings, form)
				stStatus(t, tc.name, res, http.StatusUnprocessableEntity)
				stFieldError(t, tc.name, res, tc.field, tc.msg)
				stKept(t, tc.name, res, form, "name")
				stUnchanged(t, tc.name, a, before)
			})
		}

		res = owner.Post(settings, url.Values{"name": {"  Metro Transit Authority "}, "kind": {"ngo"}})
		stStatus(t, "rename", res, http.StatusSeeOther, settings)
		org, err := a.Orgs.OrganizationByID(context.Background(), f.Org.ID)
		if err != nil {
			t.Fatal(err)
		}
		if org.Name != "Metro Transit Authority" || org.Kind != models.KindNGO {
			t.Fatalf("organization after rename: %+v", org)
		}
		if n := stCount(t, a, "audit_log", "organization_id = ? AND action = ? AND target = ?", f.Org.ID, "org.update", "Metro Transit Authority"); n != 1 {
			t.Fatalf("%d org.update audit entries, want 1", n)
		}
		stHas(t, "settings after rename", owner.Get(settings), "Your changes are saved.", "Metro Transit Authority")
		stHas(t, "public page after rename", a.Client(t).Get("/@metro"), "Run by Metro Transit Authority")
		other, _ := a.Orgs.OrganizationByID(context.Background(), f.Other.ID)
		if other.Name != "Other Org" {
			t.Fatalf("renaming one organization renamed another: %q", other.Name)
		}
	})
}

func TestStudioAuditLog(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		owner := stLogin(t, a, f.ByRole[models.RoleOwner])
		// The seed wrote 10 entries for Metro Transit (created, 4 invites,
		// 4 joins, one account); 20 renames make 30.
		for i := 1; i <= 20; i++ {
			res := owner.Post(stPath(f.Org, "/settings"), url.Values{"name": {fmt.Sprintf("Metro Transit %02d", i)}, "kind": {"agency"}})
			stStatus(t, "rename", res, http.StatusSeeOther)
		}
		if n := stCount(t, a, "audit_log", "organization_id = ?", f.Org.ID); n != 30 {
			t.Fatalf("%d audit entries, want 30", n)
		}
		viewer := stLogin(t, a, f.ByRole[models.RoleViewer])
		audit := stPath(f.Org, "/audit")

		res := viewer.Get(audit)
		stStatus(t, "audit page 1", res, http.StatusOK)
		rows := stTable(res)
		if len(rows) != 25 {
			t.Fatalf("page 1 has %d rows, want 25\n%s", len(rows), res)
		}
		for i := 0; i < 20; i++ {
			want := fmt.Sprintf("Changed the settings Metro Transit %02d Public agency", 20-i)
			if len(rows[i]) != 3 || rows[i][2] != want || rows[i][1] != "owner@metro.test" || rows[i][0] == "" {
				t.Fatalf("row %d is %q, want newest first: %q by owner@metro.test", i, rows[i], want)
			}
		}
		if got := rows[20][2]; got != "Created account @metro" {
			t.Fatalf("row 21 is %q, want the account creation", got)
		}
		stHas(t, "audit page 1", res, "Page 1 of 2", `rel="next"`, `href="`+audit+`?page=2"`)
		stLacks(t, "audit page 1", res, `rel="prev"`)

		res = viewer.Get(audit + "?page=2")
		stStatus(t, "audit page 2", res, http.StatusOK)
		rows = stTable(res)
		if len(rows) != 5 {
			t.Fatalf("page 2 has %d rows, want 5\n%s", len(rows), res)
		}
		if got := rows[4][2]; got != "Created the organization Metro Transit Public agency" {
			t.Fatalf("last row is %q, want the oldest entry", got)
		}
		if rows[4][1] != "admin@plaza.test" || rows[3][2] != "Invited owner@metro.test Owner" {
			t.Fatalf("oldest rows: %q", rows[3:])
		}
		stHas(t, "audit page 2", res, "Page 2 of 2", `rel="prev"`)
		stLacks(t, "audit page 2", res, `rel="next"`)

		// Nothing of the other organization shows.
		for _, p := range []string{audit, audit + "?page=2"} {
			stLacks(t, "audit "+p, viewer.Get(p), "Other Org", "owner@other.test")
		}
		// A page parameter that is not a page number shows the first page.
		for _, q := range []string{"?page=abc", "?page=-3", "?page=0"} {
			res = viewer.Get(audit + q)
			stStatus(t, "audit "+q, res, http.StatusOK)
			stHas(t, "audit "+q, res, "Page 1 of 2", "Metro Transit 20")
		}
	})
}

func TestStudioHome(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		both := stJoin(t, a, f.Admin, f.Org, "both@plaza.test", models.RoleModerator)
		// both@ also joins the other organization, as an editor.
		_, tok, err := a.Orgs.CreateInvite(context.Background(), f.Admin, f.Other.ID, "both@plaza.test", models.RoleEditor)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.Orgs.AcceptInvite(context.Background(), tok, both, nil); err != nil {
			t.Fatal(err)
		}
		loner, err := a.Orgs.CreateUser(context.Background(), org.NewUser{Email: "loner@plaza.test", Password: apptest.Password})
		if err != nil {
			t.Fatal(err)
		}

		for _, tc := range []struct {
			who          *models.User
			shows, hides []string
		}{
			{f.ByRole[models.RoleOwner], []string{"Metro Transit", "Owner", `href="` + stPath(f.Org, "") + `"`}, []string{"Other Org", stPath(f.Other, "")}},
			{f.ByRole[models.RoleViewer], []string{"Metro Transit", "Viewer"}, []string{"Other Org"}},
			{f.Outside, []string{"Other Org", `href="` + stPath(f.Other, "") + `"`}, []string{"Metro Transit", stPath(f.Org, "")}},
			{both, []string{"Metro Transit", "Moderator", "Other Org", "Editor"}, []string{"not a member of any organization"}},
			{loner, []string{"You are not a member of any organization yet. Ask an owner of your organization to send you an invitation."},
				[]string{"Metro Transit", "Other Org", "/studio/orgs/", "New organization"}},
			// A platform admin who belongs to no organization sees the
			// empty state and the way to create one.
			{f.Admin, []string{"not a member of any organization", `href="/admin/orgs/new"`}, []string{"Metro Transit", "Other Org"}},
		} {
			res := stLogin(t, a, tc.who).Get("/studio")
			stStatus(t, "studio home of "+tc.who.Email, res, http.StatusOK)
			stHas(t, "studio home of "+tc.who.Email, res, tc.shows...)
			stLacks(t, "studio home of "+tc.who.Email, res, tc.hides...)
		}
		res := a.Client(t).Get("/studio")
		stStatus(t, "anonymous studio home", res, http.StatusSeeOther, "/login?next=%2Fstudio")
	})
}

// TestStudioOddInput sends what no browser form would (NUL bytes, invalid
// UTF-8) to every studio and admin form: each gets a clear 4xx, never a
// 500 (PostgreSQL refuses such text) and never a stored row (SQLite would
// take it).
func TestStudioOddInput(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		owner := stLogin(t, a, f.ByRole[models.RoleOwner])
		adm := stLogin(t, a, f.Admin)
		account := validAccountForm("odd_input")
		with := func(form url.Values, key, value string) url.Values {
			out := url.Values{}
			for k, v := range form {
				out[k] = v
			}
			out.Set(key, value)
			return out
		}
		staffID := f.ByRole[models.RoleViewer].ID
		before := stSnapshot(t, a)
		for _, bad := range []string{"Metro\x00Rail", "\x00", "Metro \xff\xfe Rail"} {
			for _, tc := range []struct {
				c    *apptest.Client
				path string
				form url.Values
			}{
				{owner, stPath(f.Org, "/accounts"), with(account, "name", bad)},
				{owner, stPath(f.Org, "/accounts"), with(account, "handle", bad)},
				{owner, stPath(f.Org, "/accounts"), with(account, "bio.zh-Hans", bad)},
				{owner, stPath(f.Org, "/accounts/metro"), with(account, "name", bad)},
				{owner, stPath(f.Org, "/accounts/metro"), with(account, "bio.en", bad)},
				{owner, stPath(f.Org, "/settings"), url.Values{"name": {bad}, "kind": {"agency"}}},
				{owner, stPath(f.Org, "/staff/invites"), url.Values{"email": {"nora" + bad + "@example.org"}, "role": {"editor"}}},
				{owner, stPath(f.Org, fmt.Sprintf("/staff/%d/role", staffID)), url.Values{"role": {"editor" + bad}}},
				{adm, "/admin/orgs", url.Values{"name": {bad}, "kind": {"ngo"}}},
				{adm, fmt.Sprintf("/admin/orgs/%d/invites", f.Org.ID), url.Values{"email": {bad + "@example.org"}}},
			} {
				what := fmt.Sprintf("POST %s with %q", tc.path, bad)
				res := tc.c.Post(tc.path, tc.form)
				if res.Status != http.StatusBadRequest && res.Status != http.StatusUnprocessableEntity {
					t.Fatalf("%s: %s\nwant 400 or 422", what, res)
				}
				if res.Status == http.StatusBadRequest {
					stHas(t, what, res, "Plaza could not understand what was sent, so nothing was changed.")
				}
			}
			q := url.QueryEscape(bad)
			for _, tc := range []struct {
				c    *apptest.Client
				path string
			}{
				{adm, "/admin?q=" + q},
				{owner, stPath(f.Org, "/accounts/") + q},
				{owner, stPath(f.Org, "/audit?page=") + q},
			} {
				res := tc.c.Get(tc.path)
				if res.Status >= 500 {
					t.Fatalf("GET %s: %s", tc.path, res)
				}
			}
		}
		stUnchanged(t, "odd input", a, before)
	})
}
