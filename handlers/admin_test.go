package handlers_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/org"
)

// The helpers used here (stStatus, stSnapshot, ...) are in studio_test.go.

var stAdminOrgRE = regexp.MustCompile(`^/admin/orgs/(\d+)$`)

// stCreatedOrg is the organization a successful create redirected to.
func stCreatedOrg(t *testing.T, a *apptest.App, res *apptest.Response) *models.Organization {
	t.Helper()
	m := stAdminOrgRE.FindStringSubmatch(res.Location)
	if res.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("create organization: %s\nwant 303 to /admin/orgs/{id}", res)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	org, err := a.Orgs.OrganizationByID(context.Background(), id)
	if err != nil {
		t.Fatalf("organization %d after create: %v", id, err)
	}
	return org
}

const stVerifiedBadge = `class="badge verified"`

func TestAdminCreateOrganization(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		adm := stLogin(t, a, f.Admin)

		res := adm.Get("/admin/orgs/new")
		stStatus(t, "new organization form", res, http.StatusOK)
		stHas(t, "new organization form", res, "New organization", `name="name"`, `name="kind"`)

		for _, tc := range []struct {
			name, typed string
			kind        models.OrgKind
			label       string
		}{
			{"City Safety Office", " City Safety Office ", models.KindAgency, "Public agency"},
			{"Riverside Food Bank", "Riverside Food Bank", models.KindNGO, "NGO"},
			{"Corner Fruit Stand & Co", "Corner Fruit Stand & Co", models.KindBusiness, "Business"},
		} {
			t.Run(string(tc.kind), func(t *testing.T) {
				res := adm.Post("/admin/orgs", url.Values{"name": {tc.typed}, "kind": {string(tc.kind)}})
				org := stCreatedOrg(t, a, res)
				if org.Name != tc.name || org.Kind != tc.kind || org.VerifiedAt != nil {
					t.Fatalf("stored organization %+v", org)
				}
				if n := stCount(t, a, "audit_log", "organization_id = ? AND user_id = ? AND action = ? AND target = ? AND detail = ?",
					org.ID, f.Admin.ID, "org.create", tc.name, string(tc.kind)); n != 1 {
					t.Fatalf("%d org.create audit entries, want 1", n)
				}
				res = adm.Get(res.Location)
				stStatus(t, "organization page", res, http.StatusOK)
				stHas(t, "organization page", res, "The organization is created. Now invite its first owner.", tc.name, tc.label,
					"No staff yet. Invite the first owner below.", "Mark as verified")
				stLacks(t, "organization page", res, stVerifiedBadge)
				// Nobody is a member yet: the admin is not made one.
				if n := stCount(t, a, "memberships", "organization_id = ?", org.ID); n != 0 {
					t.Fatalf("new organization has %d members, want none", n)
				}
			})
		}
		if n := stCount(t, a, "organizations", ""); n != 5 {
			t.Fatalf("%d organizations, want 5", n)
		}
	})
}

func TestAdminCreateOrganizationBadInput(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		adm := stLogin(t, a, f.Admin)
		before := stSnapshot(t, a)
		for _, tc := range []struct {
			name, orgName, kind, field, msg string
		}{
			{"empty name", "", "agency", "name", "This field is required."},
			{"blank name", " \t ", "ngo", "name", "This field is required."},
			{"200-character name", strings.Repeat("Metropolitan ", 16)[:200], "agency", "name", "This is too long."},
			{"kind government", "City Hall", "government", "kind", "Choose one of the options."},
			{"kind in capitals", "City Hall", "AGENCY", "kind", "Choose one of the options."},
			{"no kind", "City Hall", "", "kind", "Choose one of the options."},
		} {
			t.Run(tc.name, func(t *testing.T) {
				form := url.Values{"name": {tc.orgName}, "kind": {tc.kind}}
				res := adm.Post("/admin/orgs", form)
				stStatus(t, tc.name, res, http.StatusUnprocessableEntity)
				stHas(t, tc.name, res, "New organization", "Some fields need your attention.")
				stFieldError(t, tc.name, res, tc.field, tc.msg)
				stKept(t, tc.name, res, form, "name")
				stUnchanged(t, tc.name, a, before)
			})
		}
	})
}

func TestAdminVerify(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		adm := stLogin(t, a, f.Admin)
		pub := a.Client(t)
		verify := fmt.Sprintf("/admin/orgs/%d/verify", f.Org.ID)
		verifiedAt := func() bool {
			org, err := a.Orgs.OrganizationByID(context.Background(), f.Org.ID)
			if err != nil {
				t.Fatal(err)
			}
			return org.VerifiedAt != nil
		}

		stLacks(t, "public page before", pub.Get("/@metro"), stVerifiedBadge)
		stHas(t, "studio before", stLogin(t, a, f.ByRole[models.RoleViewer]).Get(stPath(f.Org, "")), "This organization is not verified yet")

		res := adm.Post(verify, url.Values{"verified": {"1"}})
		stStatus(t, "verify", res, http.StatusSeeOther, fmt.Sprintf("/admin/orgs/%d", f.Org.ID))
		if !verifiedAt() {
			t.Fatal("verified_at not set")
		}
		if n := stAudits(t, a, f.Org.ID, "org.verify"); n != 1 {
			t.Fatalf("%d org.verify audit entries, want 1", n)
		}
		res = adm.Get(res.Location)
		stHas(t, "admin page after verify", res, "The organization is verified.", "Verified since", "Remove verification", stVerifiedBadge)
		res = pub.Get("/@metro")
		stHas(t, "public page after verify", res, stVerifiedBadge, "Verified")
		stHas(t, "directory after verify", pub.Get("/accounts"), stVerifiedBadge)
		stLacks(t, "studio after verify", stLogin(t, a, f.ByRole[models.RoleViewer]).Get(stPath(f.Org, "")), "This organization is not verified yet")
		// Only that organization: the other one stays unverified.
		if other, _ := a.Orgs.OrganizationByID(context.Background(), f.Other.ID); other.VerifiedAt != nil {
			t.Fatal("verifying one organization verified another")
		}

		res = adm.Post(verify, url.Values{"verified": {"0"}})
		stStatus(t, "unverify", res, http.StatusSeeOther, fmt.Sprintf("/admin/orgs/%d", f.Org.ID))
		if verifiedAt() {
			t.Fatal("verified_at not cleared")
		}
		if n := stAudits(t, a, f.Org.ID, "org.unverify"); n != 1 {
			t.Fatalf("%d org.unverify audit entries, want 1", n)
		}
		stHas(t, "admin page after unverify", adm.Get(res.Location), "The verification is removed.", "Mark as verified")
		stLacks(t, "public page after unverify", pub.Get("/@metro"), stVerifiedBadge)
		stLacks(t, "directory after unverify", pub.Get("/accounts"), stVerifiedBadge)

		before := stSnapshot(t, a)
		for _, p := range []string{"/admin/orgs/999999/verify", "/admin/orgs/abc/verify", "/admin/orgs/-1/verify"} {
			stStatus(t, "verify "+p, adm.Post(p, url.Values{"verified": {"1"}}), http.StatusNotFound)
		}
		stStatus(t, "admin page of a missing organization", adm.Get("/admin/orgs/999999"), http.StatusNotFound)
		stUnchanged(t, "verifying a missing organization", a, before)
	})
}

func TestAdminInviteOwner(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		adm := stLogin(t, a, f.Admin)
		org := stCreatedOrg(t, a, adm.Post("/admin/orgs", url.Values{"name": {"City Safety Office"}, "kind": {"agency"}}))
		page := fmt.Sprintf("/admin/orgs/%d", org.ID)

		before := stSnapshot(t, a)
		for _, email := range []string{"", "chief", "chief@safety", "chief@@safety.test"} {
			form := url.Values{"email": {email}}
			res := adm.Post(page+"/invites", form)
			stStatus(t, "invite "+email, res, http.StatusUnprocessableEntity)
			stHas(t, "invite "+email, res, "City Safety Office", "Invite an owner")
			stFieldError(t, "invite "+email, res, "email", "Enter an e-mail address like name@example.org.")
			stKept(t, "invite "+email, res, form, "email")
			stUnchanged(t, "invite "+email, a, before)
		}
		stStatus(t, "invite into a missing organization",
			adm.Post("/admin/orgs/999999/invites", url.Values{"email": {"chief@safety.test"}}), http.StatusNotFound)
		stUnchanged(t, "invite into a missing organization", a, before)

		// A role field cannot turn the owner invite into anything else.
		res := adm.Post(page+"/invites", url.Values{"email": {"Chief@Safety.test"}, "role": {"viewer"}})
		stStatus(t, "invite owner", res, http.StatusOK)
		stHas(t, "invite owner", res, "Invitation created", "Send this link to chief@safety.test", "Back to City Safety Office")
		token := stInviteToken(t, res)
		if n := stCount(t, a, "invites", "organization_id = ? AND email = ? AND role = ? AND accepted_at IS NULL", org.ID, "chief@safety.test", "owner"); n != 1 {
			t.Fatalf("%d pending owner invites, want 1", n)
		}
		if n := stCount(t, a, "audit_log", "organization_id = ? AND user_id = ? AND action = ? AND detail = ?", org.ID, f.Admin.ID, "staff.invite", "owner"); n != 1 {
			t.Fatalf("%d staff.invite audit entries, want 1", n)
		}
		stHas(t, "admin page with the pending invite", adm.Get(page), "Invitations not yet accepted", "chief@safety.test")

		chief := stAccept(t, a, token, org, "Chief Officer")
		u, err := a.Orgs.UserByEmail(context.Background(), "chief@safety.test")
		if err != nil {
			t.Fatal(err)
		}
		if r := stRole(t, a, org.ID, u.ID); r != models.RoleOwner {
			t.Fatalf("invited owner has role %q", r)
		}
		if u.IsAdmin {
			t.Fatal("the invited owner became a platform admin")
		}
		stHas(t, "admin page after acceptance", adm.Get(page), "chief@safety.test · Owner")

		// The new owner runs their organization and nothing else.
		res = chief.Get(stPath(org, "/staff"))
		stStatus(t, "owner's staff page", res, http.StatusOK)
		stHas(t, "owner's staff page", res, "chief@safety.test", "Invite a staff member")
		res = chief.Post(stPath(org, "/staff/invites"), url.Values{"email": {"writer@safety.test"}, "role": {"editor"}})
		stStatus(t, "owner invites an editor", res, http.StatusOK)
		writer := stAccept(t, a, stInviteToken(t, res), org, "Writer")
		w, _ := a.Orgs.UserByEmail(context.Background(), "writer@safety.test")
		if r := stRole(t, a, org.ID, w.ID); r != models.RoleEditor {
			t.Fatalf("invited editor has role %q", r)
		}
		stStatus(t, "editor's account form", writer.Get(stPath(org, "/accounts/new")), http.StatusOK)
		stStatus(t, "new owner in Metro Transit", chief.Get(stPath(f.Org, "")), http.StatusNotFound)
		stStatus(t, "new owner in the admin area", chief.Get("/admin"), http.StatusForbidden)
	})
}

func TestAdminOrganizationList(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		for i := 1; i <= 30; i++ {
			if _, err := a.Orgs.CreateOrganization(ctx, f.Admin, org.Input{Name: fmt.Sprintf("Bulk Org %02d", i), Kind: models.KindBusiness}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := a.Accounts.CreateAccount(ctx, &models.Member{User: f.Outside, Org: f.Other, Role: models.RoleOwner},
			models.AccountInput{Handle: "other_news", Name: "Other News", Category: "community", Languages: []string{"en"}}); err != nil {
			t.Fatal(err)
		}
		if err := a.Orgs.SetVerified(ctx, f.Admin, f.Org.ID, true); err != nil {
			t.Fatal(err)
		}
		adm := stLogin(t, a, f.Admin)
		names := func(rows [][]string) []string {
			var out []string
			for _, r := range rows {
				out = append(out, r[0])
			}
			return out
		}
		bulk := func(from, to int) []string {
			var out []string
			for i := from; i >= to; i-- {
				out = append(out, fmt.Sprintf("Bulk Org %02d", i))
			}
			return out
		}

		// 32 organizations, newest first, 25 a page.
		res := adm.Get("/admin")
		stStatus(t, "list page 1", res, http.StatusOK)
		rows := stTable(res)
		if got, want := strings.Join(names(rows), "|"), strings.Join(bulk(30, 6), "|"); got != want {
			t.Fatalf("page 1 lists\n%s\nwant\n%s", got, want)
		}
		stHas(t, "list page 1", res, "Page 1 of 2", `href="/admin?page=2"`)
		res = adm.Get("/admin?page=2")
		rows = stTable(res)
		if got, want := strings.Join(names(rows), "|"), strings.Join(append(bulk(5, 1), "Other Org", "Metro Transit"), "|"); got != want {
			t.Fatalf("page 2 lists\n%s\nwant\n%s", got, want)
		}
		stHas(t, "list page 2", res, "Page 2 of 2", `rel="prev"`)
		// Columns: name, kind, verification, staff, accounts.
		byName := map[string][]string{}
		for _, r := range rows {
			byName[r[0]] = r
		}
		for name, want := range map[string][]string{
			"Metro Transit": {"Metro Transit", "Public agency", "✓ Verified", "4", "1"},
			"Other Org":     {"Other Org", "NGO", "Not verified", "1", "1"},
			"Bulk Org 01":   {"Bulk Org 01", "Business", "Not verified", "0", "0"},
		} {
			if got := byName[name]; strings.Join(got, "|") != strings.Join(want, "|") {
				t.Fatalf("row of %s is %q, want %q", name, got, want)
			}
		}

		for _, tc := range []struct {
			q    string
			want []string
		}{
			{"metro", []string{"Metro Transit"}},
			{"METRO tr", []string{"Metro Transit"}},
			{"  transit  ", []string{"Metro Transit"}},
			{"org 1", []string{"Bulk Org 19", "Bulk Org 18", "Bulk Org 17", "Bulk Org 16", "Bulk Org 15", "Bulk Org 14", "Bulk Org 13", "Bulk Org 12", "Bulk Org 11", "Bulk Org 10"}},
			{"zzz", nil},
			{"%", nil},
			{"_", nil},
		} {
			res := adm.Get("/admin?q=" + url.QueryEscape(tc.q))
			stStatus(t, "search "+tc.q, res, http.StatusOK)
			if got := strings.Join(names(stTable(res)), "|"); got != strings.Join(tc.want, "|") {
				t.Fatalf("search %q lists %q, want %q", tc.q, got, tc.want)
			}
			if !strings.Contains(res.Body, `name="q" value="`+html.EscapeString(tc.q)+`"`) {
				t.Fatalf("search box does not keep %q", tc.q)
			}
			if tc.want == nil {
				stHas(t, "search "+tc.q, res, "No organization matches your search.")
			}
		}

		// The search is kept across pages.
		res = adm.Get("/admin?q=bulk")
		stHas(t, "search bulk", res, "Page 1 of 2")
		m := regexp.MustCompile(`<a href="([^"]*)" rel="next">`).FindStringSubmatch(res.Body)
		if m == nil {
			t.Fatalf("no next link\n%s", res)
		}
		next := strings.ReplaceAll(m[1], "&amp;", "&")
		if u, err := url.Parse(next); err != nil || u.Path != "/admin" || u.Query().Get("q") != "bulk" || u.Query().Get("page") != "2" {
			t.Fatalf("next link %q, want /admin?page=2&q=bulk", next)
		}
		res = adm.Get(next)
		if got := strings.Join(names(stTable(res)), "|"); got != strings.Join(bulk(5, 1), "|") {
			t.Fatalf("search bulk page 2 lists %q", got)
		}
	})
}

// TestAdminToPublicJourney walks the whole path from an empty organization
// to a public account edited by an invited editor.
func TestAdminToPublicJourney(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		pub := a.Client(t)

		// 1. The platform admin creates the organization.
		adm := stLogin(t, a, f.Admin)
		org := stCreatedOrg(t, a, adm.Post("/admin/orgs", url.Values{"name": {"Harbour Ferries"}, "kind": {"business"}}))

		// 2. ... and invites its first owner.
		res := adm.Post(fmt.Sprintf("/admin/orgs/%d/invites", org.ID), url.Values{"email": {"captain@ferries.test"}})
		stStatus(t, "invite owner", res, http.StatusOK)
		ownerToken := stInviteToken(t, res)

		// 3. The owner accepts, lands in the studio, and creates an account.
		owner := stAccept(t, a, ownerToken, org, "Captain")
		res = owner.Get(stPath(org, ""))
		stHas(t, "owner's overview", res, "Harbour Ferries", "No official accounts yet.")
		res = owner.Post(stPath(org, "/accounts"), url.Values{
			"handle": {"@Ferry_Times"}, "name": {"Ferry Times"}, "bio.en": {"Sailings across the harbour"},
			"category": {"transit"}, "languages": {"en"},
		})
		stStatus(t, "create account", res, http.StatusSeeOther, stPath(org, "/accounts/ferry_times"))
		res = pub.Get("/@ferry_times")
		stStatus(t, "public page", res, http.StatusOK)
		stHas(t, "public page", res, "Ferry Times", "Sailings across the harbour", "Run by Harbour Ferries")
		stLacks(t, "public page", res, stVerifiedBadge)

		// 4. The owner invites an editor, who accepts.
		res = owner.Post(stPath(org, "/staff/invites"), url.Values{"email": {"deckhand@ferries.test"}, "role": {"editor"}})
		stStatus(t, "invite editor", res, http.StatusOK)
		editor := stAccept(t, a, stInviteToken(t, res), org, "Deckhand")

		// 5. The editor edits the account.
		res = editor.Post(stPath(org, "/accounts/ferry_times"), url.Values{
			"name.en": {"Ferry Times"}, "name.zh-Hans": {"渡轮时刻"}, "bio.en": {"Winter timetable: last boat 22:30"},
			"category": {"transit"}, "languages": {"en", "zh"},
		})
		stStatus(t, "editor edits", res, http.StatusSeeOther, stPath(org, "/accounts/ferry_times"))
		stStatus(t, "editor cannot manage staff", editor.Post(stPath(org, "/staff/invites"),
			url.Values{"email": {"x@ferries.test"}, "role": {"owner"}}), http.StatusForbidden)

		// 6. The public page shows the edit, and after verification the badge.
		res = pub.Get("/@ferry_times")
		stHas(t, "public page after the edit", res, "Winter timetable: last boat 22:30")
		stLacks(t, "public page after the edit", res, "Sailings across the harbour")
		stStatus(t, "verify", adm.Post(fmt.Sprintf("/admin/orgs/%d/verify", org.ID), url.Values{"verified": {"1"}}), http.StatusSeeOther)
		stHas(t, "public page after verification", pub.Get("/@ferry_times"), stVerifiedBadge)
		zh := a.Client(t)
		stStatus(t, "switch to Chinese", zh.Get("/lang/zh?next=/@ferry_times"), http.StatusSeeOther, "/@ferry_times")
		stHas(t, "public page in Chinese", zh.Get("/@ferry_times"), "渡轮时刻")

		// The audit log tells the story, newest first.
		res = owner.Get(stPath(org, "/audit"))
		var got []string
		for _, r := range stTable(res) {
			got = append(got, r[1]+": "+r[2])
		}
		want := []string{
			"admin@plaza.test: Verified the organization",
			"deckhand@ferries.test: Edited account @ferry_times",
			"deckhand@ferries.test: Joined deckhand@ferries.test Editor",
			"captain@ferries.test: Invited deckhand@ferries.test Editor",
			"captain@ferries.test: Created account @ferry_times",
			"captain@ferries.test: Joined captain@ferries.test Owner",
			"admin@plaza.test: Invited captain@ferries.test Owner",
			"admin@plaza.test: Created the organization Harbour Ferries Business",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("audit log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}
