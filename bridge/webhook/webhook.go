// Package webhook is the signed webhook channel: each message is POSTed as
// JSON to a URL the account configures (an SMS gateway, another system),
// signed with HMAC-SHA256 so the receiver knows it came from Plaza.
package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/plazahq/plaza/area"
	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/cache"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/outbound"
)

// ErrNotConfigured is what Endpoints returns for an account without an
// enabled webhook.
var ErrNotConfigured = errors.New("webhook not configured for this account")

// Endpoints finds an account's webhook URL and signing secret.
type Endpoints interface {
	WebhookEndpoint(ctx context.Context, accountID int64) (url string, secret []byte, err error)
}

// Channel sends messages to accounts' webhooks.
type Channel struct {
	endpoints Endpoints
	client    *http.Client
	now       func() time.Time
	bufs      sync.Pool
	cache     *cache.Cache[endpoint]
}

type endpoint struct {
	url    string
	secret []byte
	// err is ErrNotConfigured for an account without a webhook, which is
	// remembered like an endpoint.
	err error
}

// cacheFor is how long an account's endpoint is reused: a million sends
// need not be a million lookups, and a changed URL takes effect on other
// instances within the 5 s the channel settings' caches keep (README).
const cacheFor = 5 * time.Second

// cacheSize bounds the accounts whose endpoints are remembered; past it
// the least recently used goes.
const cacheSize = 10000

// New builds the channel on client, which should be outbound's client for
// addresses staff type (nil: one that reaches public addresses only). The
// channel never follows redirects: a receiver answers where it was set up,
// and a 3xx is a failure.
func New(endpoints Endpoints, client *http.Client) *Channel {
	if client == nil {
		client = outbound.NewClient(nil)
	}
	own := *client
	own.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if own.Timeout == 0 {
		own.Timeout = 10 * time.Second
	}
	return &Channel{endpoints: endpoints, client: &own, now: time.Now, cache: cache.New[endpoint](cacheSize, cacheFor),
		bufs: sync.Pool{New: func() any { return new(bytes.Buffer) }}}
}

// Name is the channel's name on followers.
func (c *Channel) Name() string { return models.ChannelWebhook }

// Schema is empty: the webhook's URL, secret and send rate are set on the
// delivery page, with the send rate they share a form with.
func (c *Channel) Schema() bridge.Schema {
	return bridge.Schema{Title: "chat.webhook", Hint: "chat.webhook_hint"}
}

var _ interface {
	bridge.Channel
	bridge.Receiver
} = (*Channel)(nil)

func (c *Channel) endpoint(ctx context.Context, accountID int64) endpoint {
	e, err := c.cache.Get(ctx, strconv.FormatInt(accountID, 10), func(ctx context.Context) (endpoint, error) {
		u, secret, err := c.endpoints.WebhookEndpoint(ctx, accountID)
		if err != nil && !errors.Is(err, ErrNotConfigured) {
			// A database hiccup is not cached.
			return endpoint{}, err
		}
		return endpoint{url: u, secret: secret, err: err}, nil
	})
	if err != nil {
		return endpoint{err: err}
	}
	return e
}

// payload is the JSON body; README.md documents it.
type payload struct {
	DeliveryID string    `json:"delivery_id"`
	Attempt    int       `json:"attempt"`
	Account    account   `json:"account"`
	Recipient  recipient `json:"recipient"`
	Notice     notice    `json:"notice"`
	SentAt     string    `json:"sent_at"`
}

type account struct {
	ID     int64  `json:"id"`
	Handle string `json:"handle"`
	Name   string `json:"name"`
}

type recipient struct {
	FollowerID int64  `json:"follower_id"`
	Address    string `json:"address"`
	Name       string `json:"name"`
	Language   string `json:"language"`
}

type notice struct {
	ID          int64  `json:"id"`
	BroadcastID int64  `json:"broadcast_id"`
	Kind        string `json:"kind"`
	NoticeKind  string `json:"notice_kind"`
	Language    string `json:"language"`
	Subject     string `json:"subject"`
	Title       string `json:"title"`
	Text        string `json:"text"`
	URL         string `json:"url"`
	Severity    string `json:"severity,omitempty"`
	Emergency   bool   `json:"emergency"`
	// Area is where the notice applies: district ids, polygons and
	// circles, as the API's notices carry it.
	Area *area.Area `json:"area,omitempty"`
}

// Send posts one message.
func (c *Channel) Send(ctx context.Context, m *broadcast.Message) broadcast.Result {
	e := c.endpoint(ctx, m.Content.AccountID)
	if errors.Is(e.err, ErrNotConfigured) {
		return broadcast.FailedResult(ErrNotConfigured.Error())
	}
	if e.err != nil {
		return broadcast.RetryResult("webhook settings could not be read", 0).Because(e.err)
	}
	now := c.now()
	buf := c.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer c.bufs.Put(buf)
	mc := m.Content
	err := json.NewEncoder(buf).Encode(payload{
		DeliveryID: m.DeliveryID, Attempt: m.Attempt,
		Account:   account{ID: mc.AccountID, Handle: mc.AccountHandle, Name: mc.AccountName},
		Recipient: recipient{FollowerID: m.To.FollowerID, Address: m.To.Address, Name: m.To.Name, Language: m.To.Language},
		Notice: notice{ID: mc.NoticeID, BroadcastID: mc.BroadcastID, Kind: mc.Kind, NoticeKind: mc.NoticeKind, Language: mc.Language,
			Subject: mc.Subject, Title: mc.Title, Text: mc.Text, URL: mc.URL, Severity: mc.Severity, Emergency: mc.Emergency,
			Area: mc.Area},
		SentAt: now.UTC().Format(time.RFC3339),
	})
	if err != nil {
		return broadcast.FailedResult("the notice could not be encoded").Because(err)
	}
	body := buf.Bytes()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(body))
	if err != nil {
		return broadcast.FailedResult("webhook URL is not valid").Because(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Plaza-Webhook/1")
	req.Header.Set("X-Plaza-Delivery", m.DeliveryID)
	req.Header.Set("X-Plaza-Timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("X-Plaza-Signature", Sign(e.secret, now, body))
	resp, err := c.client.Do(req)
	if errors.Is(err, outbound.ErrNotAllowed) {
		// Retrying will not make an internal address allowed.
		return broadcast.FailedResult("webhook unreachable: " + outbound.Reason(err)).Because(err)
	}
	if err != nil {
		return broadcast.RetryResult("webhook unreachable: "+outbound.Reason(err), 0).Because(err)
	}
	defer resp.Body.Close()
	return result(resp, c.now())
}

// result maps the receiver's answer: 2xx sent; 410 the recipient is gone;
// 429 and 503 come back later (after Retry-After); 408 and 5xx retry;
// any other 4xx (and a 3xx, as redirects are not followed) is a refusal
// that retrying will not change. The reason is the status only: staff and
// viewers of the broadcast page see it, and the receiver's body may be
// anything at all an internal service answers.
func result(resp *http.Response, now time.Time) broadcast.Result {
	// Drain what is left so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	code := resp.StatusCode
	switch {
	case code >= 200 && code < 300:
		return broadcast.SentResult()
	case code == http.StatusGone:
		return broadcast.Result{Outcome: broadcast.Failed, Unsubscribe: true, Reason: "the receiver says the recipient is gone (HTTP 410)"}
	case code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable:
		return broadcast.RetryResult("webhook busy: "+outbound.Status(code), outbound.RetryAfter(resp.Header.Get("Retry-After"), now))
	case code == http.StatusRequestTimeout || code >= 500:
		return broadcast.RetryResult("webhook error: "+outbound.Status(code), 0)
	}
	return broadcast.FailedResult("webhook rejected: " + outbound.Status(code))
}

// post sends a signed JSON body to the account's webhook and reads the
// receiver's answer as an error when it is not a 2xx.
func (c *Channel) post(ctx context.Context, accountID int64, v any) error {
	e := c.endpoint(ctx, accountID)
	if errors.Is(e.err, ErrNotConfigured) {
		return bridge.Fail("platform.webhook_not_configured", e.err)
	}
	if e.err != nil {
		return bridge.Fail("platform.failed", e.err)
	}
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	now := c.now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook URL: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Plaza-Webhook/1")
	req.Header.Set("X-Plaza-Timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("X-Plaza-Signature", Sign(e.secret, now, body))
	resp, err := c.client.Do(req)
	if err != nil {
		return bridge.Fail("platform.webhook_unreachable", fmt.Errorf("webhook: %w", err), outbound.Reason(err))
	}
	defer resp.Body.Close()
	if r := result(resp, now); r.Outcome != broadcast.Sent {
		return bridge.Fail("platform.webhook_refused", errors.New(r.Reason), outbound.Status(resp.StatusCode))
	}
	return nil
}

// Reply sends a staff member's reply from the inbox to the person at
// address to, as {"type": "reply", ...} (README.md documents it).
func (c *Channel) Reply(ctx context.Context, accountID int64, to, text string) error {
	return c.post(ctx, accountID, map[string]any{"type": "reply", "account_id": accountID, "to": to, "text": text,
		"sent_at": c.now().UTC().Format(time.RFC3339)})
}

// TestConnection sends {"type": "ping"} and expects a 2xx.
func (c *Channel) TestConnection(ctx context.Context, s *bridge.Settings) (string, error) {
	c.cache.Remove(strconv.FormatInt(s.AccountID, 10))
	if err := c.post(ctx, s.AccountID, map[string]any{"type": "ping", "account_id": s.AccountID}); err != nil {
		return "", err
	}
	return "HTTP 2xx", nil
}
