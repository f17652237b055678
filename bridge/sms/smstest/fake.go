// Package smstest is a stand-in for an SMS provider of the widely copied
// REST shape in tests: POST /Accounts/{sid}/Messages.json (form To, From,
// Body, StatusCallback; HTTP basic auth) answering JSON with a generated
// message SID, GET /Accounts/{sid}.json, errors as {"code", "message",
// "status"} with the HTTP status, and status callbacks to Plaza signed as
// the provider signs them.
package smstest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/plazahq/plaza/bridge/sms/smssink"
	smscore "github.com/plazahq/plaza/sms"
)

// Message is a message the fake accepted.
type Message struct {
	SID            string
	To, From, Body string
	StatusCallback string
	// At is when the fake took it.
	At time.Time
}

// API is a fake provider for one account.
type API struct {
	*httptest.Server
	SID, Token string

	mu       sync.Mutex
	n        int
	sent     []Message
	failures []failure
}

type failure struct {
	status, code, retryAfter int
}

// NewAPI starts the fake for the account sid with its auth token.
func NewAPI(sid, token string) *API {
	a := &API{SID: sid, Token: token}
	a.Server = httptest.NewServer(http.HandlerFunc(a.serve))
	return a
}

// Throttle makes the next n sends answer 429 with Retry-After seconds.
func (a *API) Throttle(n, retryAfter int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for range n {
		a.failures = append(a.failures, failure{status: http.StatusTooManyRequests, code: 20429, retryAfter: retryAfter})
	}
}

// Refuse makes the next send answer status with the provider error code
// (400 and 21211, an invalid To number, for instance).
func (a *API) Refuse(status, code int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.failures = append(a.failures, failure{status: status, code: code})
}

// Sent returns the messages accepted so far.
func (a *API) Sent() []Message {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Message(nil), a.sent...)
}

func (a *API) serve(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	if !ok || user != a.SID || pass != a.Token {
		smssink.Refuse(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/Accounts/"+a.SID+".json":
		smssink.Answer(w, http.StatusOK, map[string]any{"sid": a.SID, "friendly_name": "Fake SMS account", "status": "active"})
	case r.Method == http.MethodPost && r.URL.Path == "/Accounts/"+a.SID+"/Messages.json":
		a.message(w, r)
	default:
		smssink.Refuse(w, http.StatusNotFound, 20404, "The requested resource was not found")
	}
}

func (a *API) message(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		smssink.Refuse(w, http.StatusBadRequest, 21100, "Invalid form")
		return
	}
	a.mu.Lock()
	if len(a.failures) > 0 {
		f := a.failures[0]
		a.failures = a.failures[1:]
		a.mu.Unlock()
		if f.retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(f.retryAfter))
		}
		smssink.Refuse(w, f.status, f.code, http.StatusText(f.status))
		return
	}
	defer a.mu.Unlock()
	if code, msg := smssink.Refusal(r.PostForm); code != 0 {
		smssink.Refuse(w, http.StatusBadRequest, code, msg)
		return
	}
	to, from, body := r.PostForm.Get("To"), r.PostForm.Get("From"), r.PostForm.Get("Body")
	a.n++
	m := Message{SID: fmt.Sprintf("SM%032x", a.n), To: to, From: from, Body: body, StatusCallback: r.PostForm.Get("StatusCallback"), At: time.Now()}
	a.sent = append(a.sent, m)
	smssink.Answer(w, http.StatusCreated, map[string]any{"sid": m.SID, "status": "queued", "to": to, "from": from, "body": body,
		"account_sid": a.SID, "num_segments": strconv.Itoa(smscore.Fit(body).Segments)})
}

// Callback is a status callback as the provider sends it.
type Callback struct {
	URL  string
	Form url.Values
	// Signature is X-Twilio-Signature.
	Signature string
}

// StatusCallback builds the callback for message m with status (and the
// provider's error code for a failure), signed with token over url.
func StatusCallback(token, callURL string, m Message, status string, errorCode int) Callback {
	form := url.Values{"MessageSid": {m.SID}, "SmsSid": {m.SID}, "MessageStatus": {status}, "SmsStatus": {status},
		"To": {m.To}, "From": {m.From}, "ApiVersion": {"2010-04-01"}}
	if errorCode != 0 {
		form.Set("ErrorCode", strconv.Itoa(errorCode))
	}
	return Callback{URL: callURL, Form: form, Signature: smscore.Sign(token, callURL, form)}
}

// Callback builds the status callback for m to the URL it was sent with.
func (a *API) Callback(m Message, status string, errorCode int) Callback {
	return StatusCallback(a.Token, m.StatusCallback, m, status, errorCode)
}

// Post sends the callback to Plaza at base (a test server's address):
// the path and query are the signed URL's, as the provider calls the URL
// it was given, which a test server does not listen at. It returns the
// HTTP status.
func (cb Callback) Post(base string) (int, error) {
	u, err := url.Parse(cb.URL)
	if err != nil {
		return 0, err
	}
	return cb.PostURL(strings.TrimRight(base, "/") + u.RequestURI())
}

// PostURL sends the callback to target exactly.
func (cb Callback) PostURL(target string) (int, error) {
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(cb.Form.Encode()))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if cb.Signature != "" {
		req.Header.Set("X-Twilio-Signature", cb.Signature)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return resp.StatusCode, nil
}

// Incoming builds the provider's incoming-message webhook for a text
// from one number to another (the account's), with its message SID,
// signed with token over callURL (token "" leaves it unsigned).
func Incoming(token, callURL, sid, from, to, body string) Callback {
	form := url.Values{"MessageSid": {sid}, "SmsMessageSid": {sid}, "SmsSid": {sid}, "AccountSid": {"AC0"},
		"From": {from}, "To": {to}, "Body": {body}, "NumMedia": {"0"}, "NumSegments": {"1"}, "ApiVersion": {"2010-04-01"}}
	cb := Callback{URL: callURL, Form: form}
	if token != "" {
		cb.Signature = smscore.Sign(token, callURL, form)
	}
	return cb
}
