// Package webpush is the browser notification channel: a notice goes to
// a browser's push subscription (the follower's address, its JSON) as an
// RFC 8291 encrypted message through the browser's push service, with
// VAPID (RFC 8292) saying who sends it. The building blocks are package
// webpush at the root; this package is the channel.
package webpush

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/outbound"
	"github.com/plazahq/plaza/secrets"
	wp "github.com/plazahq/plaza/webpush"
)

// TTLs a push service keeps an undelivered message for: an emergency is
// still worth showing hours later, an ordinary notice for an hour.
const (
	EmergencyTTL = 6 * time.Hour
	OrdinaryTTL  = time.Hour
)

// BodyRunes bounds the notification's text: a notification shows a few
// lines, and the whole payload must fit one push message.
const BodyRunes = 180

// Payload is what the service worker (static/sw.js) receives.
type Payload struct {
	Title string `json:"title"`
	Body  string `json:"body"`
	URL   string `json:"url"`
	Tag   string `json:"tag"`
	// Unsubscribe is the follower's signed one-click stop link, which
	// the notification's "Stop" action (Stop, in the follower's
	// language) opens: its page confirms, then stops the follow.
	Unsubscribe string `json:"unsubscribe,omitempty"`
	Stop        string `json:"stop,omitempty"`
	// Preferences is the follower's signed preferences link (topics,
	// area, language), which the "Settings" action opens.
	Preferences string `json:"preferences,omitempty"`
	Settings    string `json:"settings,omitempty"`
}

// Links signs a follower's stop and preferences links (mailer.Links).
type Links interface {
	Unsubscribe(followerID int64) string
	Preferences(followerID int64) string
}

// Channel sends notices to browsers' push services.
type Channel struct {
	keys    wp.Keys
	subject string
	client  *http.Client
	links   Links
	now     func() time.Time
}

var _ bridge.Channel = (*Channel)(nil)

// New builds the channel with the instance's VAPID keys, the operator's
// contact as the VAPID subject (a mailto: or https: URL) and client,
// which should be outbound's client (nil: one that reaches public
// addresses only). Redirects are not followed. links signs the stop link
// each notification carries (nil: none).
func New(keys wp.Keys, subject string, client *http.Client, links Links) *Channel {
	if client == nil {
		client = outbound.NewClient(nil)
	}
	own := *client
	own.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if own.Timeout == 0 {
		own.Timeout = 10 * time.Second
	}
	return &Channel{keys: keys, subject: subject, client: &own, links: links, now: time.Now}
}

// Subject is the VAPID contact for an instance: its address when it is
// https, else the mailto: of the address mail comes from.
func Subject(baseURL, mailFrom string) string {
	if strings.HasPrefix(baseURL, "https://") {
		return strings.TrimRight(baseURL, "/")
	}
	if a, err := mail.ParseAddress(mailFrom); err == nil {
		return "mailto:" + a.Address
	}
	return "mailto:webpush@plaza.invalid"
}

// Name is the channel's name on followers.
func (c *Channel) Name() string { return models.ChannelWebPush }

// Schema is only the account's switch: the keys are the instance's, so
// there is nothing to enter, but an account chooses whether its pages
// offer "Get notifications in this browser".
func (c *Channel) Schema() bridge.Schema {
	return bridge.Schema{Title: "channel.webpush", Hint: "chat.webpush_hint", Switch: true}
}

// PublicKey is the VAPID public key pages subscribe with.
func (c *Channel) PublicKey() string { return c.keys.Public }

// ErrNoReplies is Reply's answer: a browser cannot write back.
var ErrNoReplies = errors.New("webpush: browsers cannot be replied to")

// Reply is refused: a browser notification has no conversation.
func (c *Channel) Reply(ctx context.Context, accountID int64, to, text string) error {
	return bridge.Fail("platform.failed", ErrNoReplies)
}

// TestConnection has nothing to check with a push service before there is
// a subscription; it names the public key in use.
func (c *Channel) TestConnection(ctx context.Context, s *bridge.Settings) (string, error) {
	if len(c.keys.Public) < 12 {
		return "", bridge.Fail("platform.failed", errors.New("webpush: no VAPID keys"))
	}
	return "VAPID " + c.keys.Public[:12] + "…", nil
}

// PayloadOf is the notification for a message: the subject as title, the
// text cut short, the notice's page, and the notice as tag so an update
// replaces the earlier notification.
func PayloadOf(m *broadcast.Message) Payload {
	mc := m.Content
	return Payload{Title: mc.Subject, Body: Short(mc.Text, BodyRunes), URL: mc.URL, Tag: Tag(mc.NoticeID)}
}

// Tag is the notification tag and Topic key of a notice.
func Tag(noticeID int64) string { return "notice-" + strconv.FormatInt(noticeID, 10) }

// Short cuts s to at most n runes on a word boundary where one is near,
// with an ellipsis.
func Short(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut := string([]rune(s)[:n-1])
	if i := strings.LastIndexByte(cut, ' '); i >= len(cut)/2 {
		return cut[:i] + "…"
	}
	return cut + "…"
}

// Send encrypts the notification for the subscription and posts it to
// its push service.
func (c *Channel) Send(ctx context.Context, m *broadcast.Message) broadcast.Result {
	sub, err := wp.ParseSubscription([]byte(m.To.Address))
	if err != nil {
		return broadcast.Result{Outcome: broadcast.Failed, Unsubscribe: true, Reason: "the browser's subscription is not valid"}.Because(err)
	}
	p := PayloadOf(m)
	if c.links != nil && m.To.FollowerID != 0 {
		lang, _ := i18n.Parse(m.To.Language)
		p.Unsubscribe, p.Stop = c.links.Unsubscribe(m.To.FollowerID), i18n.T(lang, "webpush.stop")
		p.Preferences, p.Settings = c.links.Preferences(m.To.FollowerID), i18n.T(lang, "webpush.settings")
	}
	body, err := json.Marshal(p)
	if err != nil {
		return broadcast.FailedResult("the notice could not be encoded").Because(err)
	}
	enc, err := wp.Encrypt(sub, body, wp.EncryptOptions{})
	if err != nil {
		return broadcast.FailedResult("the notification could not be built").Because(err)
	}
	opts := wp.PushOptions{TTL: OrdinaryTTL, Urgency: wp.UrgencyNormal, Topic: wp.TopicFor(Tag(m.Content.NoticeID))}
	if m.Content.Emergency {
		opts.TTL, opts.Urgency = EmergencyTTL, wp.UrgencyHigh
	}
	h, err := wp.Headers(opts)
	if err != nil {
		return broadcast.FailedResult("the notification could not be built").Because(err)
	}
	now := c.now()
	auth, err := wp.Authorization(c.keys, sub.Endpoint, c.subject, now, 12*time.Hour)
	if err != nil {
		return broadcast.FailedResult("the notification could not be built").Because(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.Endpoint, bytes.NewReader(enc))
	if err != nil {
		return broadcast.FailedResult("the browser's subscription is not valid").Because(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("User-Agent", "Plaza-WebPush/1")
	resp, err := c.client.Do(req)
	if errors.Is(err, outbound.ErrNotAllowed) {
		return broadcast.FailedResult("push service unreachable: " + outbound.Reason(err)).Because(err)
	}
	if err != nil {
		return broadcast.RetryResult("push service unreachable: "+outbound.Reason(err), 0).Because(err)
	}
	defer resp.Body.Close()
	return result(resp, c.now())
}

// result maps the push service's answer (RFC 8030 §5, §8): 2xx sent; 404
// and 410 the subscription is gone, which ends the follow; 429 and 5xx
// come back later (after Retry-After); any other 4xx is a refusal
// retrying will not change.
func result(resp *http.Response, now time.Time) broadcast.Result {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	code := resp.StatusCode
	switch {
	case code >= 200 && code < 300:
		return broadcast.SentResult()
	case code == http.StatusNotFound || code == http.StatusGone:
		return broadcast.Result{Outcome: broadcast.Failed, Unsubscribe: true,
			Reason: "the browser's subscription has ended: " + outbound.Status(code)}
	case code == http.StatusTooManyRequests || code >= 500:
		return broadcast.RetryResult("push service busy: "+outbound.Status(code), outbound.RetryAfter(resp.Header.Get("Retry-After"), now))
	}
	return broadcast.FailedResult("push service rejected: " + outbound.Status(code))
}

// KeyStore keeps instance-wide values (models/account's settings).
type KeyStore interface {
	InstanceValue(ctx context.Context, name string, generate func() (string, error)) (string, error)
}

// keysSetting is the settings row holding the VAPID keys: the public key,
// a space, and the private key sealed with the instance's secret box.
const keysSetting = "webpush_vapid"

// LoadKeys returns the instance's VAPID keys, generating them on first
// use; every instance shares them.
func LoadKeys(ctx context.Context, store KeyStore, box *secrets.Box) (wp.Keys, error) {
	v, err := store.InstanceValue(ctx, keysSetting, func() (string, error) {
		k, err := wp.GenerateKeys()
		if err != nil {
			return "", err
		}
		sealed, err := box.Seal([]byte(k.Private))
		if err != nil {
			return "", err
		}
		return k.Public + " " + sealed, nil
	})
	if err != nil {
		return wp.Keys{}, err
	}
	pub, sealed, ok := strings.Cut(v, " ")
	if !ok {
		return wp.Keys{}, errors.New("webpush: the stored VAPID keys are malformed")
	}
	priv, err := box.Open(sealed)
	if err != nil {
		return wp.Keys{}, errors.New("webpush: the stored VAPID private key does not open with this secret key (delete the webpush_vapid row of settings to make new keys; browsers then subscribe again)")
	}
	return wp.ParseKeys(pub, string(priv))
}
