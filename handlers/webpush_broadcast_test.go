package handlers_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
	"github.com/plazahq/plaza/webpush/webpushtest"
)

// pushReceipt is one message a fake push service took: what the browser
// would show after decrypting it, and the headers that rule its delivery.
type pushReceipt struct {
	Path    string
	Payload struct {
		Title string `json:"title"`
		Body  string `json:"body"`
		URL   string `json:"url"`
		Tag   string `json:"tag"`
	}
	Topic, Urgency, TTL string
}

// pushServices is an RFC 8030 push service holding several browsers'
// subscriptions: it checks each request's VAPID signature for the
// endpoint, decrypts the body with that browser's private key, and
// answers 410 Gone for the subscriptions told to have expired.
type pushServices struct {
	t    *testing.T
	srv  *httptest.Server
	mu   sync.Mutex
	subs map[string]*webpushtest.Subscriber
	gone map[string]bool
	got  []pushReceipt
}

func newPushServices(t *testing.T) *pushServices {
	p := &pushServices{t: t, subs: map[string]*webpushtest.Subscriber{}, gone: map[string]bool{}}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		defer p.mu.Unlock()
		sub := p.subs[r.URL.Path]
		if sub == nil {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		if _, _, err := webpushtest.VerifyAuthorization(r.Header.Get("Authorization"), p.srv.URL+r.URL.Path, time.Now()); err != nil {
			t.Errorf("VAPID for %s: %v", r.URL.Path, err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if p.gone[r.URL.Path] {
			w.WriteHeader(http.StatusGone)
			return
		}
		body, _ := io.ReadAll(r.Body)
		plain, err := sub.Decrypt(body)
		if err != nil {
			t.Errorf("decrypt for %s: %v", r.URL.Path, err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		rc := pushReceipt{Path: r.URL.Path, Topic: r.Header.Get("Topic"), Urgency: r.Header.Get("Urgency"), TTL: r.Header.Get("TTL")}
		if err := json.Unmarshal(plain, &rc.Payload); err != nil {
			t.Errorf("payload %q: %v", plain, err)
		}
		p.got = append(p.got, rc)
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// subscribe makes a browser's subscription at path and returns the
// follower address Plaza keeps for it.
func (p *pushServices) subscribe(path string) string {
	p.t.Helper()
	sub, err := webpushtest.NewSubscriber(p.srv.URL + path)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.subs[path] = sub
	p.mu.Unlock()
	s := sub.Subscription
	b, _ := json.Marshal(map[string]any{"endpoint": s.Endpoint, "keys": map[string]string{"p256dh": s.P256dh, "auth": s.Auth}})
	return string(b)
}

func (p *pushServices) expire(path string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.gone[path] = true
}

// take returns what arrived since the last call.
func (p *pushServices) take() []pushReceipt {
	p.mu.Lock()
	defer p.mu.Unlock()
	got := p.got
	p.got = nil
	return got
}

// A notice reaches browsers through the whole engine on both databases:
// each follower's push service gets a message only that browser can
// read, an expired subscription (410) ends its follow, and the update
// carries the same Topic and tag so it replaces the first notification.
func TestWebPushBroadcast(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		a.StartWorkers(t)
		ps := newPushServices(t)
		ids := map[string]int64{}
		for _, path := range []string{"/push/ann", "/push/bo", "/push/cy"} {
			fl, err := a.Followers.SeedFollower(ctx, f.Account.ID, models.ChannelWebPush, ps.subscribe(path), "", "en", nil, 0, "")
			if err != nil {
				t.Fatal(err)
			}
			ids[path] = fl.ID
		}
		ps.expire("/push/cy")

		in := notice.Input{Kind: models.NoticeSafety, Translations: models.Texts("en", "title", "Typhoon signal 8",
			"body", "Stay indoors. Ferries are suspended until further notice."),
			CapCategory: "Met", CapEvent: "Typhoon", Urgency: "Immediate", Severity: "Severe", Certainty: "Observed", AreaDesc: "Harbour"}
		b := publishAndWait(t, a, f, in)
		if b.Sent != 2 || b.Failed != 1 {
			t.Fatalf("broadcast %+v", b)
		}
		first := ps.take()
		if len(first) != 2 {
			t.Fatalf("push service got %+v", first)
		}
		topic, tag := first[0].Topic, first[0].Payload.Tag
		for _, rc := range first {
			if rc.Payload.Title == "" || !strings.Contains(rc.Payload.Body, "Stay indoors") || !strings.Contains(rc.Payload.URL, "/notices/") ||
				rc.Urgency != "high" || rc.TTL == "" || rc.Topic == "" || rc.Topic != topic || rc.Payload.Tag != tag {
				t.Fatalf("push message %+v", rc)
			}
		}
		// The expired subscription's follow ended; the others go on.
		if n := countRows(t, a, "followers", "id = ? AND status = ?", ids["/push/cy"], models.StatusActive); n != 0 {
			t.Fatal("a subscription the push service called gone still follows")
		}
		if n := countRows(t, a, "followers", "id IN (?, ?) AND status = ?", ids["/push/ann"], ids["/push/bo"], models.StatusActive); n != 2 {
			t.Fatalf("%d live subscriptions still follow", n)
		}

		// The update replaces the notification: same Topic, same tag.
		boss := f.Member(models.RoleOwner)
		up := in
		up.Translations = models.Texts("en", "title", "Typhoon signal 8", "body", "Signal 8 stays up until 18:00.")
		if _, _, err := a.Notices.UpdateNotice(ctx, boss, f.Account, b.NoticeID, up); err != nil {
			t.Fatal(err)
		}
		if b := waitBroadcast(t, a, b.NoticeID); b.Kind != models.KindUpdate || b.Sent != 2 || b.Failed != 0 {
			t.Fatalf("update broadcast %+v", b)
		}
		second := ps.take()
		if len(second) != 2 {
			t.Fatalf("update: push service got %+v", second)
		}
		for _, rc := range second {
			if rc.Topic != topic || rc.Payload.Tag != tag || !strings.Contains(rc.Payload.Body, "18:00") {
				t.Fatalf("update message %+v does not replace topic %q tag %q", rc, topic, tag)
			}
		}
	})
}
