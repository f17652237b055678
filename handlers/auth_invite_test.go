package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

// Tests for accepting staff invitations, as a new or an existing user.

func TestInviteNewUser(t *testing.T) {
	t.Parallel()
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		const email = "nora@metro.test"
		inv, token, err := a.Orgs.CreateInvite(t.Context(), f.Admin, f.Org.ID, email, models.RoleEditor)
		if err != nil {
			t.Fatal(err)
		}
		path := "/invite/" + token
		c := a.Client(t)

		expectBody(t, "invite page", c.Get(path), http.StatusOK,
			"Join Metro Transit on Plaza", "You are invited as: Editor.", `value="nora@metro.test"`, "Create my account and join")
		expectBody(t, "invite page in Chinese", sendWith(t, a, c, "GET", path, nil, zh), http.StatusOK,
			"加入 Plaza 上的Metro Transit", "您受邀担任：编辑。")

		users := rowCount(t, a, "users", "")
		bad := []struct {
			name string
			form url.Values
			msg  string
		}{
			{"short password", url.Values{"name": {"Nora Newcomer"}, "password": {"pw-xyz"}}, "Use at least 10 characters."},
			{"no password", url.Values{"name": {"Nora Newcomer"}}, "Use at least 10 characters."},
			{"long name", url.Values{"name": {"Nora Newcomer" + strings.Repeat("x", 100)}, "password": {"a long enough password"}}, "This is too long."},
		}
		for _, tt := range bad {
			t.Run(tt.name, func(t *testing.T) {
				res := c.Post(path, tt.form)
				expectBody(t, tt.name, res, http.StatusUnprocessableEntity, tt.msg, `value="`+tt.form.Get("name")+`"`,
					"Some fields need your attention")
				if p := tt.form.Get("password"); p != "" && strings.Contains(res.Body, p) {
					t.Fatal("the page echoes the password")
				}
				if n := rowCount(t, a, "users", ""); n != users {
					t.Fatalf("a refused form created a user (%d -> %d)", users, n)
				}
				if n := rowCount(t, a, "invites", "id = ? AND accepted_at IS NULL", inv.ID); n != 1 {
					t.Fatal("a refused form used up the invite")
				}
				if n := rowCount(t, a, "sessions", ""); n != 0 {
					t.Fatal("a refused form signed someone in")
				}
				expectBody(t, "invite still usable", c.Get(path), http.StatusOK, "Create my account and join")
			})
		}
		expectBody(t, "short password in Chinese", sendWith(t, a, c, "POST", path,
			strings.NewReader(url.Values{"password": {"short"}, "_csrf": {c.CSRF()}}.Encode()), zh),
			http.StatusUnprocessableEntity, "密码至少需要 10 个字符。")

		res := c.Post(path, url.Values{"name": {"Nora Newcomer"}, "password": {"a long enough password"}})
		orgPage := fmt.Sprintf("/studio/orgs/%d", f.Org.ID)
		if res.Status != http.StatusSeeOther || res.Location != orgPage {
			t.Fatalf("accept: %s; want 303 to %s", res, orgPage)
		}
		u, err := a.Orgs.UserByEmail(t.Context(), email)
		if err != nil {
			t.Fatalf("no user was created: %v", err)
		}
		if u.Name != "Nora Newcomer" || u.IsAdmin {
			t.Fatalf("new user %+v", u)
		}
		m, err := a.Orgs.MemberOf(t.Context(), u, f.Org.ID)
		if err != nil || m.Role != models.RoleEditor {
			t.Fatalf("membership %v, %v; want editor", m, err)
		}
		if _, err := a.Orgs.Authenticate(t.Context(), email, "a long enough password"); err != nil {
			t.Fatalf("the chosen password does not work: %v", err)
		}
		expectBody(t, "signed in after joining", c.Get(orgPage), http.StatusOK, "Welcome! You have joined the organization.")

		// The link works once.
		for _, method := range []string{"GET", "POST"} {
			other := a.Client(t)
			var r *apptest.Response
			if method == "GET" {
				r = other.Get(path)
			} else {
				r = other.Post(path, url.Values{"name": {"Eve"}, "password": {"another long password"}})
			}
			expectBody(t, method+" a used invite", r, http.StatusGone, msgInviteGone, "Ask the person who invited you for a new one.")
		}
		expectBody(t, "used invite in Chinese", sendWith(t, a, c, "GET", path, nil, zh), http.StatusGone, "该邀请无法使用")
		if n := rowCount(t, a, "memberships", "user_id = ?", u.ID); n != 1 {
			t.Fatalf("%d memberships after reuse attempts", n)
		}

		// Garbage and expired links.
		expectBody(t, "garbage token", c.Get("/invite/not-a-real-token"), http.StatusGone, msgInviteGone)
		expectBody(t, "garbage token, POST", a.Client(t).Post("/invite/not-a-real-token",
			url.Values{"name": {"X"}, "password": {"a long enough password"}}), http.StatusGone, msgInviteGone)
		expired, expiredToken, err := a.Orgs.CreateInvite(t.Context(), f.Admin, f.Org.ID, "late@metro.test", models.RoleViewer)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.DB.Gorm.Exec("UPDATE invites SET expires_at = ? WHERE id = ?", a.Store.Now().Add(-time.Minute), expired.ID).Error; err != nil {
			t.Fatal(err)
		}
		late := a.Client(t)
		expectBody(t, "expired invite", late.Get("/invite/"+expiredToken), http.StatusGone, msgInviteGone)
		expectBody(t, "expired invite, POST", late.Post("/invite/"+expiredToken,
			url.Values{"name": {"Late"}, "password": {"a long enough password"}}), http.StatusGone, msgInviteGone)
		if n := rowCount(t, a, "users", "email = ?", "late@metro.test"); n != 0 {
			t.Fatal("an expired invite created a user")
		}
	})
}

func TestInviteExistingUser(t *testing.T) {
	t.Parallel()
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		u := f.Outside // owner of the other organization
		inv, token, err := a.Orgs.CreateInvite(t.Context(), f.Admin, f.Org.ID, u.Email, models.RoleModerator)
		if err != nil {
			t.Fatal(err)
		}
		path := "/invite/" + token
		c := a.Client(t)
		expectBody(t, "invite for an existing address", c.Get(path), http.StatusOK,
			"There is already a Plaza account for owner@other.test. Sign in to accept.", `href="/login?next=`+path+`"`)
		if strings.Contains(c.Get(path).Body, `name="password"`) {
			t.Fatal("the page offers to create a second account for an existing address")
		}
		expectBody(t, "existing address in Chinese", sendWith(t, a, c, "GET", path, nil, zh), http.StatusOK, "已有 Plaza 账号，请登录后接受邀请")

		// Posting without signing in sends to the login page and changes
		// nothing, even with a password for a new account.
		res := c.Post(path, url.Values{"name": {"Impostor"}, "password": {"a long enough password"}})
		if res.Status != http.StatusSeeOther || res.Location != "/login?next="+path {
			t.Fatalf("accept while signed out: %s", res)
		}
		if _, err := a.Orgs.MemberOf(t.Context(), u, f.Org.ID); err == nil {
			t.Fatal("accepting while signed out made a membership")
		}
		if n := rowCount(t, a, "invites", "id = ? AND accepted_at IS NULL", inv.ID); n != 1 {
			t.Fatal("accepting while signed out used up the invite")
		}
		if _, err := a.Orgs.Authenticate(t.Context(), u.Email, apptest.Password); err != nil {
			t.Fatal("accepting while signed out changed the existing user's password")
		}

		res = c.Post("/login", url.Values{"email": {u.Email}, "password": {apptest.Password}, "next": {path}})
		if res.Status != http.StatusSeeOther || res.Location != path {
			t.Fatalf("login with next=invite: %s", res)
		}
		expectBody(t, "invite when signed in", c.Get(path), http.StatusOK, "You are signed in as owner@other.test.", "Accept the invitation")
		res = c.Post(path, nil)
		orgPage := fmt.Sprintf("/studio/orgs/%d", f.Org.ID)
		if res.Status != http.StatusSeeOther || res.Location != orgPage {
			t.Fatalf("accept when signed in: %s", res)
		}
		m, err := a.Orgs.MemberOf(t.Context(), u, f.Org.ID)
		if err != nil || m.Role != models.RoleModerator {
			t.Fatalf("membership %v, %v; want moderator", m, err)
		}
		if m, err := a.Orgs.MemberOf(t.Context(), u, f.Other.ID); err != nil || m.Role != models.RoleOwner {
			t.Fatalf("joining changed the user's other membership: %v, %v", m, err)
		}
		expectBody(t, "studio after joining", c.Get(orgPage), http.StatusOK, "Metro Transit")
		expectBody(t, "used invite", c.Get(path), http.StatusGone, msgInviteGone)
	})
}
