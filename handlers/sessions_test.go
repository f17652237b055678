package handlers_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/handlers"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/org"
)

// behindProxy trusts the loopback proxy, so X-Forwarded-For names the
// client, the way Plaza is deployed behind a reverse proxy.
func behindProxy(c *config.Config) {
	_, n, _ := net.ParseCIDR("127.0.0.0/8")
	c.TrustedProxies = []*net.IPNet{n}
}

// TestFormTokenBoundToSession proves the form token is not a value a
// cookie can choose: a cookie and token pair taken from another browser
// (or made up, as in the review) is refused, signing in changes the token,
// and a cross-site post is refused before its token is looked at.
func TestFormTokenBoundToSession(t *testing.T) {
	t.Parallel()
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		owner := a.Client(t)
		owner.Login(f.ByRole[models.RoleOwner].Email, apptest.Password)
		settings := fmt.Sprintf("/studio/orgs/%d/settings", f.Org.ID)
		u, _ := url.Parse(a.URL)
		orgName := func() string {
			org, err := a.Orgs.OrganizationByID(t.Context(), f.Org.ID)
			if err != nil {
				t.Fatal(err)
			}
			return org.Name
		}
		rename := func(c *apptest.Client, token string, hdr map[string]string) *apptest.Response {
			form := url.Values{"_csrf": {token}, "name": {"Forged Name"}, "kind": {"ngo"}}
			return sendWith(t, a, c, http.MethodPost, settings, strings.NewReader(form.Encode()), hdr)
		}

		// An attacker's own browser gets no token at all while signed out
		// (anonymous pages carry none, and set no cookie); signed in, it
		// gets its own session's.
		stranger := a.Client(t)
		if tok := stranger.CSRF(); tok != "" {
			t.Fatalf("a signed-out browser was given the form token %q", tok)
		}
		outsider := a.Client(t)
		outsider.Login(f.Outside.Email, apptest.Password)
		outsiderToken := outsider.CSRF()
		made := strings.Repeat("A", 43)

		for _, tt := range []struct {
			name   string
			cookie string // planted as plaza_csrf in the owner's browser (the old visitor cookie)
			token  string
			hdr    map[string]string
		}{
			{"a made-up pair (the review's)", made, made, nil},
			{"a made-up pair in the htmx header", made, "", map[string]string{"X-CSRF-Token": made}},
			{"another session's token", "", outsiderToken, nil},
			{"another session's token in the htmx header", "", "", map[string]string{"X-CSRF-Token": outsiderToken}},
			{"no token at all", "", "", nil},
		} {
			t.Run(tt.name, func(t *testing.T) {
				victim := a.Client(t)
				victim.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: "plaza_session", Value: jarCookie(t, a, owner, "plaza_session"), Path: "/"}})
				if tt.cookie != "" {
					victim.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: "plaza_csrf", Value: tt.cookie, Path: "/"}})
				}
				expectBody(t, tt.name, rename(victim, tt.token, tt.hdr), http.StatusForbidden, msgCSRF)
				if n := orgName(); n != "Metro Transit" {
					t.Fatalf("organization renamed to %q", n)
				}
			})
		}

		t.Run("a cross-site post is refused even with the right token", func(t *testing.T) {
			for _, hdr := range []map[string]string{
				{"Sec-Fetch-Site": "cross-site"},
				{"Sec-Fetch-Site": "same-site"},
				// A browser too old for Sec-Fetch-Site sends Origin.
				{"Origin": "http://evil.example"},
			} {
				expectBody(t, fmt.Sprint(hdr), rename(owner, owner.CSRF(), hdr), http.StatusForbidden, msgCSRF)
				if n := orgName(); n != "Metro Transit" {
					t.Fatalf("%v: organization renamed to %q", hdr, n)
				}
			}
			// The API authenticates with bearer tokens and stays open to
			// other origins: no form token is asked for.
			res := sendWith(t, a, a.Client(t), http.MethodPost, "/api/v1/accounts/metro/notices", strings.NewReader("{}"),
				map[string]string{"Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"})
			if res.Status != http.StatusUnauthorized {
				t.Fatalf("cross-site API call without a token: %s; want 401 from the API, not a form refusal", res)
			}
		})

		t.Run("same-origin posts go through", func(t *testing.T) {
			for i, hdr := range []map[string]string{
				{"Sec-Fetch-Site": "same-origin"},
				{"Origin": a.URL},
				nil,
			} {
				form := url.Values{"_csrf": {owner.CSRF()}, "name": {fmt.Sprintf("Metro Transit %d", i)}, "kind": {"agency"}}
				res := sendWith(t, a, owner, http.MethodPost, settings, strings.NewReader(form.Encode()), hdr)
				if res.Status != http.StatusSeeOther {
					t.Fatalf("%v: %s", hdr, res)
				}
			}
		})

		t.Run("signing in changes the token", func(t *testing.T) {
			c := a.Client(t)
			before := c.CSRF()
			c.Login(f.ByRole[models.RoleOwner].Email, apptest.Password)
			after := c.CSRF()
			if after == before {
				t.Fatal("the form token is the same before and after signing in")
			}
			expectBody(t, "the token from before sign-in", rename(c, before, nil), http.StatusForbidden, msgCSRF)
			// Signing in again is a new session with a new token; the
			// first session's token does not work for the second.
			c2 := a.Client(t)
			c2.Login(f.ByRole[models.RoleOwner].Email, apptest.Password)
			if c2.CSRF() == after {
				t.Fatal("two sessions have the same form token")
			}
			expectBody(t, "another session's token", rename(c2, after, nil), http.StatusForbidden, msgCSRF)
		})

		t.Run("a form sent after the session ended goes to the login page", func(t *testing.T) {
			c := a.Client(t)
			c.Login(f.ByRole[models.RoleOwner].Email, apptest.Password)
			token := c.CSRF()
			if err := a.DB.Gorm.Exec("DELETE FROM sessions WHERE id IN (SELECT id FROM sessions)").Error; err != nil {
				t.Fatal(err)
			}
			res := rename(c, token, nil)
			if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/login") {
				t.Fatalf("form of an ended session: %s; want the login page", res)
			}
		})
	})
}

// TestNoCookiesOnPublicResponses checks that what a shared cache may keep
// and hand to everyone carries no cookie, even for a browser holding
// cookies that Plaza would otherwise refresh or clear.
func TestNoCookiesOnPublicResponses(t *testing.T) {
	t.Parallel()
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ed := stLogin(t, a, f.ByRole[models.RoleEditor])
		stStatus(t, "upload an avatar", ed.Upload(stPath(f.Org, "/accounts/metro/avatar"), "avatar", "logo.png", stPNG(t, 8, 8)),
			http.StatusSeeOther, stPath(f.Org, "/accounts/metro"))
		page := a.Client(t).Get("/@metro")
		avatar := regexp.MustCompile(`"(/media/[^"?]+)`).FindStringSubmatch(page.Body)
		if avatar == nil {
			t.Fatalf("no avatar on the account page: %s", page)
		}
		css := regexp.MustCompile(`"(/static/css/plaza\.css\?v=[^"]+)"`).FindStringSubmatch(page.Body)
		if css == nil {
			t.Fatalf("no stylesheet on the account page: %s", page)
		}
		u, _ := url.Parse(a.URL)
		for _, tt := range []struct {
			name    string
			cookies []*http.Cookie
		}{
			{"a new visitor", nil},
			{"a browser with an ended session and a notice", []*http.Cookie{
				{Name: "plaza_session", Value: strings.Repeat("x", 43), Path: "/"},
				{Name: "plaza_flash", Value: "flash.saved", Path: "/"},
			}},
		} {
			for _, path := range []string{css[1], avatar[1], "/notices.atom", "/@metro/notices.atom", "/@metro/gtfs-rt/alerts", "/api/v1/openapi.json"} {
				t.Run(tt.name+" "+path, func(t *testing.T) {
					c := a.Client(t)
					c.HTTP.Jar.SetCookies(u, tt.cookies)
					res := c.Get(path)
					if res.Status != http.StatusOK || !strings.Contains(res.Header.Get("Cache-Control"), "public") {
						t.Fatalf("GET %s: status %d, Cache-Control %q; want a publicly cacheable 200", path, res.Status, res.Header.Get("Cache-Control"))
					}
					if sc := res.Header.Values("Set-Cookie"); len(sc) > 0 {
						t.Fatalf("GET %s sets cookies on a public response: %q", path, sc)
					}
				})
			}
		}
		// Pages with forms give a new visitor no cookie either: their
		// forms are guarded by the cross-origin check, and the public
		// ones are cacheable.
		for _, path := range []string{"/login", "/@metro", "/@metro/follow"} {
			if res := a.Client(t).Get(path); res.Status != http.StatusOK || len(res.Header.Values("Set-Cookie")) > 0 {
				t.Fatalf("GET %s: status %d, Set-Cookie %q; want no cookie for a new visitor", path, res.Status, res.Header.Values("Set-Cookie"))
			}
		}
	})
}

// TestInviteBoundToAddress proves an invitation link admits only the
// person it was sent to: another signed-in person holding the link is
// told so and gets nothing.
func TestInviteBoundToAddress(t *testing.T) {
	t.Parallel()
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := t.Context()
		owner := f.ByRole[models.RoleOwner]
		invite := func(email string, role models.Role) string {
			t.Helper()
			_, token, err := a.Orgs.CreateInvite(ctx, owner, f.Org.ID, email, role)
			if err != nil {
				t.Fatal(err)
			}
			return "/invite/" + token
		}
		memberships := func(u *models.User) int64 {
			return rowCount(t, a, "memberships", "organization_id = ? AND user_id = ?", f.Org.ID, u.ID)
		}

		link := invite("intended.person@example.org", models.RoleOwner)
		out := a.Client(t)
		out.Login(f.Outside.Email, apptest.Password)
		for _, zh := range []bool{false, true} {
			hdr := map[string]string(nil)
			want := []string{"This invitation is for intended.person@example.org", "signed in as " + f.Outside.Email, "sign out and open the link again"}
			if zh {
				hdr, want = map[string]string{"Accept-Language": "zh-CN"}, []string{"此邀请是发给intended.person@example.org的"}
			}
			expectBody(t, "another person opens the link", sendWith(t, a, out, http.MethodGet, link, nil, hdr), http.StatusForbidden, want...)
		}
		expectBody(t, "another person accepts", out.Post(link, nil), http.StatusForbidden, "This invitation is for intended.person@example.org")
		if n := memberships(f.Outside); n != 0 {
			t.Fatal("another signed-in person joined through someone else's invite")
		}
		if n := rowCount(t, a, "invites", "accepted_at IS NULL AND email = ?", "intended.person@example.org"); n != 1 {
			t.Fatal("the refused acceptance used up the invite")
		}
		// A member of the organization cannot take a higher role with it
		// either.
		viewer := a.Client(t)
		viewer.Login(f.ByRole[models.RoleViewer].Email, apptest.Password)
		expectBody(t, "a viewer takes an owner's invite", viewer.Post(link, nil), http.StatusForbidden, "This invitation is for")
		if m, err := a.Orgs.MemberOf(ctx, f.ByRole[models.RoleViewer], f.Org.ID); err != nil || m.Role != models.RoleViewer {
			t.Fatalf("viewer's role after a refused invite: %v, %v", m, err)
		}

		// The invited person, signed in with the address in other
		// capitals, accepts.
		intended, err := a.Orgs.CreateUser(ctx, org.NewUser{Email: "Intended.Person@Example.org", Name: "Intended", Password: apptest.Password})
		if err != nil {
			t.Fatal(err)
		}
		c := a.Client(t)
		c.Login("INTENDED.PERSON@example.org", apptest.Password)
		expectBody(t, "the invited person opens the link", c.Get(link), http.StatusOK, "Accept the invitation")
		if res := c.Post(link, nil); res.Status != http.StatusSeeOther {
			t.Fatalf("the invited person accepts: %s", res)
		}
		if n := memberships(intended); n != 1 {
			t.Fatal("the invited person did not join")
		}

		// Without a session, the account is made for the invited
		// address, whatever address the form is sent with.
		link = invite("new.person@example.org", models.RoleEditor)
		anon := a.Client(t)
		res := anon.Post(link, url.Values{"email": {"mallory@example.org"}, "name": {"New"}, "password": {"a long enough password"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("new account through the invite: %s", res)
		}
		if n := rowCount(t, a, "users", "email = ?", "mallory@example.org"); n != 0 {
			t.Fatal("an account was made for the address typed instead of the invited one")
		}
		if n := rowCount(t, a, "users", "email = ?", "new.person@example.org"); n != 1 {
			t.Fatal("no account for the invited address")
		}
	})
}

// TestSignInLockoutPerClient proves that failed sign-ins slow down the
// client that makes them, more with every failure, but never the real
// person signing in from elsewhere (the review's finding 19).
func TestSignInLockoutPerClient(t *testing.T) {
	t.Parallel()
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.StartWith(t, dbURL, behindProxy)
		f := apptest.Seed(t, a)
		email := f.ByRole[models.RoleEditor].Email
		signIn := func(t *testing.T, from, typed, password string) *apptest.Response {
			t.Helper()
			c := a.Client(t)
			form := url.Values{"email": {typed}, "password": {password}, "_csrf": {c.CSRF()}}
			return sendWith(t, a, c, http.MethodPost, "/login", strings.NewReader(form.Encode()), map[string]string{"X-Forwarded-For": from})
		}
		locked := func(t *testing.T, res *apptest.Response, most time.Duration) {
			t.Helper()
			expectBody(t, "locked", res, http.StatusTooManyRequests, msgTooMany)
			secs, err := strconv.Atoi(res.Header.Get("Retry-After"))
			if err != nil || secs <= int((most/2).Seconds()) || secs > int(most.Seconds()) {
				t.Fatalf("Retry-After %q: want more than %s and at most %s", res.Header.Get("Retry-After"), most/2, most)
			}
		}
		// endLock makes the stranger's current lock run out, as waiting
		// would.
		endLock := func(t *testing.T, client string) {
			t.Helper()
			err := a.DB.Gorm.Model(&models.RateLimit{}).Where("key = ?", handlers.LoginKey(email, client)).
				Update("window_end", a.Store.Now().Add(time.Hour)).Error
			if err != nil {
				t.Fatal(err)
			}
		}

		const stranger = "203.0.113.7"
		for range 5 {
			expectBody(t, "stranger's guess", signIn(t, stranger, strings.ToUpper(email), "wrong password!"), http.StatusUnauthorized, msgLoginFailed)
		}
		// The real person, on their own network, is not kept out.
		if res := signIn(t, "198.51.100.20", email, apptest.Password); res.Status != http.StatusSeeOther {
			t.Fatalf("the right password from another client after a stranger's failures: %s", res)
		}
		// The stranger's client is locked for a minute, even with the
		// right password.
		locked(t, signIn(t, stranger, email, apptest.Password), time.Minute)
		// Each further failure from the stranger doubles the lock, up to
		// 15 minutes.
		for _, most := range []time.Duration{2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 15 * time.Minute, 15 * time.Minute} {
			endLock(t, stranger)
			expectBody(t, "guess after the lock", signIn(t, stranger, email, "wrong password!"), http.StatusUnauthorized, msgLoginFailed)
			locked(t, signIn(t, stranger, email, apptest.Password), most)
		}
		if res := signIn(t, "198.51.100.20", email, apptest.Password); res.Status != http.StatusSeeOther {
			t.Fatalf("the right password from another client after ten failures elsewhere: %s", res)
		}

		// An IPv6 client is its /64: a new address in the same network
		// is the same client, another network is not.
		other := f.ByRole[models.RoleModerator].Email
		for i := range 5 {
			signIn(t, fmt.Sprintf("2001:db8:1:2::%x", i+1), other, "wrong password!")
		}
		locked(t, signIn(t, "2001:db8:1:2::beef", other, apptest.Password), time.Minute)
		if res := signIn(t, "2001:db8:1:3::1", other, apptest.Password); res.Status != http.StatusSeeOther {
			t.Fatalf("the right password from another /64: %s", res)
		}
	})
}

// TestIPv6ClientsGroupedBy64 is the review's finding 13: many addresses of
// one IPv6 /64 are one client for the feedback limit and for reports.
func TestIPv6ClientsGroupedBy64(t *testing.T) {
	t.Parallel()
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.StartWith(t, dbURL, behindProxy)
		f := apptest.Seed(t, a)
		p := openProject(t, a, f, "")
		post := func(c *apptest.Client, path, from string, form url.Values) *apptest.Response {
			t.Helper()
			form.Set("_csrf", c.CSRF())
			return sendWith(t, a, c, http.MethodPost, path, strings.NewReader(form.Encode()), map[string]string{"X-Forwarded-For": from})
		}

		t.Run("feedback limit", func(t *testing.T) {
			path := fmt.Sprintf("/@metro/projects/%d/feedback", p.ID)
			for _, tt := range []struct {
				name string
				from func(i int) string
			}{
				{"one IPv4 address", func(int) string { return "198.51.100.9" }},
				{"60 addresses of one /64", func(i int) string { return fmt.Sprintf("2001:db8:1:2::%x", i+1) }},
			} {
				t.Run(tt.name, func(t *testing.T) {
					c := a.Client(t)
					counts := map[int]int{}
					for i := range 60 {
						counts[post(c, path, tt.from(i), url.Values{"stance": {"oppose"}, "consent": {"on"}}).Status]++
					}
					if counts[http.StatusSeeOther] != 30 || counts[http.StatusTooManyRequests] != 30 {
						t.Fatalf("60 answers: %v; want 30 stored and 30 refused (the limit is 30 an hour)", counts)
					}
				})
			}
			// Another network is another client.
			if res := post(a.Client(t), path, "2001:db8:1:3::1", url.Values{"stance": {"support"}, "consent": {"on"}}); res.Status != http.StatusSeeOther {
				t.Fatalf("an answer from another /64: %s", res)
			}
		})

		t.Run("reports", func(t *testing.T) {
			pp, err := a.Projects.PublicProjectByID(t.Context(), "metro", p.ID)
			if err != nil {
				t.Fatal(err)
			}
			publish := func() *models.Feedback {
				sub, err := a.Projects.SubmitFeedback(t.Context(), pp, models.FeedbackInput{Stance: "support", Comment: "Build it.", Consent: true})
				if err != nil {
					t.Fatal(err)
				}
				if err := a.DB.Gorm.Exec("UPDATE feedback SET status = ? WHERE id = ?", models.FeedbackPublished, sub.Feedback.ID).Error; err != nil {
					t.Fatal(err)
				}
				return sub.Feedback
			}
			status := func(id int64) (string, int) {
				var fb models.Feedback
				if err := a.Store.DB().Where("id = ?", id).First(&fb).Error; err != nil {
					t.Fatal(err)
				}
				return string(fb.Status), fb.Reports
			}
			one, other := publish(), publish()
			for i := range 3 {
				res := post(a.Client(t), fmt.Sprintf("/@metro/projects/%d/comments/%d/report", p.ID, one.ID), fmt.Sprintf("2001:db8:5:6::beef:%d", i), url.Values{"reason": {"spam"}})
				if res.Status != http.StatusSeeOther {
					t.Fatalf("report %d: %s", i, res)
				}
			}
			if st, n := status(one.ID); st != string(models.FeedbackPublished) || n != 1 {
				t.Fatalf("after 3 reports from one /64: %s with %d reports; want published with 1", st, n)
			}
			// Three networks are three people.
			for i := range 3 {
				post(a.Client(t), fmt.Sprintf("/@metro/projects/%d/comments/%d/report", p.ID, other.ID), fmt.Sprintf("2001:db8:5:%x::1", 100+i), url.Values{"reason": {"spam"}})
			}
			if st, n := status(other.ID); st != string(models.FeedbackPending) || n != 3 {
				t.Fatalf("after reports from 3 networks: %s with %d reports; want pending with 3", st, n)
			}
			// The reporter is stored under a keyed hash, not one anyone
			// can recompute from an address.
			var reporters []string
			if err := a.DB.Gorm.Table("feedback_reports").Where("feedback_id = ?", one.ID).Pluck("reporter", &reporters).Error; err != nil {
				t.Fatal(err)
			}
			for _, plain := range []string{"2001:db8:5:6::/64", "2001:db8:5:6::beef:0"} {
				sum := sha256.Sum256([]byte("report:" + plain))
				for _, r := range reporters {
					if r == hex.EncodeToString(sum[:16]) {
						t.Fatalf("reporter %s is a bare hash of %s", r, plain)
					}
				}
			}
		})
	})
}
