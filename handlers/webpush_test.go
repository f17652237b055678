package handlers_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
	"github.com/plazahq/plaza/paths"
	wp "github.com/plazahq/plaza/webpush"
	"github.com/plazahq/plaza/webpush/webpushtest"
)

// fakePush is an RFC 8030 push service for one browser: it verifies the
// VAPID header against the instance's public key, decrypts what it is
// sent as the browser would, and answers with the next scripted status
// (201 when none is left).
type fakePush struct {
	t   *testing.T
	srv *httptest.Server
	sub *webpushtest.Subscriber
	key string

	mu      sync.Mutex
	script  []int
	got     []map[string]string
	headers []http.Header
	calls   int
}

// vapidKey is the public key a page subscribes with, as /webpush/key
// gives it.
func vapidKey(t *testing.T, c *apptest.Client) string {
	t.Helper()
	var key struct{ Key string }
	if err := json.Unmarshal([]byte(c.Get("/webpush/key").Body), &key); err != nil || key.Key == "" {
		t.Fatalf("/webpush/key: %q %v", key.Key, err)
	}
	return key.Key
}

func newFakePush(t *testing.T, key string) *fakePush {
	p := &fakePush{t: t, key: key}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.calls++
		_, k, err := webpushtest.VerifyAuthorization(r.Header.Get("Authorization"), p.srv.URL+r.URL.Path, time.Now())
		if err != nil || k != p.key {
			t.Errorf("VAPID: k %q, %v", k, err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		body, _ := io.ReadAll(r.Body)
		plain, err := p.sub.Decrypt(body)
		if err != nil {
			t.Errorf("decrypt: %v", err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		status := http.StatusCreated
		if len(p.script) > 0 {
			status, p.script = p.script[0], p.script[1:]
		}
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		if status < 300 {
			var m map[string]string
			if err := json.Unmarshal(plain, &m); err != nil {
				t.Errorf("payload %q: %v", plain, err)
			}
			p.got = append(p.got, m)
			p.headers = append(p.headers, r.Header.Clone())
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(p.srv.Close)
	var err error
	if p.sub, err = webpushtest.NewSubscriber(p.srv.URL + "/push/browser-1"); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *fakePush) then(statuses ...int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.script = append(p.script, statuses...)
}

func (p *fakePush) received() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.got)
}

// address is the follower address Plaza keeps for this browser: its
// subscription in the normal form handlers/webpush.go stores.
func (p *fakePush) address() string {
	s := p.sub.Subscription
	b, _ := json.Marshal(map[string]any{"endpoint": s.Endpoint, "keys": map[string]string{"p256dh": s.P256dh, "auth": s.Auth}})
	return string(b)
}

// take returns the payloads and headers of the messages delivered since
// the last call.
func (p *fakePush) take() ([]map[string]string, []http.Header) {
	p.mu.Lock()
	defer p.mu.Unlock()
	got, headers := p.got, p.headers
	p.got, p.headers = nil, nil
	return got, headers
}

func (p *fakePush) subscription() map[string]any {
	s := p.sub.Subscription
	return map[string]any{"endpoint": s.Endpoint, "expirationTime": nil, "keys": map[string]string{"p256dh": s.P256dh, "auth": s.Auth}}
}

// postJSON posts body as the page's script does (with the page's form
// token, none while signed out), or, with sameSite false, as a script of
// another site would: the browser marks it cross-site.
func postJSON(t *testing.T, c *apptest.Client, base, path string, body any, sameSite bool) (int, map[string]any) {
	t.Helper()
	var raw []byte
	if s, ok := body.(string); ok {
		raw = []byte(s)
	} else {
		raw, _ = json.Marshal(body)
	}
	req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(string(raw)))
	req.Header.Set("Content-Type", "application/json")
	if sameSite {
		req.Header.Set("X-CSRF-Token", c.CSRF())
	} else {
		req.Header.Set("Sec-Fetch-Site", "cross-site")
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out := map[string]any{}
	b, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(b, &out)
	return res.StatusCode, out
}

func TestWebPushSubscribeAndSend(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		fx := apptest.Seed(t, a)
		ctx := context.Background()
		c := a.Client(t)

		var key struct{ Key string }
		res := c.Get("/webpush/key")
		if err := json.Unmarshal([]byte(res.Body), &key); err != nil || res.Status != 200 || len(key.Key) != 87 {
			t.Fatalf("key: %d %q %v", res.Status, res.Body, err)
		}
		// Every instance on the database shares the key.
		if b := apptest.Start(t, dbURL).Client(t).Get("/webpush/key"); !strings.Contains(b.Body, key.Key) {
			t.Fatalf("another instance's key: %s", b.Body)
		}
		// Until the account turns browser notifications on, its pages
		// offer none and a subscription is refused.
		for _, page := range []string{"/@metro", "/@metro/follow"} {
			if r := c.Get(page); r.Status != 200 || strings.Contains(r.Body, "data-webpush") || strings.Contains(r.Body, "js/push.js") {
				t.Errorf("%s offers push while it is off: %d", page, r.Status)
			}
		}
		early := newFakePush(t, key.Key)
		if status, out := postJSON(t, c, a.URL, "/@metro/follow/webpush", map[string]any{"subscription": early.subscription()}, true); status != 404 || out["error"] != "webpush_off" {
			t.Fatalf("subscribing while off: %d %v", status, out)
		}
		// The switch on the chat page, drawn from the channel's schema.
		owner0 := a.Client(t)
		owner0.Login(fx.ByRole[models.RoleOwner].Email, apptest.Password)
		chat := paths.Chat(fx.Org.ID, "metro")
		if r := owner0.Get(chat); r.Status != 200 || !strings.Contains(r.Body, `action="`+chat+`/webpush#error-summary"`) || !strings.Contains(r.Body, "Browser notifications") {
			t.Fatalf("chat page has no Web Push switch: %s", r)
		}
		if r := owner0.Post(chat+"/webpush", url.Values{"enabled": {"on"}}); r.Status != 303 {
			t.Fatalf("turn on: %s", r)
		}
		if r := owner0.Get(chat); !strings.Contains(r.Body, `id="f-webpush-enabled" name="enabled" checked`) {
			t.Fatalf("the switch is not on: %s", r)
		}
		for _, page := range []string{"/@metro", "/@metro/follow"} {
			if r := c.Get(page); !strings.Contains(r.Body, `data-key="`+key.Key+`"`) || !strings.Contains(r.Body, "Get notifications in this browser") ||
				!strings.Contains(r.Body, "js/push.js") || !strings.Contains(r.Body, "data-webpush") {
				t.Errorf("%s has no push button", page)
			}
		}
		sw := c.Get("/sw.js")
		if sw.Status != 200 || !strings.HasPrefix(sw.Header.Get("Content-Type"), "text/javascript") ||
			sw.Header.Get("Service-Worker-Allowed") != "/" || !strings.Contains(sw.Body, "showNotification") {
			t.Fatalf("sw.js: %d %v", sw.Status, sw.Header)
		}

		push := newFakePush(t, key.Key)
		for _, tt := range []struct {
			name   string
			path   string
			body   any
			same   bool
			status int
			code   string
		}{
			{"not JSON", "/@metro/follow/webpush", "{nope", true, 400, "malformed"},
			{"no subscription", "/@metro/follow/webpush", map[string]any{"language": "en"}, true, 400, "malformed"},
			{"keys missing", "/@metro/follow/webpush", map[string]any{"subscription": map[string]any{"endpoint": push.sub.Subscription.Endpoint}}, true, 400, "invalid_subscription"},
			{"not http", "/@metro/follow/webpush", map[string]any{"subscription": map[string]any{"endpoint": "ftp://push.example/x",
				"keys": map[string]string{"p256dh": push.sub.Subscription.P256dh, "auth": push.sub.Subscription.Auth}}}, true, 400, "invalid_subscription"},
			{"unknown account", "/@nobody/follow/webpush", map[string]any{"subscription": push.subscription()}, true, 404, ""},
			{"from another site", "/@metro/follow/webpush", map[string]any{"subscription": push.subscription()}, false, 403, ""},
		} {
			status, out := postJSON(t, c, a.URL, tt.path, tt.body, tt.same)
			if code, _ := out["error"].(string); status != tt.status || code != tt.code {
				t.Errorf("%s: %d %v, want %d %q", tt.name, status, out, tt.status, tt.code)
			}
		}
		var n int64
		a.Store.DB().Model(&models.Follower{}).Where("channel = ?", models.ChannelWebPush).Count(&n)
		if n != 0 {
			t.Fatalf("%d webpush followers after refusals", n)
		}

		// The browser subscribes, twice: one follower.
		for range 2 {
			status, out := postJSON(t, c, a.URL, "/@metro/follow/webpush", map[string]any{"subscription": push.subscription(), "language": "zh-Hans"}, true)
			if status != 200 || out["status"] != models.StatusActive || out["language"] != "zh-Hans" {
				t.Fatalf("subscribe: %d %v", status, out)
			}
		}
		var f models.Follower
		if err := a.Store.DB().Where("channel = ?", models.ChannelWebPush).First(&f).Error; err != nil {
			t.Fatal(err)
		}
		if f.Source != "web" || f.Status != models.StatusActive || f.ConsentAt == nil || !strings.Contains(f.Address, push.sub.Subscription.Endpoint) {
			t.Fatalf("follower = %+v", f)
		}
		var events int64
		a.Store.DB().Table("follow_events").Where("follower_id = ? AND kind = ?", f.ID, "follow").Count(&events)
		if events != 1 {
			t.Errorf("%d follow events", events)
		}

		// Staff read the follower as a browser at its push service, not
		// as the subscription's keys.
		staff := a.Client(t)
		staff.Login(fx.ByRole[models.RoleOwner].Email, apptest.Password)
		host := strings.TrimPrefix(push.srv.URL, "http://")
		for _, page := range []string{paths.Followers(fx.Org.ID, "metro"), paths.Follower(fx.Org.ID, "metro", f.ID)} {
			if r := staff.Get(page); r.Status != 200 || !strings.Contains(r.Body, "Browser notifications · "+host) ||
				strings.Contains(r.Body, push.sub.Subscription.Auth) {
				t.Errorf("%s: %d, shows the subscription's keys or not its host", page, r.Status)
			}
		}

		// A notice arrives as a notification in Chinese; its update
		// (refused once with 429, then accepted) has the same Topic.
		a.StartWorkers(t)
		owner := fx.Member(models.RoleOwner)
		in := notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", "Route 12 detour", "body", "Buses use Harbour Road.").
			With("zh-Hans", "title", "12 路改道", "body", "公交改经海港路。")}
		nt, err := a.Notices.CreateNotice(ctx, owner, fx.Account, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.Notices.PublishNotice(ctx, owner, fx.Account, nt.ID, in); err != nil {
			t.Fatal(err)
		}
		if !apptest.Eventually(15*time.Second, func() bool { return push.received() == 1 }) {
			t.Fatalf("no push after publishing (%d calls)", push.calls)
		}
		push.mu.Lock()
		first, h := push.got[0], push.headers[0]
		push.mu.Unlock()
		if !strings.Contains(first["title"], "12 路改道") || first["body"] != "公交改经海港路。" || !strings.Contains(first["url"], "/@metro/") ||
			first["tag"] == "" || h.Get("Urgency") != "normal" || h.Get("TTL") != "3600" || h.Get("Topic") == "" || !wp.ValidTopic(h.Get("Topic")) {
			t.Fatalf("push = %v, headers %v", first, h)
		}
		// It carries the follower's signed stop link, titled in Chinese,
		// for the notification's "Stop" action.
		if !strings.HasPrefix(first["unsubscribe"], "http://plaza.test/f/unsubscribe/") || first["stop"] != "停止接收这些通知" {
			t.Fatalf("push = %v: no stop link", first)
		}
		stopLink := strings.TrimPrefix(first["unsubscribe"], "http://plaza.test")
		// And the signed preferences link, for its "Settings" action:
		// the page names the follower "this browser", never the
		// subscription's keys.
		if !strings.HasPrefix(first["preferences"], "http://plaza.test/f/preferences/") || first["settings"] != "设置" {
			t.Fatalf("push = %v: no preferences link", first)
		}
		prefs := strings.TrimPrefix(first["preferences"], "http://plaza.test")
		if r := c.Get(prefs); r.Status != 200 || !strings.Contains(r.Body, "For this browser (") || strings.Contains(r.Body, push.sub.Subscription.Auth) ||
			strings.Contains(r.Body, push.sub.Subscription.P256dh) || !strings.Contains(r.Body, `name="language"`) {
			t.Fatalf("preferences page: %s", r)
		}
		if r := c.Get(stopLink); r.Status != 200 || !strings.Contains(r.Body, "Stop all messages to this browser from") || strings.Contains(r.Body, push.sub.Subscription.Auth) {
			t.Fatalf("stop page: %s", r)
		}
		push.then(http.StatusTooManyRequests)
		in.Translations = models.Texts("en", "title", "Route 12 detour", "body", "Buses use Ocean Road.").
			With("zh-Hans", "title", "12 路改道", "body", "公交改经海洋路。")
		if _, _, err := a.Notices.UpdateNotice(ctx, owner, fx.Account, nt.ID, in); err != nil {
			t.Fatal(err)
		}
		if !apptest.Eventually(15*time.Second, func() bool { return push.received() == 2 }) {
			t.Fatalf("the update was not retried after 429 (%d calls)", push.calls)
		}
		push.mu.Lock()
		second, h2, calls := push.got[1], push.headers[1], push.calls
		push.mu.Unlock()
		if calls != 3 || second["tag"] != first["tag"] || h2.Get("Topic") != h.Get("Topic") || !strings.Contains(second["body"], "公交改经海洋路。") {
			t.Fatalf("update: %d calls, %v, topic %q vs %q", calls, second, h2.Get("Topic"), h.Get("Topic"))
		}

		// The browser unsubscribed: 410 ends the follow.
		push.then(http.StatusGone)
		n2, err := a.Notices.CreateNotice(ctx, owner, fx.Account, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.Notices.PublishNotice(ctx, owner, fx.Account, n2.ID, in); err != nil {
			t.Fatal(err)
		}
		if !apptest.Eventually(15*time.Second, func() bool {
			var g models.Follower
			a.Store.DB().First(&g, f.ID)
			return g.Status == models.StatusUnsubscribed
		}) {
			t.Fatal("410 did not end the follow")
		}
		// Subscribing again follows again.
		if status, out := postJSON(t, c, a.URL, "/@metro/follow/webpush", map[string]any{"subscription": push.subscription()}, true); status != 200 || out["status"] != models.StatusActive {
			t.Fatalf("resubscribe: %d %v", status, out)
		}
		// The notification's Stop opens the signed page, which asks; its
		// button stops the follow.
		var again models.Follower
		if a.Store.DB().First(&again, f.ID); again.Status != models.StatusActive {
			t.Fatalf("resubscribed: %+v", again)
		}
		if r := c.Get(stopLink); r.Status != 200 || !strings.Contains(r.Body, `method="post"`) {
			t.Fatalf("stop page: %s", r)
		}
		if r := c.Post(stopLink, nil); r.Status >= 400 {
			t.Fatalf("stop: %s", r)
		}
		var stopped models.Follower
		if a.Store.DB().First(&stopped, f.ID); stopped.Status != models.StatusUnsubscribed {
			t.Fatalf("after Stop: %+v", stopped)
		}
		// Subscribing again follows again.
		if status, out := postJSON(t, c, a.URL, "/@metro/follow/webpush", map[string]any{"subscription": push.subscription()}, true); status != 200 || out["status"] != models.StatusActive {
			t.Fatalf("resubscribe: %d %v", status, out)
		}
	})
}

// enableWebPush turns browser notifications on for the fixtures' account,
// as its switch on the chat page does.
func enableWebPush(t *testing.T, a *apptest.App, fx *apptest.Fixtures) {
	t.Helper()
	if err := a.Channels.SetChannel(context.Background(), fx.Member(models.RoleOwner), fx.Account, models.ChannelWebPush, true); err != nil {
		t.Fatal(err)
	}
}
