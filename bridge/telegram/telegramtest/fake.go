// Package telegramtest is a stand-in for Telegram's Bot API in tests: the
// methods Plaza calls (getMe, setWebhook, sendMessage) at
// /bot<token>/<method>, answering {"ok": true, "result": ...} or
// {"ok": false, "error_code", "description", "parameters"} with the HTTP
// status of the error code, as the Bot API documents.
package telegramtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Sent is a message the fake accepted.
type Sent struct {
	ChatID string
	Text   string
}

// API is a fake Bot API for one bot.
type API struct {
	*httptest.Server
	Token    string
	Username string

	mu         sync.Mutex
	blocked    map[string]bool
	floodLeft  int
	retryAfter int
	sent       []Sent
	webhook    struct{ URL, Secret string }
}

// NewAPI starts the fake for the bot with token.
func NewAPI(token, username string) *API {
	a := &API{Token: token, Username: username, blocked: map[string]bool{}}
	a.Server = httptest.NewServer(http.HandlerFunc(a.serve))
	return a
}

func answer(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, code int, desc string, params map[string]any) {
	body := map[string]any{"ok": false, "error_code": code, "description": desc}
	if params != nil {
		body["parameters"] = params
	}
	answer(w, code, body)
}

func (a *API) serve(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	tok, method, _ := strings.Cut(rest, "/")
	if !ok || tok != a.Token {
		fail(w, 401, "Unauthorized", nil)
		return
	}
	var body map[string]any
	if r.Body != nil && r.ContentLength != 0 {
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			fail(w, 400, "Bad Request: can't parse JSON object", nil)
			return
		}
	}
	switch method {
	case "getMe":
		answer(w, 200, map[string]any{"ok": true, "result": map[string]any{"id": 7000001, "is_bot": true,
			"first_name": "Plaza", "username": a.Username}})
	case "setWebhook":
		a.mu.Lock()
		a.webhook.URL, _ = body["url"].(string)
		a.webhook.Secret, _ = body["secret_token"].(string)
		a.mu.Unlock()
		answer(w, 200, map[string]any{"ok": true, "result": true, "description": "Webhook was set"})
	case "sendMessage":
		a.sendMessage(w, body)
	default:
		fail(w, 404, "Not Found", nil)
	}
}

func (a *API) sendMessage(w http.ResponseWriter, body map[string]any) {
	chat := fmt.Sprint(body["chat_id"])
	text, _ := body["text"].(string)
	if body["chat_id"] == nil {
		fail(w, 400, "Bad Request: chat_id is empty", nil)
		return
	}
	if text == "" {
		fail(w, 400, "Bad Request: message text is empty", nil)
		return
	}
	if len([]rune(text)) > 4096 {
		fail(w, 400, "Bad Request: message is too long", nil)
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.floodLeft > 0 {
		a.floodLeft--
		fail(w, 429, fmt.Sprintf("Too Many Requests: retry after %d", a.retryAfter), map[string]any{"retry_after": a.retryAfter})
		return
	}
	if a.blocked[chat] {
		fail(w, 403, "Forbidden: bot was blocked by the user", nil)
		return
	}
	a.sent = append(a.sent, Sent{ChatID: chat, Text: text})
	answer(w, 200, map[string]any{"ok": true, "result": map[string]any{"message_id": len(a.sent),
		"chat": map[string]any{"id": json.Number(chat), "type": "private"}, "date": 1700000000, "text": text}})
}

// Block makes the person in chat block the bot (403 from then on).
func (a *API) Block(chat string) {
	a.mu.Lock()
	a.blocked[chat] = true
	a.mu.Unlock()
}

// Flood answers the next n sendMessage calls with 429 and retry_after.
func (a *API) Flood(n, retryAfter int) {
	a.mu.Lock()
	a.floodLeft, a.retryAfter = n, retryAfter
	a.mu.Unlock()
}

// Sent returns the messages accepted, in order.
func (a *API) Sent() []Sent {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Sent(nil), a.sent...)
}

// Webhook is what setWebhook last set.
func (a *API) Webhook() (url, secret string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.webhook.URL, a.webhook.Secret
}

// Message is an update with a private text message from the person in
// chat, as Telegram posts it to a bot's webhook (lang is their app's
// language_code). A t.me/<bot>?start=<scene> link makes the text
// "/start <scene>".
func Message(update int, chat int64, lang, text string) []byte {
	b, _ := json.Marshal(map[string]any{"update_id": update, "message": map[string]any{"message_id": update, "date": time.Now().Unix(),
		"from": map[string]any{"id": chat, "is_bot": false, "first_name": "Ana", "language_code": lang},
		"chat": map[string]any{"id": chat, "type": "private", "first_name": "Ana"}, "text": text}})
	return b
}

// Deliver posts an update to the webhook setWebhook set, with its
// secret token in X-Telegram-Bot-Api-Secret-Token, as Telegram does,
// and returns the webhook's status and body (a method call in the body
// is Telegram's way of letting a bot answer at once).
func (a *API) Deliver(update []byte) (int, string, error) {
	url, secret := a.Webhook()
	if url == "" {
		return 0, "", errors.New("telegramtest: no webhook set (setWebhook was not called)")
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(update))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return res.StatusCode, string(body), err
}
