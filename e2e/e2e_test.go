// Package e2e_test drives Plaza in a real headless Chromium as people
// would use it: staff on a laptop, a citizen on a phone, mail through a
// real SMTP server; and it runs axe-core on the pages they see.
package e2e_test

import (
	"context"
	_ "embed"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/mailer/smtpsink"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/org"
)

// axe-core 4.14.1 (MPL-2.0), from the npm registry; see testdata/README.
//
//go:embed testdata/axe.min.js
var axeSource string

// chromium finds the browser. In CI the test must not skip for lack of it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("PLAZA_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (apt install chromium); browser tests cannot be skipped in CI")
	}
	t.Skip("chromium is not installed (apt install chromium)")
	return ""
}

// person is one browser with its own cookies: an admin, an editor, a
// citizen on a phone.
type person struct {
	t    *testing.T
	name string
	ctx  context.Context
	base string
}

func newPerson(t *testing.T, name, base string, phone bool) *person {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium(t)), chromedp.NoSandbox,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true), chromedp.WindowSize(1280, 900))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	p := &person{t: t, name: name, ctx: ctx, base: base}
	if phone {
		p.do("use a phone-sized screen", chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateTouch))
	}
	return p
}

// do runs steps and, if they fail, saves a screenshot of the page and
// fails the test with where to find it.
func (p *person) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.fail(what, err)
	}
}

func (p *person) fail(what string, err error) {
	p.t.Helper()
	shot := filepath.Join(artifactDir(p.t), strings.NewReplacer("/", "-", " ", "-").Replace(p.t.Name()+"-"+p.name)+".png")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(p.ctx), 10*time.Second)
	defer cancel()
	if buf, serr := chromedp.Run(sctx, chromedp.FullScreenshot(100)); serr == nil {
		_ = os.WriteFile(shot, buf, 0o644)
	}
	loc, _ := chromedp.Run(sctx, chromedp.Location())
	p.t.Fatalf("%s: %s failed at %s: %v (screenshot: %s)", p.name, what, loc, err, shot)
}

// artifactDir is where screenshots are kept after the test: the directory
// in PLAZA_E2E_ARTIFACTS, else e2e/artifacts (ignored by git).
func artifactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("PLAZA_E2E_ARTIFACTS")
	if dir == "" {
		dir = "artifacts" // tests run in the package directory, e2e/
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifact directory: %v", err)
	}
	return dir
}

func (p *person) open(path string) {
	p.t.Helper()
	p.do("open "+path, chromedp.Navigate(p.base+path), chromedp.WaitReady("body"))
}

func (p *person) text(sel string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Text(sel))
	if err != nil {
		p.fail("read "+sel, err)
	}
	return s
}

func (p *person) value(sel string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Value(sel))
	if err != nil {
		p.fail("read "+sel, err)
	}
	return s
}

func (p *person) location() string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Location())
	if err != nil {
		p.fail("read the address", err)
	}
	return strings.TrimPrefix(s, p.base)
}

// sees fails unless the page's main content contains want. It waits for
// it (as waitFor does): after submit the next page may still be loading,
// and reading main while the browser replaces it fails with "No node
// with given id found" (it did in CI).
func (p *person) sees(want string) {
	p.t.Helper()
	js := fmt.Sprintf(`(function () { const m = document.querySelector('main'); return !!m && m.innerText.includes(%q); })()`, want)
	// Polled from here, not with chromedp.Poll: a navigation ends the
	// page's script context, and a poll inside it with an error.
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if ok, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](js)); err == nil && ok {
			return
		}
	}
	if got := p.text("main"); !strings.Contains(got, want) {
		p.fail("look for "+fmt.Sprintf("%q", want), fmt.Errorf("the page says: %.400s", got))
	}
}

// submit clicks a button and waits for the next page.
func (p *person) submit(sel string) {
	p.t.Helper()
	p.do("press "+sel, chromedp.Click(sel), chromedp.Sleep(150*time.Millisecond), chromedp.WaitReady("body"))
}

func (p *person) login(email, password string) {
	p.t.Helper()
	p.open("/login")
	p.do("sign in", chromedp.SendKeys("#f-email", email), chromedp.SendKeys("#f-password", password))
	p.submit(`main button[type=submit]`)
}

// check ticks a checkbox or radio button by its value.
func (p *person) check(name, value string) {
	p.t.Helper()
	p.do("choose "+name+"="+value, chromedp.Click(fmt.Sprintf(`input[name=%q][value=%q]`, name, value)))
}

// waitFor polls a JavaScript condition on the page for up to 20 seconds.
func (p *person) waitFor(what, js string) {
	p.t.Helper()
	if _, err := chromedp.Run(p.ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		p.fail("wait for "+what, err)
	}
}

type violation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// axe runs axe-core's WCAG 2.0 and 2.1 A and AA rules on the current page
// and fails on any serious or critical violation.
func (p *person) axe() {
	p.t.Helper()
	if _, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](axeSource+";true")); err != nil {
		p.fail("load axe-core", err)
	}
	vs, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]violation](`axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
		.then(r => r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
		.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))})))`, chromedp.EvalAwaitPromise))
	if err != nil {
		p.fail("run axe-core", err)
	}
	if len(vs) > 0 {
		var b strings.Builder
		for _, v := range vs {
			fmt.Fprintf(&b, "\n  %s (%s): %s at %v", v.ID, v.Impact, v.Help, v.Nodes)
		}
		p.fail("accessibility check of "+p.location(), fmt.Errorf("%d serious or critical violations:%s", len(vs), b.String()))
	}
}

var (
	inviteRE  = regexp.MustCompile(`/invite/[A-Za-z0-9_-]+`)
	confirmRE = regexp.MustCompile(`http://plaza\.test(/f/confirm/[^\s]+)`)
	unsubRE   = regexp.MustCompile(`<http://plaza\.test(/f/unsubscribe/[^>]+)>`)
)

func waitMail(t *testing.T, sink *smtpsink.Server, to, subject string) smtpsink.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	m, err := sink.WaitFor(ctx, func(m smtpsink.Message) bool {
		return len(m.To) > 0 && m.To[0] == to && strings.Contains(m.Subject, subject)
	})
	if err != nil {
		var got []string
		for _, m := range sink.Messages() {
			got = append(got, fmt.Sprintf("%v %q", m.To, m.Subject))
		}
		t.Fatalf("no mail to %s about %q: %v (the mail that came: %v)", to, subject, err, got)
	}
	return m
}

// TestJourneys follows an organization from its creation to a notice in a
// citizen's inbox, and the citizen from a QR code to unsubscribing.
func TestJourneys(t *testing.T) {
	chromium(t)
	apptest.Each(t, func(t *testing.T, dbURL string) {
		sink, err := smtpsink.Start("127.0.0.1:0", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer sink.Close()
		a := apptest.StartWith(t, dbURL, func(c *config.Config) { c.SMTPURL = sink.URL() })
		a.StartWorkers(t) // the journeys wait for mail and broadcasts
		ctx := context.Background()
		if _, err := a.Orgs.CreateUser(ctx, org.NewUser{Email: "admin@city.test", Name: "Admin", Password: apptest.Password, IsAdmin: true}); err != nil {
			t.Fatal(err)
		}

		// A platform admin creates the organization and invites its owner.
		admin := newPerson(t, "admin", a.URL, false)
		admin.login("admin@city.test", apptest.Password)
		admin.open("/admin/orgs/new")
		admin.do("fill the organization", chromedp.SendKeys("#f-name", "Harbour City Transit"), chromedp.SetValue("#f-kind", "agency"))
		admin.submit(`main button[type=submit]`)
		admin.sees("Harbour City Transit")
		orgPath := admin.location()
		admin.do("invite the owner", chromedp.SendKeys(`form[action$="/invites#error-summary"] #f-email`, "owner@city.test"))
		admin.submit(`form[action$="/invites#error-summary"] button[type=submit]`)
		ownerInvite := inviteRE.FindString(admin.value("#invite-link"))
		if ownerInvite == "" {
			admin.fail("read the invitation link", fmt.Errorf("none on %s", orgPath))
		}
		admin.axe()

		// The owner joins and invites an editor.
		owner := newPerson(t, "owner", a.URL, false)
		owner.open(ownerInvite)
		owner.do("create an account", chromedp.SendKeys("#f-name", "Olu Owner"), chromedp.SendKeys("#f-password", "correct horse battery"))
		owner.submit(`main button[type=submit]`)
		studio := owner.location()
		if !strings.HasPrefix(studio, "/studio/orgs/") {
			owner.fail("land in the studio", fmt.Errorf("landed on %s", studio))
		}
		org := strings.Join(strings.Split(studio, "/")[:4], "/")
		owner.open(org + "/staff")
		owner.do("invite an editor", chromedp.SendKeys(`form[action$="/staff/invites#error-summary"] #f-email`, "editor@city.test"),
			chromedp.SetValue(`form[action$="/staff/invites#error-summary"] #f-role`, "editor"))
		owner.submit(`form[action$="/staff/invites#error-summary"] button[type=submit]`)
		editorInvite := inviteRE.FindString(owner.value("#invite-link"))

		// The editor joins, makes the account and a follow QR code.
		editor := newPerson(t, "editor", a.URL, false)
		editor.open(editorInvite)
		editor.do("create an account", chromedp.SendKeys("#f-name", "Eddie Editor"), chromedp.SendKeys("#f-password", "another good password"))
		editor.submit(`main button[type=submit]`)
		editor.open(org + "/accounts/new")
		editor.do("fill the account", chromedp.SendKeys("#f-handle", "harbourbus"), chromedp.SendKeys(chromedp.CSS(`[id="f-name.en"]`), "Harbour Buses"),
			chromedp.SetValue("#f-category", "transit"), chromedp.SendKeys("#f-topics", "line-12, line-7"))
		editor.axe()
		editor.submit(`main form button[type=submit]`)
		editor.open(org + "/accounts/harbourbus/codes/new")
		editor.do("fill the code", chromedp.SendKeys("#f-name", "Stop 1042"), chromedp.SendKeys("#f-scene", "stop-1042"))
		editor.submit(`main form button[type=submit]`)
		short := strings.TrimPrefix(editor.value("#short-link"), "http://plaza.test")
		editor.axe()

		// A citizen scans the poster with a phone and follows by e-mail.
		citizen := newPerson(t, "citizen", a.URL, true)
		citizen.open(short)
		citizen.sees("Harbour Buses")
		citizen.axe()
		citizen.do("give an address", chromedp.SendKeys("#f-address", "rider@example.org"))
		citizen.check("topics", "line-12")
		citizen.submit(`main form button[type=submit]`)
		citizen.sees("Check your inbox")
		confirm := confirmRE.FindStringSubmatch(waitMail(t, sink, "rider@example.org", "Confirm").Text)
		if confirm == nil {
			t.Fatal("no confirmation link in the mail")
		}
		citizen.open(confirm[1])
		citizen.submit(`main form button[type=submit]`)
		citizen.sees("Harbour Buses")
		waitMail(t, sink, "rider@example.org", "You now follow")

		// The editor publishes a transit notice; it reaches the citizen.
		editor.open(org + "/accounts/harbourbus/notices/new?kind=transit")
		editor.axe()
		editor.do("write the notice", chromedp.SendKeys(chromedp.CSS(`[id="f-title.en"]`), "Line 12 diverted"),
			chromedp.SendKeys(chromedp.CSS(`[id="f-body.en"]`), "Buses run via **Bridge Street** until 18:00."), chromedp.SendKeys("#f-routes", "12"),
			chromedp.SetValue("#f-effect", "DETOUR"), chromedp.SetValue("#f-cause", "CONSTRUCTION"))
		editor.check("tags", "line-12")
		editor.submit(`button[value=publish]`)
		editor.sees("Publish to 1 follower")
		editor.axe()
		editor.submit(`main form button[type=submit]`)
		editor.waitFor("the broadcast to finish, live on its page",
			`!!document.querySelector('#progress') && document.querySelector('#progress').innerText.includes('Finished')`)
		editor.axe()
		notice := waitMail(t, sink, "rider@example.org", "Line 12 diverted")
		if !strings.Contains(notice.HTML, "<strong>Bridge Street</strong>") {
			t.Fatalf("notice mail: %s", notice.HTML)
		}

		// The citizen reads it in Chinese and back.
		citizen.open("/@harbourbus")
		citizen.sees("Line 12 diverted")
		citizen.axe()
		citizen.submit(`a[href^="/lang/zh"]`)
		citizen.sees("关注")
		citizen.submit(`a[href^="/lang/en"]`)
		citizen.sees("Follow")
		citizen.open("/alerts")
		citizen.axe()

		// The citizen unsubscribes with the link from the mail.
		unsub := unsubRE.FindStringSubmatch(notice.Header.Get("List-Unsubscribe"))
		if unsub == nil {
			t.Fatalf("no unsubscribe link: %v", notice.Header)
		}
		citizen.open(unsub[1])
		citizen.axe()
		citizen.submit(`main form button[type=submit]`)
		citizen.sees("You are unsubscribed")
		var status string
		a.Store.DB().Raw(`SELECT status FROM followers WHERE address = 'rider@example.org'`).Scan(&status)
		if status != models.StatusUnsubscribed {
			t.Fatalf("follower status %q after unsubscribing", status)
		}
		if resp, err := http.Get(a.URL + "/healthz"); err != nil || resp.StatusCode != 200 {
			t.Fatalf("healthz after the journeys: %v", err)
		}
	})
}

// tabTo presses Tab until the element matching sel has the focus, the way
// a keyboard user reaches it, and fails if it never does.
func (p *person) tabTo(sel string) {
	p.t.Helper()
	for range 80 {
		on, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](fmt.Sprintf(`document.activeElement && document.activeElement.matches(%q)`, sel)))
		if err != nil {
			p.fail("read the focus", err)
		}
		if on {
			return
		}
		p.do("press Tab", chromedp.KeyEvent("\t"))
	}
	p.fail("reach "+sel+" with the Tab key", fmt.Errorf("80 presses did not get there"))
}

// TestKeyboardAndAccessibility publishes a notice with the keyboard alone
// and runs axe-core on the main public and studio pages.
func TestKeyboardAndAccessibility(t *testing.T) {
	chromium(t)
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		a.StartWorkers(t) // the journeys wait for mail and broadcasts
		f := apptest.Seed(t, a)
		ctx := context.Background()
		if _, err := a.Followers.SeedFollower(ctx, f.Account.ID, models.ChannelEmail, "a@example.org", "", "zh-Hans", nil, 0, ""); err != nil {
			t.Fatal(err)
		}
		editor := newPerson(t, "editor", a.URL, false)
		editor.login(f.ByRole[models.RoleEditor].Email, apptest.Password)
		org := fmt.Sprintf("/studio/orgs/%d", f.Org.ID)

		// Keyboard only: from the top of the editor to a published notice.
		editor.open(org + "/accounts/metro/notices/new")
		editor.tabTo(`[id="f-title.en"]`)
		editor.do("type the title", chromedp.KeyEvent("Escalator closed"))
		editor.tabTo(`[id="f-body.en"]`)
		editor.do("type the text", chromedp.KeyEvent("Use the lift at exit B."))
		editor.tabTo(`button[value=publish]`)
		editor.do("press Enter", chromedp.KeyEvent("\r"), chromedp.Sleep(200*time.Millisecond), chromedp.WaitReady("body"))
		editor.sees("Publish to 1 follower")
		editor.tabTo(`main form button[type=submit]`)
		editor.do("press Enter", chromedp.KeyEvent("\r"), chromedp.Sleep(200*time.Millisecond), chromedp.WaitReady("body"))
		editor.waitFor("the broadcast to finish", `!!document.querySelector('#progress') && document.querySelector('#progress').innerText.includes('Finished')`)
		var n models.Notice
		a.Store.DB().Where("account_id = ?", f.Account.ID).Order("id DESC").First(&n)
		if n.Translations.Get("en", "title") != "Escalator closed" || n.Status != models.NoticePublished {
			t.Fatalf("keyboard-published notice is %q", n.Status)
		}

		// Every main page passes axe-core's WCAG 2.1 AA rules.
		for _, path := range []string{org, org + "/accounts", org + "/accounts/metro/notices", fmt.Sprintf("%s/accounts/metro/notices/%d", org, n.ID),
			org + "/accounts/metro/followers", org + "/accounts/metro/codes", org + "/accounts/metro/delivery", org + "/staff", org + "/audit",
			org + "/accounts/metro/projects", org + "/accounts/metro/projects/new"} {
			editor.open(path)
			editor.axe()
		}
		owner := newPerson(t, "owner", a.URL, false)
		owner.login(f.ByRole[models.RoleOwner].Email, apptest.Password)
		for _, path := range []string{org + "/settings", org + "/api-tokens"} {
			owner.open(path)
			owner.axe()
		}
		citizen := newPerson(t, "citizen", a.URL, true)
		for _, path := range []string{"/", "/accounts", "/@metro", "/@metro/notices", fmt.Sprintf("/@metro/notices/%d", n.ID),
			fmt.Sprintf("/@metro/notices/%d?lang=zh", n.ID), "/@metro/alerts", "/@metro/alerts?near=22.31,114.11", "/alerts?near=north", "/@metro/follow", "/login"} {
			citizen.open(path)
			citizen.axe()
		}
		// No page needs sideways scrolling on a 360-pixel phone.
		for _, path := range []string{"/", "/@metro", fmt.Sprintf("/@metro/notices/%d", n.ID), "/@metro/follow"} {
			citizen.open(path)
			wide, err := chromedp.Run(citizen.ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
			if err != nil || wide {
				citizen.fail("fit "+path+" on a phone", fmt.Errorf("the page is wider than the screen (%v)", err))
			}
		}
	})
}
