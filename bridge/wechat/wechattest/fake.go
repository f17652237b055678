// Package wechattest is a stand-in for WeChat's servers in tests: the API
// Plaza calls (access tokens, customer-service, template and mass
// messages, QR codes), answering with the request and response shapes and
// error codes of WeChat's documentation; and the caller of an account's
// callback URL, signing (and in safe mode encrypting) what it posts the
// way WeChat does.
package wechattest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// Sent is one message the fake API accepted.
type Sent struct {
	// Kind is custom, template or mass.
	Kind       string
	To         []string
	Text       string
	TemplateID string
	Data       map[string]string
}

// API is a fake WeChat API server for one official account.
type API struct {
	*httptest.Server
	AppID, AppSecret string

	mu           sync.Mutex
	token        string
	issued       int
	expired      bool
	outOfWindow  map[string]bool
	notFollowing map[string]bool
	sent         []Sent
	qrScenes     []string
}

// NewAPI starts the fake for the account appID with appSecret.
func NewAPI(appID, appSecret string) *API {
	a := &API{AppID: appID, AppSecret: appSecret, outOfWindow: map[string]bool{}, notFollowing: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /cgi-bin/token", a.tokenHandler)
	mux.HandleFunc("POST /cgi-bin/message/custom/send", a.authed(a.custom))
	mux.HandleFunc("POST /cgi-bin/message/template/send", a.authed(a.template))
	mux.HandleFunc("POST /cgi-bin/message/mass/send", a.authed(a.mass))
	mux.HandleFunc("POST /cgi-bin/qrcode/create", a.authed(a.qrcode))
	a.Server = httptest.NewServer(mux)
	return a
}

func answer(w http.ResponseWriter, v any) {
	// WeChat answers every call with HTTP 200 and the outcome in errcode.
	w.Header().Set("Content-Type", "application/json; encoding=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, code int, msg string) {
	answer(w, map[string]any{"errcode": code, "errmsg": msg + " rid: 6560a1b2-0c4d1e2f-1a2b3c4d"})
}

func (a *API) tokenHandler(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case q.Get("grant_type") != "client_credential":
		fail(w, 40002, "invalid grant_type")
		return
	case q.Get("appid") != a.AppID:
		fail(w, 40013, "invalid appid")
		return
	case q.Get("secret") != a.AppSecret:
		fail(w, 40125, "invalid appsecret")
		return
	}
	a.mu.Lock()
	a.issued++
	// A new token replaces the one before it.
	a.token = fmt.Sprintf("ACCESS_TOKEN_%d_%s", a.issued, strings.Repeat("x", 100))
	a.expired = false
	tok := a.token
	a.mu.Unlock()
	answer(w, map[string]any{"access_token": tok, "expires_in": 7200})
}

// authed checks the access_token query parameter as WeChat does.
func (a *API) authed(h func(http.ResponseWriter, map[string]any)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := r.URL.Query().Get("access_token")
		a.mu.Lock()
		current, expired := a.token, a.expired
		a.mu.Unlock()
		switch {
		case tok == "":
			fail(w, 41001, "access_token missing")
			return
		case tok != current:
			fail(w, 40001, "invalid credential, access_token is invalid or not latest")
			return
		case expired:
			fail(w, 42001, "access_token expired")
			return
		}
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			fail(w, 47001, "data format error")
			return
		}
		h(w, body)
	}
}

func str(v any) string { s, _ := v.(string); return s }

func textOf(body map[string]any) (string, bool) {
	if str(body["msgtype"]) != "text" {
		return "", false
	}
	t, _ := body["text"].(map[string]any)
	c := str(t["content"])
	return c, c != ""
}

func (a *API) custom(w http.ResponseWriter, body map[string]any) {
	to := str(body["touser"])
	text, ok := textOf(body)
	if to == "" || !ok {
		fail(w, 44003, "empty news data")
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case a.notFollowing[to]:
		fail(w, 43004, "require subscribe")
		return
	case a.outOfWindow[to]:
		fail(w, 45015, "response out of time limit or subscription is canceled")
		return
	}
	a.sent = append(a.sent, Sent{Kind: "custom", To: []string{to}, Text: text})
	answer(w, map[string]any{"errcode": 0, "errmsg": "ok"})
}

func (a *API) template(w http.ResponseWriter, body map[string]any) {
	to, id := str(body["touser"]), str(body["template_id"])
	if to == "" {
		fail(w, 40003, "invalid openid")
		return
	}
	if id == "" {
		fail(w, 40037, "invalid template_id")
		return
	}
	data := map[string]string{}
	if d, ok := body["data"].(map[string]any); ok {
		for k, v := range d {
			f, _ := v.(map[string]any)
			data[k] = str(f["value"])
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.notFollowing[to] {
		fail(w, 43004, "require subscribe")
		return
	}
	a.sent = append(a.sent, Sent{Kind: "template", To: []string{to}, TemplateID: id, Data: data})
	answer(w, map[string]any{"errcode": 0, "errmsg": "ok", "msgid": 200228332 + len(a.sent)})
}

func (a *API) mass(w http.ResponseWriter, body map[string]any) {
	list, _ := body["touser"].([]any)
	text, ok := textOf(body)
	if len(list) < 2 || !ok {
		fail(w, 40130, "invalid openid list size, at least two openid")
		return
	}
	var to []string
	for _, v := range list {
		to = append(to, str(v))
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sent = append(a.sent, Sent{Kind: "mass", To: to, Text: text})
	answer(w, map[string]any{"errcode": 0, "errmsg": "send job submission success", "msg_id": 34182, "msg_data_id": 206227730})
}

func (a *API) qrcode(w http.ResponseWriter, body map[string]any) {
	info, _ := body["action_info"].(map[string]any)
	scene, _ := info["scene"].(map[string]any)
	s := str(scene["scene_str"])
	if str(body["action_name"]) != "QR_LIMIT_STR_SCENE" || s == "" || len(s) > 64 {
		fail(w, 40053, "invalid action info")
		return
	}
	a.mu.Lock()
	a.qrScenes = append(a.qrScenes, s)
	n := len(a.qrScenes)
	a.mu.Unlock()
	answer(w, map[string]any{"ticket": fmt.Sprintf("gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL%d", n),
		"url": fmt.Sprintf("http://weixin.qq.com/q/kZgfwMTm72WWPkovabbI%d", n)})
}

// ExpireToken makes WeChat consider the current token expired (42001).
func (a *API) ExpireToken() {
	a.mu.Lock()
	a.expired = true
	a.mu.Unlock()
}

// TokensIssued counts the access tokens handed out.
func (a *API) TokensIssued() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.issued
}

// OutOfWindow makes customer-service messages to openID fail with 45015.
func (a *API) OutOfWindow(openID string) {
	a.mu.Lock()
	a.outOfWindow[openID] = true
	a.mu.Unlock()
}

// NotFollowing makes messages to openID fail with 43004.
func (a *API) NotFollowing(openID string) {
	a.mu.Lock()
	a.notFollowing[openID] = true
	a.mu.Unlock()
}

// Sent returns what the fake accepted, in order.
func (a *API) Sent() []Sent {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Sent(nil), a.sent...)
}
