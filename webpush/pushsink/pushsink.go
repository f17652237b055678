// Package pushsink is a local stand-in for a browser's push service, for
// development (`plaza pushsink`): it takes push messages as RFC 8030 has
// an application server post them (POST to the subscription's endpoint,
// an aes128gcm body, TTL), checks their VAPID Authorization (RFC 8292),
// answers 201 Created and hands each to a function.
//
// The demo's subscriptions (DemoSubscriber) have keys derived from their
// number by a public rule, so the sink can decrypt what is sent to them
// and show the notification: they are for a local demo only, as anyone
// can read what is sent to them.
package pushsink

import (
	"crypto/ecdh"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/plazahq/plaza/webpush"
	"github.com/plazahq/plaza/webpush/webpushtest"
)

// demoPrefix starts the endpoint path of the demo's subscriptions.
const demoPrefix = "/push/demo-"

// DemoSubscriber is the demo's subscription number n (from 1) on the push
// service at base (http://127.0.0.1:1027): its endpoint is
// base/push/demo-n and its keys follow from n, so the sink can read what
// is sent to it.
func DemoSubscriber(base string, n int) (*webpushtest.Subscriber, error) {
	seed := sha256.Sum256([]byte("plaza demo push subscriber " + strconv.Itoa(n)))
	key, err := ecdh.P256().NewPrivateKey(seed[:])
	if err != nil {
		return nil, fmt.Errorf("demo push subscriber %d: %w", n, err)
	}
	auth := sha256.Sum256([]byte("plaza demo push auth " + strconv.Itoa(n)))
	enc := base64.RawURLEncoding
	return &webpushtest.Subscriber{
		Subscription: webpush.Subscription{
			Endpoint: strings.TrimRight(base, "/") + demoPrefix + strconv.Itoa(n),
			P256dh:   enc.EncodeToString(key.PublicKey().Bytes()),
			Auth:     enc.EncodeToString(auth[:16]),
		},
		Key:        key,
		AuthSecret: auth[:16],
	}, nil
}

// Address is a subscription as a follower's address: the JSON of
// PushSubscription.toJSON() in the normal form the subscribe endpoint
// stores.
func Address(s webpush.Subscription) string {
	b, _ := json.Marshal(map[string]any{"endpoint": s.Endpoint, "keys": map[string]string{"p256dh": s.P256dh, "auth": s.Auth}})
	return string(b)
}

// Message is one push message the sink accepted.
type Message struct {
	Endpoint string
	TTL      int
	Urgency  string
	Topic    string
	// Subject is the VAPID contact of the sender (mailto: or https:).
	Subject string
	// Size is the encrypted body's length.
	Size int
	// Payload is the decrypted notification for a demo subscription (nil
	// for any other, whose keys the sink does not have).
	Payload []byte
	// DecryptErr says why a demo subscription's message did not decrypt.
	DecryptErr error
}

// Handler is the push service.
type Handler struct {
	OnMessage func(Message)
	// Now is the clock the VAPID token's expiry is checked against (nil:
	// the wall clock).
	Now func() time.Time
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// ServeHTTP takes POST /push/{id}. Missing or bad VAPID is 401, a body
// that is not aes128gcm 415, a missing TTL 400, as push services answer.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/push/") || len(r.URL.Path) == len("/push/") {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "push messages are POSTed", http.StatusMethodNotAllowed)
		return
	}
	endpoint := "http://" + r.Host + r.URL.Path
	claims, _, err := webpushtest.VerifyAuthorization(r.Header.Get("Authorization"), endpoint, h.now())
	if err != nil {
		http.Error(w, "VAPID: "+err.Error(), http.StatusUnauthorized)
		return
	}
	if !strings.EqualFold(r.Header.Get("Content-Encoding"), "aes128gcm") {
		http.Error(w, "Content-Encoding must be aes128gcm", http.StatusUnsupportedMediaType)
		return
	}
	ttl, err := strconv.Atoi(r.Header.Get("TTL"))
	if err != nil || ttl < 0 {
		http.Error(w, "TTL is required", http.StatusBadRequest)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, webpush.MaxBody))
	if err != nil {
		http.Error(w, "the body is larger than a push message may be", http.StatusRequestEntityTooLarge)
		return
	}
	m := Message{Endpoint: endpoint, TTL: ttl, Urgency: r.Header.Get("Urgency"), Topic: r.Header.Get("Topic"),
		Subject: claims.Sub, Size: len(body)}
	if n, ok := strings.CutPrefix(r.URL.Path, demoPrefix); ok {
		m.Payload, m.DecryptErr = decryptDemo(n, body)
	}
	if h.OnMessage != nil {
		h.OnMessage(m)
	}
	w.Header().Set("Location", "/message/"+strconv.FormatInt(h.now().UnixNano(), 36))
	w.WriteHeader(http.StatusCreated)
}

func decryptDemo(n string, body []byte) ([]byte, error) {
	i, err := strconv.Atoi(n)
	if err != nil || i < 1 {
		return nil, errors.New("not a demo subscription")
	}
	s, err := DemoSubscriber("", i)
	if err != nil {
		return nil, err
	}
	return s.Decrypt(body)
}

// Server is a running sink.
type Server struct {
	ln  net.Listener
	srv *http.Server
}

// Start listens on addr (e.g. 127.0.0.1:1027) and serves until Close.
func Start(addr string, onMsg func(Message)) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("push sink listen on %s: %w", addr, err)
	}
	s := &Server{ln: ln, srv: &http.Server{Handler: &Handler{OnMessage: onMsg}, ReadHeaderTimeout: 5 * time.Second}}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Addr is the address the sink listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL is the base of the endpoints it serves (DemoSubscriber's base).
func (s *Server) URL() string { return "http://" + s.Addr() }

// Close stops the sink.
func (s *Server) Close() error { return s.srv.Close() }
