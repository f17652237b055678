package handlers_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/handlers"
	"github.com/plazahq/plaza/models"
)

func TestLogin(t *testing.T) {
	t.Parallel()
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		editor := f.ByRole[models.RoleEditor]
		orgPage := fmt.Sprintf("/studio/orgs/%d", f.Org.ID)

		tests := []struct {
			name, email, password, next string
			status                      int
			location                    string // for 303
			body                        []string
		}{
			{name: "right password", email: editor.Email, password: apptest.Password, status: 303, location: "/studio"},
			{name: "address typed with capitals and spaces", email: "  EDITOR@Metro.Test ", password: apptest.Password, status: 303, location: "/studio"},
			{name: "safe next", email: editor.Email, password: apptest.Password, next: orgPage + "/accounts?x=1", status: 303, location: orgPage + "/accounts?x=1"},
			{name: "absolute next", email: editor.Email, password: apptest.Password, next: "https://evil.example/studio", status: 303, location: "/studio"},
			{name: "scheme-relative next", email: editor.Email, password: apptest.Password, next: "//evil.example", status: 303, location: "/studio"},
			{name: "backslash next", email: editor.Email, password: apptest.Password, next: `/\evil.example`, status: 303, location: "/studio"},
			{name: "javascript next", email: editor.Email, password: apptest.Password, next: "javascript:alert(1)", status: 303, location: "/studio"},
			{name: "header injection next", email: editor.Email, password: apptest.Password, next: "/studio\r\nSet-Cookie: x=y", status: 303, location: "/studio"},
			{name: "wrong password", email: editor.Email, password: "not the password", status: 401,
				body: []string{msgLoginFailed, `value="editor@metro.test"`}},
			{name: "unknown address", email: "nobody@metro.test", password: apptest.Password, status: 401,
				body: []string{msgLoginFailed, `value="nobody@metro.test"`}},
			{name: "empty form", status: 401, body: []string{msgLoginFailed}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c := a.Client(t)
				before := rowCount(t, a, "sessions", "")
				res := c.Post("/login", url.Values{"email": {tt.email}, "password": {tt.password}, "next": {tt.next}})
				if res.Status != tt.status {
					t.Fatalf("%s\nwant %d", res, tt.status)
				}
				ck := cookieFrom(res, "plaza_session")
				if tt.status != http.StatusSeeOther {
					expectBody(t, tt.name, res, tt.status, tt.body...)
					if tt.password != "" && strings.Contains(res.Body, tt.password) {
						t.Fatal("the page echoes the password")
					}
					if ck != nil && ck.Value != "" {
						t.Fatalf("a failed sign-in set a session cookie: %v", ck)
					}
					if n := rowCount(t, a, "sessions", ""); n != before {
						t.Fatalf("a failed sign-in changed the sessions: %d -> %d", before, n)
					}
					return
				}
				if res.Location != tt.location {
					t.Fatalf("redirected to %q, want %q", res.Location, tt.location)
				}
				if ck == nil || ck.Value == "" {
					t.Fatalf("no session cookie: %v", res.Header["Set-Cookie"])
				}
				if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.MaxAge <= 0 {
					t.Fatalf("session cookie %q: want HttpOnly, SameSite=Lax, Path=/ and a lifetime", ck.String())
				}
				if rowCount(t, a, "sessions", "user_id = ?", editor.ID) == 0 || rowCount(t, a, "sessions", "") != before+1 {
					t.Fatal("no session row was stored")
				}
				if r := c.Get("/studio"); r.Status != http.StatusOK {
					t.Fatalf("signed in but /studio: %s", r)
				}
			})
		}

		// The form carries next, and keeps it when the sign-in fails.
		c := a.Client(t)
		expectBody(t, "login form", c.Get("/login?next="+url.QueryEscape(orgPage)), 200,
			"Sign in to Plaza", `name="next" value="`+orgPage+`"`)
		expectBody(t, "login form in Chinese", sendWith(t, a, c, "GET", "/login", nil, zh), 200, "登录 Plaza")
		res := c.Post("/login", url.Values{"email": {editor.Email}, "password": {"nope nope nope"}, "next": {orgPage}})
		expectBody(t, "failed login keeps next", res, 401, `name="next" value="`+orgPage+`"`)
		form := url.Values{"email": {editor.Email}, "password": {"nope nope nope"}, "_csrf": {c.CSRF()}}
		expectBody(t, "failed login in Chinese", sendWith(t, a, c, "POST", "/login", strings.NewReader(form.Encode()), zh), 401,
			"电子邮件地址与密码不匹配", `lang="zh-Hans"`)

		// Signed in, the login page sends the user on (to a safe place).
		c.Login(editor.Email, apptest.Password)
		if r := c.Get("/login?next=" + url.QueryEscape(orgPage)); r.Status != 303 || r.Location != orgPage {
			t.Fatalf("login page when signed in: %s", r)
		}
		if r := c.Get("/login?next=" + url.QueryEscape("//evil.example")); r.Status != 303 || r.Location != "/" {
			t.Fatalf("login page when signed in with an evil next: %s", r)
		}
	})
}

func TestLoginRateLimit(t *testing.T) {
	t.Parallel()
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		// Two instances on one database, as behind a load balancer.
		a := apptest.Start(t, dbURL)
		b := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		fail := func(t *testing.T, on *apptest.App, email string) {
			t.Helper()
			res := on.Client(t).Post("/login", url.Values{"email": {email}, "password": {"wrong password!"}})
			expectBody(t, "failed attempt for "+email, res, http.StatusUnauthorized, msgLoginFailed)
		}
		login := func(t *testing.T, on *apptest.App, email string, hdr map[string]string) *apptest.Response {
			t.Helper()
			c := on.Client(t)
			form := url.Values{"email": {email}, "password": {apptest.Password}, "_csrf": {c.CSRF()}}
			return sendWith(t, on, c, "POST", "/login", strings.NewReader(form.Encode()), hdr)
		}

		t.Run("blocked after the limit, on every instance", func(t *testing.T) {
			email := f.ByRole[models.RoleEditor].Email
			// The limit is 5: three failures on one instance and two on the
			// other use it up.
			for range 3 {
				fail(t, a, email)
			}
			for range 2 {
				fail(t, b, email)
			}
			sessions := rowCount(t, a, "sessions", "")
			for _, on := range []*apptest.App{a, b} {
				res := login(t, on, email, nil)
				expectBody(t, "right password after 5 failures", res, http.StatusTooManyRequests, msgTooMany, `value="editor@metro.test"`)
				retry, err := strconv.Atoi(res.Header.Get("Retry-After"))
				if err != nil || retry <= 0 || retry > 16*60 {
					t.Fatalf("Retry-After %q: want seconds until the 15-minute window ends", res.Header.Get("Retry-After"))
				}
				if ck := cookieFrom(res, "plaza_session"); ck != nil && ck.Value != "" {
					t.Fatal("a blocked sign-in set a session cookie")
				}
			}
			expectBody(t, "blocked, in Chinese", login(t, b, email, zh), http.StatusTooManyRequests, "登录失败次数过多")
			// An address in other capitals is the same address.
			expectBody(t, "blocked, other spelling", login(t, a, strings.ToUpper(email), nil), http.StatusTooManyRequests, msgTooMany)
			if n := rowCount(t, a, "sessions", ""); n != sessions {
				t.Fatalf("blocked sign-ins created sessions: %d -> %d", sessions, n)
			}
		})

		t.Run("another address is not blocked", func(t *testing.T) {
			res := login(t, b, f.ByRole[models.RoleViewer].Email, nil)
			if res.Status != http.StatusSeeOther || res.Location != "/studio" {
				t.Fatalf("viewer: %s", res)
			}
		})

		t.Run("a successful sign-in resets the count", func(t *testing.T) {
			email := f.ByRole[models.RoleModerator].Email
			for range 4 {
				fail(t, a, email)
			}
			if n := rowCount(t, a, "rate_limits", "key = ?", handlers.LoginKey(email, "127.0.0.1")); n != 1 {
				t.Fatalf("no counter for the failures of this address from this client (%d rows)", n)
			}
			if res := login(t, b, email, nil); res.Status != http.StatusSeeOther {
				t.Fatalf("4 failures then the right password: %s", res)
			}
			// The failures of this address from this client are forgotten.
			if n := rowCount(t, a, "rate_limits", "key = ?", handlers.LoginKey(email, "127.0.0.1")); n != 0 {
				t.Fatalf("the address's counter was not reset (%d rows)", n)
			}
			// Four more failures: 8 in all, but only 4 since the reset.
			for range 4 {
				fail(t, b, email)
			}
			if res := login(t, a, email, nil); res.Status != http.StatusSeeOther {
				t.Fatalf("the count was not reset by the successful sign-in: %s", res)
			}
		})
	})
}

func TestSessions(t *testing.T) {
	t.Parallel()
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		b := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		editor := f.ByRole[models.RoleEditor]

		onA := a.Client(t)
		onA.Login(editor.Email, apptest.Password)
		token := jarCookie(t, a, onA, "plaza_session")
		if token == "" {
			t.Fatal("no session cookie after login")
		}
		if n := rowCount(t, a, "sessions", "user_id = ?", editor.ID); n != 1 {
			t.Fatalf("%d session rows for the editor, want 1", n)
		}
		if n := rowCount(t, a, "sessions", "id = ?", token); n != 0 {
			t.Fatal("the session token is stored in clear; only its hash should be")
		}

		// The same cookie on the other instance is the same session.
		onB := b.Client(t)
		bURL, _ := url.Parse(b.URL)
		onB.HTTP.Jar.SetCookies(bURL, []*http.Cookie{{Name: "plaza_session", Value: token, Path: "/"}})
		expectBody(t, "instance B with A's session", onB.Get("/studio"), http.StatusOK, "Sign out")

		// A made-up token is nobody.
		stranger := a.Client(t)
		aURL, _ := url.Parse(a.URL)
		stranger.HTTP.Jar.SetCookies(aURL, []*http.Cookie{{Name: "plaza_session", Value: strings.Repeat("x", 43), Path: "/"}})
		if r := stranger.Get("/studio"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/login") {
			t.Fatalf("made-up session token: %s", r)
		}

		// Signing out on B ends the session everywhere.
		res := onB.Post("/logout", nil)
		if res.Status != http.StatusSeeOther || res.Location != "/" {
			t.Fatalf("logout: %s", res)
		}
		if ck := cookieFrom(res, "plaza_session"); ck == nil || ck.MaxAge >= 0 {
			t.Fatalf("logout did not clear the cookie: %v", res.Header["Set-Cookie"])
		}
		if n := rowCount(t, a, "sessions", "user_id = ?", editor.ID); n != 0 {
			t.Fatalf("logout left %d session rows", n)
		}
		expectBody(t, "after logout", onB.Get("/"), http.StatusOK, "You are signed out.", "Sign in")
		if r := onA.Get("/studio"); r.Status != http.StatusSeeOther || r.Location != "/login?next=%2Fstudio" {
			t.Fatalf("the old cookie still works on A after logout: %s", r)
		}

		// An expired session sends the browser to the login page and
		// forgets the cookie.
		c := a.Client(t)
		c.Login(editor.Email, apptest.Password)
		if err := a.DB.Gorm.Exec("UPDATE sessions SET expires_at = ? WHERE user_id = ?", a.Store.Now().Add(-time.Minute), editor.ID).Error; err != nil {
			t.Fatal(err)
		}
		orgPage := fmt.Sprintf("/studio/orgs/%d", f.Org.ID)
		r := c.Get(orgPage)
		if r.Status != http.StatusSeeOther || r.Location != "/login?next="+url.QueryEscape(orgPage) {
			t.Fatalf("expired session: %s", r)
		}
		if ck := cookieFrom(r, "plaza_session"); ck == nil || ck.MaxAge >= 0 {
			t.Fatalf("an expired session's cookie was not cleared: %v", r.Header["Set-Cookie"])
		}
		// Housekeeping removes it from the table.
		if n, err := a.Orgs.DeleteExpiredSessions(t.Context()); err != nil || n != 1 {
			t.Fatalf("DeleteExpiredSessions: %d, %v; want 1", n, err)
		}
	})
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ownerC := a.Client(t)
		ownerC.Login(f.ByRole[models.RoleOwner].Email, apptest.Password)
		adminC := a.Client(t)
		adminC.Login(f.Admin.Email, apptest.Password)
		anon := a.Client(t)
		_, inviteToken, err := a.Orgs.CreateInvite(t.Context(), f.Admin, f.Org.ID, "newcomer@metro.test", models.RoleEditor)
		if err != nil {
			t.Fatal(err)
		}
		settings := fmt.Sprintf("/studio/orgs/%d/settings", f.Org.ID)
		orgName := func() string {
			org, err := a.Orgs.OrganizationByID(t.Context(), f.Org.ID)
			if err != nil {
				t.Fatal(err)
			}
			return org.Name
		}
		// unchanged checks that the refused request changed nothing.
		type scenario struct {
			name      string
			c         *apptest.Client
			path      string
			form      url.Values
			unchanged func(t *testing.T)
		}
		scenarios := []scenario{
			{"logout", ownerC, "/logout", url.Values{}, func(t *testing.T) {
				if r := ownerC.Get("/studio"); r.Status != http.StatusOK {
					t.Fatalf("a forged logout signed the owner out: %s", r)
				}
			}},
			{"admin creates an organization", adminC, "/admin/orgs", url.Values{"name": {"Forged Org"}, "kind": {"ngo"}}, func(t *testing.T) {
				if n := rowCount(t, a, "organizations", ""); n != 2 {
					t.Fatalf("%d organizations, want the 2 fixtures", n)
				}
			}},
			{"owner changes settings", ownerC, settings, url.Values{"name": {"Forged Name"}, "kind": {"ngo"}}, func(t *testing.T) {
				if n := orgName(); n != "Metro Transit" {
					t.Fatalf("organization renamed to %q", n)
				}
			}},
			{"accept an invite", anon, "/invite/" + inviteToken, url.Values{"name": {"Mallory"}, "password": {"a long enough password"}}, func(t *testing.T) {
				if n := rowCount(t, a, "users", "email = ?", "newcomer@metro.test"); n != 0 {
					t.Fatal("a forged invite acceptance created a user")
				}
				if n := rowCount(t, a, "invites", "accepted_at IS NULL AND email = ?", "newcomer@metro.test"); n != 1 {
					t.Fatal("a forged invite acceptance used up the invite")
				}
				expectBody(t, "the invite still works", anon.Get("/invite/"+inviteToken), http.StatusOK, "Join Metro Transit on Plaza")
			}},
		}
		attacker := a.Client(t)
		attacker.Login(f.Outside.Email, apptest.Password)
		attackerToken := attacker.CSRF()
		for _, s := range scenarios {
			forgeries := []struct {
				name string
				send func() *apptest.Response
			}{
				{"no token", func() *apptest.Response { return s.c.PostRaw(s.path, s.form) }},
				{"wrong token", func() *apptest.Response {
					form := url.Values{"_csrf": {strings.Repeat("A", 43)}}
					for k, v := range s.form {
						form[k] = v
					}
					return s.c.PostRaw(s.path, form)
				}},
				{"another browser's token", func() *apptest.Response {
					form := url.Values{"_csrf": {attackerToken}}
					for k, v := range s.form {
						form[k] = v
					}
					return s.c.PostRaw(s.path, form)
				}},
				{"wrong header token", func() *apptest.Response {
					return sendWith(t, a, s.c, "POST", s.path, strings.NewReader(s.form.Encode()), map[string]string{"X-CSRF-Token": attackerToken})
				}},
			}
			if s.c == anon {
				// A browser that is not signed in has no token to
				// forge: its forms are guarded by the cross-origin check
				// alone, which refuses what another site sends.
				forgeries = nil
				for _, hdr := range []map[string]string{
					{"Sec-Fetch-Site": "cross-site"},
					{"Sec-Fetch-Site": "same-site"},
					// A browser too old for Sec-Fetch-Site sends Origin.
					{"Origin": "http://evil.example"},
				} {
					forgeries = append(forgeries, struct {
						name string
						send func() *apptest.Response
					}{fmt.Sprint(hdr), func() *apptest.Response {
						return sendWith(t, a, s.c, "POST", s.path, strings.NewReader(s.form.Encode()), hdr)
					}})
				}
			}
			for _, fg := range forgeries {
				t.Run(s.name+" with "+fg.name, func(t *testing.T) {
					expectBody(t, fg.name, fg.send(), http.StatusForbidden, msgCSRF)
					s.unchanged(t)
				})
			}
		}
		// The message is there in Chinese too.
		expectBody(t, "CSRF page in Chinese", sendWith(t, a, ownerC, "POST", "/logout", strings.NewReader(""), zh),
			http.StatusForbidden, "该表单已过期或并非来自 Plaza")

		t.Run("header token as htmx sends it", func(t *testing.T) {
			form := url.Values{"name": {"Metro Transit Authority"}, "kind": {"agency"}}
			res := sendWith(t, a, ownerC, "POST", settings, strings.NewReader(form.Encode()),
				map[string]string{"X-CSRF-Token": ownerC.CSRF()})
			if res.Status != http.StatusSeeOther {
				t.Fatalf("settings with the header token: %s", res)
			}
			if n := orgName(); n != "Metro Transit Authority" {
				t.Fatalf("name is %q after a valid save", n)
			}
			res = sendWith(t, a, ownerC, "POST", "/logout", nil, map[string]string{"X-CSRF-Token": ownerC.CSRF()})
			if res.Status != http.StatusSeeOther {
				t.Fatalf("logout with the header token: %s", res)
			}
			if n := rowCount(t, a, "sessions", "user_id = ?", f.ByRole[models.RoleOwner].ID); n != 0 {
				t.Fatal("logout with the header token kept the session")
			}
			expectBody(t, "signed out, in Chinese", sendWith(t, a, ownerC, "GET", "/", nil, zh), http.StatusOK, "您已退出登录。", "登录")
		})

		t.Run("a signed-in browser's forms carry its session's token", func(t *testing.T) {
			// ownerC signed out above: a new session.
			c := a.Client(t)
			c.Login(f.ByRole[models.RoleOwner].Email, apptest.Password)
			res := c.Get(settings)
			token := c.CSRF()
			if len(token) < 40 {
				t.Fatalf("form token %q", token)
			}
			expectBody(t, "settings form", res, http.StatusOK, `name="_csrf" value="`+token+`"`)
			// htmx sends the token in a header, taken from the body's hx-headers.
			if !strings.Contains(html.UnescapeString(res.Body), `hx-headers="{"X-CSRF-Token":"`+token+`"}"`) {
				t.Fatal("the page does not give htmx the token")
			}
		})

		t.Run("anonymous pages carry no token and set no cookie", func(t *testing.T) {
			c := a.Client(t)
			for _, path := range []string{"/login", "/", "/@metro"} {
				res := c.Get(path)
				if res.Status != http.StatusOK {
					t.Fatalf("GET %s: %s", path, res)
				}
				if strings.Contains(res.Body, "_csrf") || strings.Contains(res.Body, "X-CSRF-Token") {
					t.Errorf("GET %s: an anonymous page carries a form token", path)
				}
				if sc := res.Header.Values("Set-Cookie"); len(sc) != 0 {
					t.Errorf("GET %s: Set-Cookie %q on an anonymous page", path, sc)
				}
			}
		})

		t.Run("a same-origin anonymous post needs no token", func(t *testing.T) {
			c := a.Client(t)
			form := url.Values{"email": {f.ByRole[models.RoleEditor].Email}, "password": {apptest.Password}}
			for _, hdr := range []map[string]string{
				{"Sec-Fetch-Site": "same-origin"},
				{"Origin": a.URL},
				// No browser header at all: a client that is no browser
				// carries no one's cookies, so it forges nothing.
				nil,
			} {
				c := a.Client(t)
				res := sendWith(t, a, c, "POST", "/login", strings.NewReader(form.Encode()), hdr)
				if res.Status != http.StatusSeeOther {
					t.Fatalf("sign-in with %v and no token: %s", hdr, res)
				}
			}
			res := c.PostRaw("/login", url.Values{"email": {"nobody@example.org"}, "password": {"wrong password"}})
			if res.Status == http.StatusForbidden {
				t.Fatalf("a same-origin anonymous post was refused: %s", res)
			}
		})
	})
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		apptest.Seed(t, a)
		c := a.Client(t)
		for _, path := range []string{"/", "/accounts", "/@metro", "/login", "/no/such/page"} {
			t.Run(path, func(t *testing.T) {
				res := c.Get(path)
				if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
					t.Fatalf("Content-Type %q", res.Header.Get("Content-Type"))
				}
				csp := res.Header.Get("Content-Security-Policy")
				directives := map[string]string{}
				for _, d := range strings.Split(csp, ";") {
					name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
					directives[name] = value
				}
				if directives["default-src"] != "'self'" {
					t.Fatalf("CSP %q: want default-src 'self'", csp)
				}
				script, ok := directives["script-src"]
				if !ok {
					script = directives["default-src"]
				}
				if strings.Contains(script, "'unsafe-inline'") || strings.Contains(script, "'unsafe-eval'") {
					t.Fatalf("CSP %q allows inline or eval'd script", csp)
				}
				if directives["frame-ancestors"] != "'none'" {
					t.Fatalf("CSP %q: want frame-ancestors 'none'", csp)
				}
				for h, want := range map[string]string{
					"X-Content-Type-Options": "nosniff",
					"X-Frame-Options":        "DENY",
					"Referrer-Policy":        "same-origin",
					// The place picker may ask for the position; nothing else may.
					"Permissions-Policy": "camera=(), microphone=(), geolocation=(self)",
				} {
					if got := res.Header.Get(h); got != want {
						t.Fatalf("%s: %q, want %q", h, got, want)
					}
				}
				// Nothing on the page needs inline script.
				if strings.Contains(res.Body, "<script>") || strings.Contains(res.Body, " onclick=") {
					t.Fatal("the page has inline script, which the CSP would block")
				}
			})
		}
	})
}
