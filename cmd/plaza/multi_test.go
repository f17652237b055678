package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/bridge/wechat"
	"github.com/plazahq/plaza/bridge/wechat/wechattest"
	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/jobs"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/alertsource"
	"github.com/plazahq/plaza/models/channel"
	"github.com/plazahq/plaza/models/notice"
	"github.com/plazahq/plaza/models/project"
)

var csrfRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// formToken is the form token on a page: a signed-in browser's pages carry
// one; anonymous pages carry none (their forms are guarded by the
// cross-origin check alone), and "" is sent.
func formToken(page string) string {
	if m := csrfRE.FindStringSubmatch(page); m != nil {
		return m[1]
	}
	return ""
}

// browserClient is a person with a cookie jar, talking to whichever
// instance the load balancer would send them to.
type browserClient struct {
	t    *testing.T
	http *http.Client
}

func newBrowserClient(t *testing.T) *browserClient {
	jar, _ := cookiejar.New(nil)
	return &browserClient{t: t, http: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browserClient) get(u string) (int, string) {
	b.t.Helper()
	resp, err := b.http.Get(u)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func (b *browserClient) login(base, email, password string) int {
	b.t.Helper()
	if status, _ := b.get(base + "/login"); status != http.StatusOK {
		b.t.Fatalf("%s/login: status %d", base, status)
	}
	resp, err := b.http.PostForm(base+"/login", url.Values{"email": {email}, "password": {password}})
	if err != nil {
		b.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// post sends a form from page (whose CSRF token it takes) to action.
func (b *browserClient) post(page, action string, form url.Values) (int, string) {
	b.t.Helper()
	status, body := b.get(page)
	if status != http.StatusOK {
		b.t.Fatalf("%s: status %d", page, status)
	}
	form.Set("_csrf", formToken(body))
	resp, err := b.http.PostForm(action, form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location") + string(out)
}

// TestTwoInstancesOnOneDatabase runs two real `plaza serve` processes on
// one database, as behind a load balancer, and checks what they must
// share: sessions, the sign-in and feedback rate limits, scheduled
// publishing (once), broadcast work (no double sends), the chat
// platform's access token (fetched once) and feed polling (one poll per
// interval). Only on PostgreSQL: a second serve on a SQLite file refuses
// to start (TestSecondServeOnSQLiteRefuses).
func TestTwoInstancesOnOneDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real Plaza processes")
	}
	apptest.Each(t, func(t *testing.T, dbURL string) {
		if strings.HasPrefix(dbURL, "sqlite:") {
			t.Skip("several instances share PostgreSQL only; a second serve refuses a SQLite file")
		}
		const followers = 3000
		r := newBroadcastRun(t, dbURL, followers)
		ctx := context.Background()
		s := r.a.Store
		fol := r.a.Followers
		var fx models.User
		s.DB().Where("email = ?", "owner@metro.test").First(&fx)
		var acc models.Account
		s.DB().Where("handle = ?", "metro").First(&acc)
		owner, err := r.a.Orgs.MemberOf(ctx, &fx, acc.OrganizationID)
		if err != nil {
			t.Fatal(err)
		}
		// A notice scheduled to publish itself while both run.
		in := notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", "Scheduled", "body", "Once."), Tags: []string{"line-12"}}
		at := time.Now().Add(2 * time.Second)
		in.PublishAt = &at
		sched, err := r.a.Notices.CreateNotice(ctx, owner, &acc, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := r.a.Notices.PublishNotice(ctx, owner, &acc, sched.ID, in); err != nil {
			t.Fatal(err)
		}
		// An alert feed both instances would like to poll.
		var polls int
		var mu sync.Mutex
		feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			mu.Lock()
			polls++
			mu.Unlock()
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		}))
		defer feed.Close()
		if err := r.a.AlertSources.Save(ctx, owner, &acc, alertsource.Input{URL: feed.URL, Interval: "600"}); err != nil {
			t.Fatal(err)
		}

		// An open consultation, answered through both instances.
		closes := time.Now().Add(48 * time.Hour)
		proj, err := r.a.Projects.CreateProject(ctx, owner, &acc, project.Input{Translations: models.Translations{"en": {"title": "Harbour bridge"}}, Public: true, ClosesAt: &closes}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.a.Projects.SetProjectStatus(ctx, owner, &acc, proj.ID, models.StatusChange{Status: models.ProjectConsultation}, nil); err != nil {
			t.Fatal(err)
		}
		// WeChat, against a stand-in for its API: followers who wrote
		// today get a notice as customer-service messages, and staff
		// reply from the inbox on both instances.
		wx := wechattest.NewAPI("wx1234567890abcdef", "multi-secret")
		defer wx.Close()
		r.env = []string{"PLAZA_WECHAT_API_URL=" + wx.URL}
		if err := r.a.Channels.Save(ctx, owner, &acc, models.ChannelWeChat, wechat.SettingsSchema, channel.Settings{Enabled: true,
			Values: map[string]string{wechat.FieldAppID: wx.AppID, wechat.FieldAppSecret: wx.AppSecret}}); err != nil {
			t.Fatal(err)
		}
		const wxFollowers = 150
		chats := r.a.Chats
		for i := range wxFollowers {
			id := fmt.Sprintf("oMulti%03d", i)
			if _, err := fol.SeedFollower(ctx, acc.ID, models.ChannelWeChat, id, "", "en", []string{"wechat-riders"}, 0, ""); err != nil {
				t.Fatal(err)
			}
			msg := &models.ChatMessage{AccountID: acc.ID, Channel: models.ChannelWeChat, Address: id, Direction: "in", Body: "Hello", CreatedAt: time.Now()}
			if err := chats.TouchConversation(ctx, s.Core, msg, i < 2); err != nil {
				t.Fatal(err)
			}
		}
		// They also follow the account, so the notice to everyone reaches
		// them too.
		r.followers += wxFollowers
		win := notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", "WeChat riders", "body", "Line 3 is back."), Tags: []string{"wechat-riders"}}
		wn, err := r.a.Notices.CreateNotice(ctx, owner, &acc, win)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := r.a.Notices.PublishNotice(ctx, owner, &acc, wn.ID, win); err != nil {
			t.Fatal(err)
		}

		addrA, addrB := freeAddr(t), freeAddr(t)
		a := r.serve(addrA, 2, 100)
		b := r.serve(addrB, 2, 100)
		defer func() {
			_ = a.Process.Signal(syscall.SIGTERM)
			_ = b.Process.Signal(syscall.SIGTERM)
			_ = a.Wait()
			_ = b.Wait()
		}()
		urlA, urlB := "http://"+addrA, "http://"+addrB
		waitHealthy(t, urlA)
		waitHealthy(t, urlB)

		// A session made on one instance works on the other.
		p := newBrowserClient(t)
		if code := p.login(urlA, "owner@metro.test", apptest.Password); code != http.StatusSeeOther {
			t.Fatalf("sign in on A: %d", code)
		}
		if code, body := p.get(urlB + "/studio"); code != 200 || !strings.Contains(body, "Metro Transit") {
			t.Fatalf("the session from A on B: %d", code)
		}
		// Failed sign-ins count across instances.
		attacker := newBrowserClient(t)
		for i := range 5 {
			base := urlA
			if i%2 == 1 {
				base = urlB
			}
			if code := attacker.login(base, "editor@metro.test", "wrong password"); code != http.StatusUnauthorized {
				t.Fatalf("failed sign-in %d: %d", i, code)
			}
		}
		for _, base := range []string{urlA, urlB} {
			if code := attacker.login(base, "editor@metro.test", apptest.Password); code != http.StatusTooManyRequests {
				t.Fatalf("sixth sign-in on %s after five failures on both: %d", base, code)
			}
		}

		// Feedback limits count across instances: one contact may answer
		// five times an hour, wherever the answers land.
		citizen := newBrowserClient(t)
		projPage := fmt.Sprintf("%s/@metro/projects/%d", urlA, proj.ID)
		for i := range 6 {
			base := []string{urlA, urlB}[i%2]
			code, where := citizen.post(projPage, fmt.Sprintf("%s/@metro/projects/%d/feedback", base, proj.ID), url.Values{
				"stance": {"support"}, "consent": {"on"}, "contact": {"same-person@example.org"}, "comment": {fmt.Sprint("Answer ", i)}})
			switch {
			case i < 5 && (code != http.StatusSeeOther || !strings.Contains(where, "/thanks")):
				t.Fatalf("answer %d on %s: %d %s", i+1, base, code, where)
			case i == 5 && code != http.StatusTooManyRequests:
				t.Fatalf("sixth answer from one contact, after five on both instances: %d", code)
			}
		}

		// Staff reply from the inbox on A, then on B: one access token,
		// fetched once, serves both.
		convs, _, err := chats.Inbox(ctx, owner, &acc, models.InboxFilter{Status: "open"})
		if err != nil || len(convs) != 2 {
			t.Fatalf("open conversations: %d %v", len(convs), err)
		}
		for i, base := range []string{urlA, urlB} {
			conv := fmt.Sprintf("%s/studio/orgs/%d/accounts/metro/inbox/%d", base, acc.OrganizationID, convs[i].ID)
			if code, body := p.post(conv, conv+"/reply", url.Values{"text": {"We are on it."}}); code != http.StatusSeeOther {
				t.Fatalf("reply on %s: %d %s", base, code, body)
			}
		}

		// The broadcast is shared without double sends, and the scheduled
		// notice publishes once.
		deadline := time.Now().Add(60 * time.Second)
		r.waitDone(deadline)
		var bs []models.Broadcast
		if !apptest.Eventually(time.Until(deadline), func() bool {
			var err error
			if bs, err = broadcast.NewService(s, nil).ForNotice(ctx, sched.ID); err != nil {
				t.Fatal(err)
			}
			if len(bs) > 1 {
				t.Fatalf("the scheduled notice was published %d times", len(bs))
			}
			return len(bs) == 1 && bs[0].Status == models.BroadcastDone
		}) {
			t.Fatalf("the scheduled notice did not go out: %+v", bs)
		}
		// The leader's scan runs again, and any publication it queued
		// has run.
		apptest.WaitForLaterJob(t, s.DB(), jobs.ScanScheduled{}.Kind(), 20*time.Second)
		apptest.WaitForJobsDone(t, s.DB(), jobs.PublishNotice{}.Kind(), 20*time.Second)
		if bs, _ := broadcast.NewService(s, nil).ForNotice(ctx, sched.ID); len(bs) != 1 {
			t.Fatalf("the scheduled notice was published %d times", len(bs))
		}
		// Everyone got the first notice once; the line-12 followers got
		// the scheduled one too, once.
		var tagged []int64
		s.DB().Raw(`SELECT t.follower_id FROM follower_tags t JOIN followers f ON f.id = t.follower_id WHERE t.tag = 'line-12' AND f.channel = 'webhook'`).Scan(&tagged)
		want := map[int64]int{}
		for _, id := range tagged {
			want[id] = 1
		}
		r.rcv.mu.Lock()
		if len(r.rcv.got) != followers || r.rcv.bad != 0 {
			t.Fatalf("%d of %d followers reached, %d bad requests", len(r.rcv.got), followers, r.rcv.bad)
		}
		for id, n := range r.rcv.got {
			if n != 1+want[id] {
				t.Fatalf("follower %d got %d messages, want %d", id, n, 1+want[id])
			}
		}
		r.rcv.mu.Unlock()
		// Every WeChat follower got each of the two notices once, and the
		// two instances shared one access token for them and the replies.
		if !apptest.Eventually(time.Until(deadline), func() bool {
			var err error
			if bs, err = broadcast.NewService(s, nil).ForNotice(ctx, wn.ID); err != nil {
				t.Fatal(err)
			}
			return len(bs) == 1 && bs[0].Status == models.BroadcastDone
		}) {
			t.Fatalf("the WeChat notice did not go out: %+v", bs)
		}
		if bs[0].Sent != wxFollowers {
			t.Fatalf("WeChat broadcast: %+v", bs[0])
		}
		perPerson := map[string]int{}
		replies := 0
		for _, m := range wx.Sent() {
			if m.Text == "We are on it." {
				replies++
				continue
			}
			perPerson[m.To[0]]++
		}
		if len(perPerson) != wxFollowers || replies != 2 {
			t.Fatalf("WeChat got notices for %d people and %d replies", len(perPerson), replies)
		}
		for who, n := range perPerson {
			if n != 2 {
				t.Fatalf("%s got %d notices, want 2", who, n)
			}
		}
		if n := wx.TokensIssued(); n != 1 {
			t.Fatalf("two instances fetched %d access tokens; one shared token is enough", n)
		}

		// One poll of the feed per interval, whoever polls.
		mu.Lock()
		n := polls
		mu.Unlock()
		if n != 1 {
			t.Fatalf("the feed was polled %d times by two instances within its interval", n)
		}
		f, _ := r.a.AlertSources.Of(ctx, owner, &acc)
		if f == nil || !strings.Contains(f.LastError, "503") {
			t.Fatalf("the feed's failure was not recorded: %+v", f)
		}
	})
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	var err error
	if !apptest.Eventually(20*time.Second, func() bool {
		var resp *http.Response
		if resp, err = http.Get(base + "/readyz"); err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	}) {
		t.Fatalf("%s never became ready: %v", base, err)
	}
}
