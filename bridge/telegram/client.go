package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultAPI is Telegram's Bot API server.
const DefaultAPI = "https://api.telegram.org"

// APIError is a refusal from the Bot API.
type APIError struct {
	Code        int
	Description string
	// RetryAfter is how long to wait after a 429.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	return fmt.Sprintf("Telegram error %d: %s", e.Code, e.Description)
}

// Blocked reports whether err says the person blocked the bot (or the
// chat no longer exists): the follower has gone.
func Blocked(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.Code == http.StatusForbidden
}

// Client calls the Bot API.
type Client struct {
	base string
	http *http.Client
}

// NewClient builds a client for the Bot API at base (DefaultAPI, or a
// test server); a nil hc gets one with a 10-second timeout.
func NewClient(base string, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	if base == "" {
		base = DefaultAPI
	}
	return &Client{base: strings.TrimRight(base, "/"), http: hc}
}

type apiAnswer struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// call invokes a Bot API method with a JSON body.
func (c *Client) call(ctx context.Context, token, method string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("telegram %s: %w", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/bot"+token+"/"+method, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("telegram %s: %w", method, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		// The URL holds the bot token: keep it out of the error.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("telegram %s: %w", method, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("telegram %s: read: %w", method, err)
	}
	var a apiAnswer
	if err := json.Unmarshal(raw, &a); err != nil {
		return fmt.Errorf("telegram %s: HTTP %d, answer is not JSON", method, resp.StatusCode)
	}
	if !a.OK {
		code := a.ErrorCode
		if code == 0 {
			code = resp.StatusCode
		}
		return &APIError{Code: code, Description: a.Description, RetryAfter: time.Duration(a.Parameters.RetryAfter) * time.Second}
	}
	if out != nil {
		if err := json.Unmarshal(a.Result, out); err != nil {
			return fmt.Errorf("telegram %s: %w", method, err)
		}
	}
	return nil
}

// SendMessage sends text to a chat.
func (c *Client) SendMessage(ctx context.Context, token, chatID, text string) error {
	return c.call(ctx, token, "sendMessage", map[string]any{"chat_id": chatID, "text": text}, nil)
}

// Bot is what getMe says about the bot.
type Bot struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
}

// GetMe checks the token and names the bot.
func (c *Client) GetMe(ctx context.Context, token string) (Bot, error) {
	var b Bot
	err := c.call(ctx, token, "getMe", struct{}{}, &b)
	return b, err
}

// SetWebhook points the bot's updates at url, with the secret Telegram
// will send back in X-Telegram-Bot-Api-Secret-Token.
func (c *Client) SetWebhook(ctx context.Context, token, url, secret string) error {
	return c.call(ctx, token, "setWebhook", map[string]any{"url": url, "secret_token": secret,
		"allowed_updates": []string{"message", "my_chat_member"}}, nil)
}
