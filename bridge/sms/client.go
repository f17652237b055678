package sms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/plazahq/plaza/outbound"
)

// Account is what a call to the provider needs: where and as whom.
type Account struct {
	Base, SID, Token string
}

// APIError is the provider's refusal: the HTTP status, the provider's
// error code (0 when it gave none) and how long it asked to wait.
type APIError struct {
	Status     int
	Code       int
	Message    string
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	return fmt.Sprintf("SMS provider: HTTP %d, error %d: %s", e.Status, e.Code, e.Message)
}

// Throttled reports whether the provider asked to slow down: a 429, or
// its "too many requests" error code under another status.
func (e *APIError) Throttled() bool {
	return e.Status == http.StatusTooManyRequests || e.Code == codeTooManyRequests
}

// codeTooManyRequests is the REST shape's error code for throttling.
const codeTooManyRequests = 20429

// Sent is the provider's answer to a message it accepted.
type Sent struct {
	SID    string `json:"sid"`
	Status string `json:"status"`
}

// Client calls the provider's REST API.
type Client struct {
	http *http.Client
	now  func() time.Time
}

// NewClient builds a client on hc, the shared outbound client.
func NewClient(hc *http.Client) *Client {
	own := *hc
	own.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if own.Timeout == 0 {
		own.Timeout = 10 * time.Second
	}
	return &Client{http: &own, now: time.Now}
}

// Send posts one message: To, From, Body and StatusCallback.
func (c *Client) Send(ctx context.Context, a Account, to, from, body, callback string) (Sent, error) {
	form := url.Values{"To": {to}, "From": {from}, "Body": {body}}
	if callback != "" {
		form.Set("StatusCallback", callback)
	}
	var s Sent
	err := c.call(ctx, a, http.MethodPost, "/Accounts/"+url.PathEscape(a.SID)+"/Messages.json", form, &s)
	return s, err
}

// AccountInfo is what the provider says about the account.
type AccountInfo struct {
	SID          string `json:"sid"`
	FriendlyName string `json:"friendly_name"`
	Status       string `json:"status"`
}

// Fetch reads the account, which proves the SID and token.
func (c *Client) Fetch(ctx context.Context, a Account) (AccountInfo, error) {
	var i AccountInfo
	err := c.call(ctx, a, http.MethodGet, "/Accounts/"+url.PathEscape(a.SID)+".json", nil, &i)
	return i, err
}

func (c *Client) call(ctx context.Context, a Account, method, path string, form url.Values, out any) error {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(a.Base, "/")+path, body)
	if err != nil {
		return fmt.Errorf("sms: %w", err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Plaza-SMS/1")
	req.SetBasicAuth(a.SID, a.Token)
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("sms: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("sms: read: %w", err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("sms: HTTP %d, answer is not JSON: %w", resp.StatusCode, err)
		}
		return nil
	}
	var e struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	// A refusal without a JSON body is still a refusal: its status says
	// what to do.
	_ = json.Unmarshal(raw, &e)
	return &APIError{Status: resp.StatusCode, Code: e.Code, Message: e.Message, RetryAfter: outbound.RetryAfter(resp.Header.Get("Retry-After"), c.now())}
}

// asAPIError unwraps the provider's refusal.
func asAPIError(err error) (*APIError, bool) {
	var e *APIError
	ok := errors.As(err, &e)
	return e, ok
}
