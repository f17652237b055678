package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plazahq/plaza/area"
	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/outbound"
)

type endpoints struct {
	url    string
	secret []byte
	err    error
	calls  atomic.Int32
}

func (e *endpoints) WebhookEndpoint(ctx context.Context, accountID int64) (string, []byte, error) {
	e.calls.Add(1)
	return e.url, e.secret, e.err
}

func message() *broadcast.Message {
	return &broadcast.Message{
		Content: &broadcast.Content{BroadcastID: 7, NoticeID: 3, Kind: broadcast.KindUpdate, NoticeKind: "transit", Language: "zh",
			AccountID: 1, AccountHandle: "metro", AccountName: "地铁", Subject: "更新：12 路改道", Title: "12 路改道",
			Text: "改经海港路 <b>", URL: "http://plaza.test/@metro/notices/3",
			Area: &area.Area{Districts: []int64{4}, Circles: []area.Circle{{Lat: 22.279, Lon: 114.172, RadiusM: 300, Label: "1042"}}}},
		To:      broadcast.Recipient{FollowerID: 42, Channel: "webhook", Address: "+8613800000000", Language: "zh"},
		Attempt: 1, DeliveryID: "7-42",
	}
}

func TestSendSignsTheDocumentedBody(t *testing.T) {
	secret := []byte("whsec_test")
	var got struct {
		header http.Header
		body   []byte
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.header = r.Header.Clone()
		got.body, _ = io.ReadAll(r.Body)
	}))
	defer srv.Close()
	ch := New(&endpoints{url: srv.URL, secret: secret}, local(t))
	if res := ch.Send(context.Background(), message()); res.Outcome != broadcast.Sent {
		t.Fatalf("result = %+v", res)
	}
	h := got.header
	if err := Verify(secret, h.Get("X-Plaza-Timestamp"), h.Get("X-Plaza-Signature"), got.body, time.Now(), time.Minute); err != nil {
		t.Fatalf("signature: %v", err)
	}
	if h.Get("X-Plaza-Delivery") != "7-42" || h.Get("Content-Type") != "application/json" {
		t.Fatalf("headers = %v", h)
	}
	var p payload
	if err := json.Unmarshal(got.body, &p); err != nil {
		t.Fatal(err)
	}
	if p.Recipient.FollowerID != 42 || p.Recipient.Address != "+8613800000000" || p.Notice.Kind != "update" ||
		p.Notice.Text != "改经海港路 <b>" || p.Account.Handle != "metro" || p.DeliveryID != "7-42" ||
		p.Notice.Area == nil || p.Notice.Area.Districts[0] != 4 || p.Notice.Area.Circles[0].Label != "1042" {
		t.Fatalf("payload = %+v", p)
	}
	// Another secret, an altered body or an old timestamp do not verify.
	if err := Verify([]byte("other"), h.Get("X-Plaza-Timestamp"), h.Get("X-Plaza-Signature"), got.body, time.Now(), time.Minute); !errors.Is(err, ErrBadSignature) {
		t.Errorf("other secret: %v", err)
	}
	if err := Verify(secret, h.Get("X-Plaza-Timestamp"), h.Get("X-Plaza-Signature"), append(got.body, ' '), time.Now(), time.Minute); !errors.Is(err, ErrBadSignature) {
		t.Errorf("altered body: %v", err)
	}
	if err := Verify(secret, h.Get("X-Plaza-Timestamp"), h.Get("X-Plaza-Signature"), got.body, time.Now().Add(10*time.Minute), time.Minute); !errors.Is(err, ErrStale) {
		t.Errorf("replay: %v", err)
	}
	if err := Verify(secret, "", "", got.body, time.Now(), time.Minute); !errors.Is(err, ErrNoSignature) {
		t.Errorf("unsigned: %v", err)
	}
}

func TestResponsesMapToOutcomes(t *testing.T) {
	tests := []struct {
		status      int
		header      string
		body        string
		outcome     broadcast.Outcome
		after       time.Duration
		unsubscribe bool
		reason      string
	}{
		{200, "", "", broadcast.Sent, 0, false, ""},
		{204, "", "", broadcast.Sent, 0, false, ""},
		{410, "", "", broadcast.Failed, 0, true, "HTTP 410"},
		{429, "7", "", broadcast.Retry, 7 * time.Second, false, "HTTP 429"},
		{503, "99999", "", broadcast.Retry, time.Hour, false, "HTTP 503"},
		{500, "", "", broadcast.Retry, 0, false, "HTTP 500"},
		{408, "", "", broadcast.Retry, 0, false, "HTTP 408"},
		{400, "", "bad number\nformat", broadcast.Failed, 0, false, "webhook rejected: HTTP 400"},
		{403, "", "INTERNAL-SECRET-TOKEN=abc123", broadcast.Failed, 0, false, "webhook rejected: HTTP 403"},
		{404, "", "", broadcast.Failed, 0, false, "HTTP 404"},
	}
	for _, tt := range tests {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if tt.header != "" {
				w.Header().Set("Retry-After", tt.header)
			}
			w.WriteHeader(tt.status)
			io.WriteString(w, tt.body)
		}))
		res := New(&endpoints{url: srv.URL, secret: []byte("s")}, local(t)).Send(context.Background(), message())
		srv.Close()
		if res.Outcome != tt.outcome || res.RetryAfter != tt.after || res.Unsubscribe != tt.unsubscribe || !strings.Contains(res.Reason, tt.reason) {
			t.Errorf("HTTP %d: %+v", tt.status, res)
		}
		// The receiver's body is never in the reason staff see.
		if tt.body != "" && (strings.Contains(res.Reason, "format") || strings.Contains(res.Reason, "SECRET")) {
			t.Errorf("HTTP %d: the reason shows the body: %q", tt.status, res.Reason)
		}
	}
}

func TestEndpointCacheAndErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	ep := &endpoints{url: srv.URL, secret: []byte("s")}
	ch := New(ep, local(t))
	for range 5 {
		ch.Send(context.Background(), message())
	}
	if ep.calls.Load() != 1 {
		t.Fatalf("endpoint looked up %d times for 5 sends", ep.calls.Load())
	}
	res := New(&endpoints{err: ErrNotConfigured}, local(t)).Send(context.Background(), message())
	if res.Outcome != broadcast.Failed || !strings.Contains(res.Reason, "not configured") {
		t.Fatalf("not configured: %+v", res)
	}
	res = New(&endpoints{err: errors.New("database down")}, local(t)).Send(context.Background(), message())
	if res.Outcome != broadcast.Retry {
		t.Fatalf("lookup error: %+v", res)
	}
	srv.Close()
	res = New(&endpoints{url: srv.URL, secret: []byte("s")}, local(t)).Send(context.Background(), message())
	if res.Outcome != broadcast.Retry || !strings.Contains(res.Reason, "unreachable") {
		t.Fatalf("closed server: %+v", res)
	}
}

// local is the outbound client with the operator's allowance for this
// machine's loopback, where the tests' receivers listen.
func local(t testing.TB) *http.Client {
	t.Helper()
	p, err := outbound.ParsePolicy(outbound.Loopback)
	if err != nil {
		t.Fatal(err)
	}
	return outbound.NewClient(p)
}

// TestInternalAddressesAreRefused is the review's SSRF finding: without
// the allowance, a webhook set to a loopback, metadata or private address
// is refused when it connects, for sends and for "Test connection" alike,
// and the receiver gets nothing.
func TestInternalAddressesAreRefused(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	for _, u := range []string{srv.URL, "http://localhost:" + port, "http://[::ffff:127.0.0.1]:" + port,
		"http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/"} {
		for _, client := range []*http.Client{nil, outbound.NewClient(nil)} {
			ch := New(&endpoints{url: u, secret: []byte("s")}, client)
			res := ch.Send(context.Background(), message())
			if res.Outcome != broadcast.Failed || res.Reason != "webhook unreachable: address not allowed" {
				t.Errorf("send to %s: %+v", u, res)
			}
			_, err := ch.TestConnection(context.Background(), &bridge.Settings{AccountID: 1})
			if key, args := bridge.ReasonOf(err, ""); key != "platform.webhook_unreachable" || fmt.Sprint(args) != "[address not allowed]" {
				t.Errorf("test connection to %s: %v", u, err)
			}
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("%d requests reached the receiver", hits.Load())
	}
	// With the allowance the same receiver is reached.
	if res := New(&endpoints{url: srv.URL, secret: []byte("s")}, local(t)).Send(context.Background(), message()); res.Outcome != broadcast.Sent || hits.Load() != 1 {
		t.Fatalf("allowed: %+v, %d requests", res, hits.Load())
	}
}

// TestRedirectsAreNotFollowed: a webhook that redirects (here to an
// internal address) fails with the status, and the target gets nothing.
func TestRedirectsAreNotFollowed(t *testing.T) {
	var hits atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer target.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/secret", http.StatusFound)
	}))
	defer srv.Close()
	ch := New(&endpoints{url: srv.URL, secret: []byte("s")}, local(t))
	if res := ch.Send(context.Background(), message()); res.Outcome != broadcast.Failed || res.Reason != "webhook rejected: HTTP 302" {
		t.Errorf("send: %+v", res)
	}
	_, err := ch.TestConnection(context.Background(), &bridge.Settings{AccountID: 1})
	if key, args := bridge.ReasonOf(err, ""); key != "platform.webhook_refused" || fmt.Sprint(args) != "[HTTP 302]" {
		t.Errorf("test connection: %v", err)
	}
	if hits.Load() != 0 {
		t.Fatal("the redirect was followed")
	}
}

func BenchmarkSend(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	defer srv.Close()
	ch := New(&endpoints{url: srv.URL, secret: []byte("s")}, local(b))
	m := message()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if res := ch.Send(context.Background(), m); res.Outcome != broadcast.Sent {
				b.Fatal(res)
			}
		}
	})
}
