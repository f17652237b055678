package main

import (
	"context"
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
	"github.com/plazahq/plaza/models"
)

var csrfRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

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
	_, page := b.get(base + "/login")
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		b.t.Fatalf("no CSRF token on %s/login", base)
	}
	resp, err := b.http.PostForm(base+"/login", url.Values{"_csrf": {m[1]}, "email": {email}, "password": {password}})
	if err != nil {
		b.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestTwoInstancesOnOneDatabase runs two real `plaza serve` processes on
// one database, as behind a load balancer, and checks what they must
// share: sessions, the sign-in rate limit, scheduled publishing (once),
// broadcast work (no double sends) and feed polling (one poll per
// interval).
func TestTwoInstancesOnOneDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real Plaza processes")
	}
	apptest.Each(t, func(t *testing.T, dbURL string) {
		const followers = 3000
		r := newBroadcastRun(t, dbURL, followers)
		ctx := context.Background()
		s := r.a.Store
		var fx models.User
		s.DB().Where("email = ?", "owner@metro.test").First(&fx)
		var acc models.Account
		s.DB().Where("handle = ?", "metro").First(&acc)
		owner, err := s.MemberOf(ctx, &fx, acc.OrganizationID)
		if err != nil {
			t.Fatal(err)
		}
		// A notice scheduled to publish itself while both run.
		in := models.NoticeInput{Kind: models.NoticeGeneral, TitleEn: "Scheduled", BodyEn: "Once.", Tags: []string{"line-12"}}
		at := time.Now().Add(2 * time.Second)
		in.PublishAt = &at
		sched, err := s.CreateNotice(ctx, owner, &acc, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.PublishNotice(ctx, owner, &acc, sched.ID, in); err != nil {
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
		if err := s.SaveAlertFeed(ctx, owner, &acc, models.AlertFeedInput{URL: feed.URL, Interval: "600"}); err != nil {
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

		// The broadcast is shared without double sends, and the scheduled
		// notice publishes once.
		deadline := time.Now().Add(60 * time.Second)
		r.waitDone(deadline)
		for {
			bs, err := s.NoticeBroadcasts(ctx, sched.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(bs) > 1 {
				t.Fatalf("the scheduled notice was published %d times", len(bs))
			}
			if len(bs) == 1 && bs[0].Status == models.BroadcastDone {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the scheduled notice did not go out: %+v", bs)
			}
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(time.Second) // let both schedulers tick again
		if bs, _ := s.NoticeBroadcasts(ctx, sched.ID); len(bs) != 1 {
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
		// One poll of the feed per interval, whoever polls.
		mu.Lock()
		n := polls
		mu.Unlock()
		if n != 1 {
			t.Fatalf("the feed was polled %d times by two instances within its interval", n)
		}
		f, _ := s.AlertFeedOf(ctx, owner, &acc)
		if f == nil || !strings.Contains(f.LastError, "503") {
			t.Fatalf("the feed's failure was not recorded: %+v", f)
		}
	})
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never became ready: %v", base, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
