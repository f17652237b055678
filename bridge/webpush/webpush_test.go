package webpush

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/outbound"
	"github.com/plazahq/plaza/secrets"
	wp "github.com/plazahq/plaza/webpush"
	"github.com/plazahq/plaza/webpush/webpushtest"
)

// pushService is an RFC 8030 push service for one subscriber: it checks
// the VAPID header, decrypts the body as the browser would and answers
// with the scripted status.
type pushService struct {
	t   *testing.T
	srv *httptest.Server
	sub *webpushtest.Subscriber

	mu      sync.Mutex
	status  int
	header  http.Header
	got     []Payload
	headers []http.Header
}

func newPushService(t *testing.T) *pushService {
	p := &pushService{t: t, status: http.StatusCreated}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		defer p.mu.Unlock()
		endpoint := p.srv.URL + r.URL.Path
		if _, k, err := webpushtest.VerifyAuthorization(r.Header.Get("Authorization"), endpoint, time.Now()); err != nil || k == "" {
			t.Errorf("VAPID: %v", err)
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
		var pl Payload
		if err := json.Unmarshal(plain, &pl); err != nil {
			t.Errorf("payload %q: %v", plain, err)
		}
		p.got = append(p.got, pl)
		p.headers = append(p.headers, r.Header.Clone())
		for k, v := range p.header {
			w.Header()[k] = v
		}
		w.WriteHeader(p.status)
	}))
	t.Cleanup(p.srv.Close)
	var err error
	if p.sub, err = webpushtest.NewSubscriber(p.srv.URL + "/push/abc"); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *pushService) answer(status int, h http.Header) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.status, p.header = status, h
}

func (p *pushService) address() string {
	s := p.sub.Subscription
	b, _ := json.Marshal(map[string]any{"endpoint": s.Endpoint, "keys": map[string]string{"p256dh": s.P256dh, "auth": s.Auth}})
	return string(b)
}

func local(t testing.TB) *http.Client {
	t.Helper()
	p, err := outbound.ParsePolicy(outbound.Loopback)
	if err != nil {
		t.Fatal(err)
	}
	return outbound.NewClient(p)
}

func newChannel(t *testing.T) *Channel {
	keys, err := wp.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	return New(keys, Subject("http://plaza.test", "Plaza <no-reply@plaza.test>"), local(t), nil)
}

func message(addr string, kind string, emergency bool) *broadcast.Message {
	return &broadcast.Message{
		Content: &broadcast.Content{BroadcastID: 7, NoticeID: 3, Kind: kind, NoticeKind: "transit", Language: "en",
			AccountID: 1, AccountHandle: "metro", AccountName: "Metro", Subject: "Update: Route 12 detour", Title: "Route 12 detour",
			Text: strings.Repeat("Buses run on Harbour Road while the bridge is repaired. ", 10), URL: "http://plaza.test/@metro/notices/3",
			Emergency: emergency},
		To:      broadcast.Recipient{FollowerID: 42, Channel: "webpush", Address: addr, Language: "en"},
		Attempt: 1, DeliveryID: "7-42",
	}
}

func TestSendEncryptsSignsAndSetsHeaders(t *testing.T) {
	ps := newPushService(t)
	ch := newChannel(t)
	if res := ch.Send(context.Background(), message(ps.address(), broadcast.KindPublish, false)); res.Outcome != broadcast.Sent {
		t.Fatalf("result = %+v", res)
	}
	if res := ch.Send(context.Background(), message(ps.address(), broadcast.KindUpdate, true)); res.Outcome != broadcast.Sent {
		t.Fatalf("result = %+v", res)
	}
	if len(ps.got) != 2 {
		t.Fatalf("pushed %d", len(ps.got))
	}
	p := ps.got[0]
	if p.Title != "Update: Route 12 detour" || p.URL != "http://plaza.test/@metro/notices/3" || p.Tag != "notice-3" ||
		len([]rune(p.Body)) > BodyRunes || !strings.HasSuffix(p.Body, "…") || !strings.HasPrefix(p.Body, "Buses run on Harbour Road") {
		t.Fatalf("payload = %+v", p)
	}
	ordinary, emergency := ps.headers[0], ps.headers[1]
	if ordinary.Get("TTL") != "3600" || ordinary.Get("Urgency") != "normal" || ordinary.Get("Content-Encoding") != "aes128gcm" {
		t.Errorf("ordinary headers = %v", ordinary)
	}
	if emergency.Get("TTL") != "21600" || emergency.Get("Urgency") != "high" {
		t.Errorf("emergency headers = %v", emergency)
	}
	// The update replaces the first notification: same Topic, same tag.
	if ordinary.Get("Topic") == "" || ordinary.Get("Topic") != emergency.Get("Topic") || ps.got[1].Tag != p.Tag ||
		ordinary.Get("Topic") != wp.TopicFor("notice-3") {
		t.Errorf("topics %q, %q", ordinary.Get("Topic"), emergency.Get("Topic"))
	}
}

func TestResults(t *testing.T) {
	for _, tt := range []struct {
		status      int
		header      http.Header
		outcome     broadcast.Outcome
		unsubscribe bool
		retryAfter  time.Duration
	}{
		{http.StatusCreated, nil, broadcast.Sent, false, 0},
		{http.StatusGone, nil, broadcast.Failed, true, 0},
		{http.StatusNotFound, nil, broadcast.Failed, true, 0},
		{http.StatusTooManyRequests, http.Header{"Retry-After": {"120"}}, broadcast.Retry, false, 2 * time.Minute},
		{http.StatusServiceUnavailable, nil, broadcast.Retry, false, 0},
		{http.StatusBadGateway, http.Header{"Retry-After": {"7"}}, broadcast.Retry, false, 7 * time.Second},
		{http.StatusBadRequest, nil, broadcast.Failed, false, 0},
		{http.StatusRequestEntityTooLarge, nil, broadcast.Failed, false, 0},
	} {
		ps := newPushService(t)
		ps.answer(tt.status, tt.header)
		res := newChannel(t).Send(context.Background(), message(ps.address(), broadcast.KindPublish, false))
		if res.Outcome != tt.outcome || res.Unsubscribe != tt.unsubscribe || res.RetryAfter != tt.retryAfter {
			t.Errorf("HTTP %d: result = %+v", tt.status, res)
		}
	}
}

func TestBadSubscriptionEndsTheFollow(t *testing.T) {
	res := newChannel(t).Send(context.Background(), message(`{"endpoint":"https://push.example/x"}`, broadcast.KindPublish, false))
	if res.Outcome != broadcast.Failed || !res.Unsubscribe {
		t.Fatalf("result = %+v", res)
	}
}

func TestShort(t *testing.T) {
	for _, tt := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"  many   spaces\nhere ", 20, "many spaces here"},
		{"one two three four five", 12, "one two…"},
		{"地铁十二路因施工改道绕行海港路", 8, "地铁十二路因施…"},
	} {
		if got := Short(tt.in, tt.n); got != tt.want {
			t.Errorf("Short(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

type memStore map[string]string

func (m memStore) InstanceValue(ctx context.Context, name string, gen func() (string, error)) (string, error) {
	if v, ok := m[name]; ok {
		return v, nil
	}
	v, err := gen()
	m[name] = v
	return v, err
}

func TestLoadKeysGeneratesOnceAndSealsThePrivateKey(t *testing.T) {
	key, _ := secrets.GenerateKey()
	box, err := secrets.New(key)
	if err != nil {
		t.Fatal(err)
	}
	store := memStore{}
	k1, err := LoadKeys(context.Background(), store, box)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := LoadKeys(context.Background(), store, box)
	if err != nil || k2.Public != k1.Public || k2.Private != k1.Private {
		t.Fatalf("second load = %+v, %v", k2, err)
	}
	if strings.Contains(store[keysSetting], k1.Private) || !strings.HasPrefix(store[keysSetting], k1.Public+" ") {
		t.Fatalf("stored %q", store[keysSetting])
	}
	other, _ := secrets.GenerateKey()
	otherBox, _ := secrets.New(other)
	if _, err := LoadKeys(context.Background(), store, otherBox); err == nil {
		t.Fatal("keys opened with another secret key")
	}
}

// links signs nothing: it names the follower in plain links.
type links struct{}

func (links) Unsubscribe(id int64) string {
	return "http://plaza.test/f/unsubscribe/" + strconv.FormatInt(id, 10)
}
func (links) Preferences(id int64) string {
	return "http://plaza.test/f/preferences/" + strconv.FormatInt(id, 10)
}

// TestPayloadCarriesStopAndSettings: with links, each notification has
// the follower's stop and preferences links and their actions' labels in
// the follower's language; without, neither.
func TestPayloadCarriesStopAndSettings(t *testing.T) {
	ps := newPushService(t)
	keys, err := wp.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	ch := New(keys, Subject("http://plaza.test", ""), local(t), links{})
	m := message(ps.address(), broadcast.KindPublish, false)
	m.To.Language = "es"
	if res := ch.Send(context.Background(), m); res.Outcome != broadcast.Sent {
		t.Fatalf("result = %+v", res)
	}
	if res := newChannel(t).Send(context.Background(), message(ps.address(), broadcast.KindPublish, false)); res.Outcome != broadcast.Sent {
		t.Fatalf("result = %+v", res)
	}
	got := ps.got[0]
	if got.Unsubscribe != "http://plaza.test/f/unsubscribe/42" || got.Stop != "Dejar de recibir estas notificaciones" ||
		got.Preferences != "http://plaza.test/f/preferences/42" || got.Settings != "Preferencias" {
		t.Fatalf("payload = %+v", got)
	}
	if p := ps.got[1]; p.Unsubscribe != "" || p.Preferences != "" || p.Settings != "" {
		t.Fatalf("without links: %+v", p)
	}
}

// TestSchemaIsASwitch: the chat page gives Web Push its on/off switch
// and nothing to fill in.
func TestSchemaIsASwitch(t *testing.T) {
	sc := newChannel(t).Schema()
	if !sc.Switch || !sc.Settable() || len(sc.Fields) != 0 || sc.Title != "channel.webpush" || sc.Hint == "" {
		t.Fatalf("schema = %+v", sc)
	}
}
