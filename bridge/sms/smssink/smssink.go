// Package smssink is a local stand-in for an SMS provider of the REST
// shape the SMS channel speaks (POST {base}/Accounts/{sid}/Messages.json,
// HTTP basic auth, answering 201 with a message SID), for development
// (`plaza smssink`) and benchmarks: it accepts every message of any
// account, hands it to a function and keeps nothing. Unlike the test fake
// (bridge/sms/smstest), it listens where it is told and scripts no
// failures.
package smssink

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	smscore "github.com/plazahq/plaza/sms"
)

// Message is one accepted message.
type Message struct {
	// SID is the message SID the sink answered with.
	SID     string
	Account string
	To      string
	From    string
	Body    string
	// Segments is how many messages a provider would bill, and Encoding
	// the alphabet the body needs (GSM-7 or UCS-2).
	Segments int
	Encoding string
	// StatusCallback is where a provider would report on the message
	// (Plaza's receipt URL, naming the delivery).
	StatusCallback string
}

// Handler answers the provider's REST shape; every message accepted is
// passed to OnMessage (which may be called from many goroutines at once).
type Handler struct {
	OnMessage func(Message)
	n         atomic.Int64
}

// Answer writes v as the provider's JSON answer with status.
func Answer(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Refuse answers as the provider refuses a request: its error code and
// message in JSON.
func Refuse(w http.ResponseWriter, status, code int, msg string) {
	Answer(w, status, map[string]any{"code": code, "message": msg, "status": status})
}

// Refusal is the provider's 400 for a message form it would not send
// (To not in E.164, no From, no Body): its error code and message, or 0
// for a form it takes. The test fake (smstest) refuses the same forms.
func Refusal(form url.Values) (int, string) {
	switch {
	case !strings.HasPrefix(form.Get("To"), "+"):
		return 21211, "The 'To' number is not a valid phone number."
	case form.Get("From") == "":
		return 21603, "A 'From' phone number is required."
	case form.Get("Body") == "":
		return 21602, "Message body is required."
	}
	return 0, ""
}

// ServeHTTP answers GET {base}/Accounts/{sid}.json (the channel's
// connection test) and POST {base}/Accounts/{sid}/Messages.json, under
// any base path; the credentials must be there but any are accepted.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	user, _, ok := r.BasicAuth()
	if !ok || user == "" {
		Refuse(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	_, rest, found := strings.Cut(r.URL.Path, "/Accounts/")
	if !found {
		Refuse(w, http.StatusNotFound, 20404, "The requested resource was not found")
		return
	}
	switch {
	case r.Method == http.MethodGet && rest == user+".json":
		Answer(w, http.StatusOK, map[string]any{"sid": user, "friendly_name": "Plaza SMS sink", "status": "active"})
	case r.Method == http.MethodPost && rest == user+"/Messages.json":
		h.message(w, r, user)
	default:
		Refuse(w, http.StatusNotFound, 20404, "The requested resource was not found")
	}
}

func (h *Handler) message(w http.ResponseWriter, r *http.Request, account string) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		Refuse(w, http.StatusBadRequest, 21100, "Invalid form")
		return
	}
	if code, msg := Refusal(r.PostForm); code != 0 {
		Refuse(w, http.StatusBadRequest, code, msg)
		return
	}
	to, from, body := r.PostForm.Get("To"), r.PostForm.Get("From"), r.PostForm.Get("Body")
	fit := smscore.Fit(body)
	m := Message{SID: fmt.Sprintf("SM%032x", h.n.Add(1)), Account: account, To: to, From: from, Body: body,
		Segments: fit.Segments, Encoding: fit.Encoding, StatusCallback: r.PostForm.Get("StatusCallback")}
	if h.OnMessage != nil {
		h.OnMessage(m)
	}
	Answer(w, http.StatusCreated, map[string]any{"sid": m.SID, "status": "queued", "to": to, "from": from, "body": body,
		"account_sid": account, "num_segments": strconv.Itoa(fit.Segments)})
}

// DeliveryID is the Plaza delivery a message's status callback names
// ("<broadcast>-<follower>"), or "" when it names none.
func (m Message) DeliveryID() string {
	u, err := url.Parse(m.StatusCallback)
	if err != nil {
		return ""
	}
	return u.Query().Get("d")
}

// Server is a running sink.
type Server struct {
	ln  net.Listener
	srv *http.Server
}

// Start listens on addr (e.g. 127.0.0.1:1026) and serves until Close.
func Start(addr string, onMsg func(Message)) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("SMS sink listen on %s: %w", addr, err)
	}
	s := &Server{ln: ln, srv: &http.Server{Handler: &Handler{OnMessage: onMsg}, ReadHeaderTimeout: 5 * time.Second}}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Addr is the address the sink listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL is the base URL to give the SMS channel (its "provider base URL").
func (s *Server) URL() string { return "http://" + s.Addr() }

// Close stops the sink.
func (s *Server) Close() error { return s.srv.Close() }

// Text posts a text from a phone number to an account's number as the
// provider posts an incoming message to Plaza: a form to inboundURL (the
// SMS channel's /bridge/sms/{handle}, as Plaza's base URL spells it),
// signed with the account's auth token. It returns Plaza's HTTP status.
func Text(ctx context.Context, client *http.Client, inboundURL, token, from, to, body string, n int64) (int, error) {
	sid := fmt.Sprintf("SMin%030x", n)
	form := url.Values{"MessageSid": {sid}, "SmsMessageSid": {sid}, "SmsSid": {sid}, "AccountSid": {"AC0"},
		"From": {from}, "To": {to}, "Body": {body}, "NumMedia": {"0"}, "NumSegments": {strconv.Itoa(smscore.Fit(body).Segments)},
		"ApiVersion": {"2010-04-01"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, inboundURL, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", smscore.Sign(token, inboundURL, form))
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("text to Plaza: %w", err)
	}
	defer resp.Body.Close()
	return resp.StatusCode, nil
}
