package sms

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/outbound"
	smscore "github.com/plazahq/plaza/sms"
)

// Settings finds an account's SMS settings (models/channel).
type Settings interface {
	Cached(ctx context.Context, accountID int64, channel string) (*bridge.Settings, error)
}

// Receipts records what a provider later says became of a message
// (broadcast.Service).
type Receipts interface {
	RecordUndelivered(ctx context.Context, accountID int64, deliveryID, reason string) (bool, error)
}

// Limiter is the broadcast engine's token buckets (broadcast.Limiter),
// kept in the database so that every instance draws from the same one.
type Limiter interface {
	Take(ctx context.Context, key string, rate float64, want int, now time.Time) (int, time.Duration, error)
}

// Channel sends notices and staff replies as SMS.
type Channel struct {
	client   *Client
	settings Settings
	receipts Receipts
	// limiter paces the replies (the router's, staff's) within the
	// account's number's rate, from the bucket the engine's sends of
	// notices draw on; nil sends them unpaced.
	limiter Limiter
	// baseURL is Plaza's public address (PLAZA_BASE_URL): the provider
	// calls back there, and signs that URL.
	baseURL string
}

// NewChannel builds the channel; client goes through the shared outbound
// client, as the provider's address is one staff type. receipts takes
// the delivery receipts (nil: they are only logged); limiter is the
// engine's, for the replies.
func NewChannel(client *Client, settings Settings, receipts Receipts, limiter Limiter, baseURL string) *Channel {
	return &Channel{client: client, settings: settings, receipts: receipts, limiter: limiter, baseURL: strings.TrimRight(baseURL, "/")}
}

// MaxReplyWait is the longest a reply waits for its turn within the
// account's rate: an inbox reply or the answer to a text waits a moment
// behind a notice being sent, but not behind a whole broadcast.
const MaxReplyWait = 5 * time.Second

// ErrRateLimited is a reply that would have waited longer than
// MaxReplyWait for the account's number.
var ErrRateLimited = errors.New("SMS reply not sent: the account's number is at its rate of messages per second")

// take waits for a token of the account's bucket, as the engine draws
// one for each notice it sends, for at most MaxReplyWait in all.
func (c *Channel) take(ctx context.Context, accountID int64) error {
	if c.limiter == nil {
		return nil
	}
	rate := c.AccountRate(ctx, accountID)
	if rate <= 0 {
		return nil
	}
	key := broadcast.AccountKey(ChannelName, accountID)
	var waited time.Duration
	for {
		granted, wait, err := c.limiter.Take(ctx, key, rate, 1, time.Now())
		if err != nil {
			return err
		}
		if granted == 1 {
			return nil
		}
		if waited+wait > MaxReplyWait {
			return fmt.Errorf("%w (next in %s)", ErrRateLimited, wait.Round(time.Millisecond))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		waited += wait
	}
}

var _ interface {
	bridge.Channel
	bridge.Receiver
	broadcast.AccountRater
} = (*Channel)(nil)

// Name is the channel's name on followers.
func (c *Channel) Name() string { return ChannelName }

// ErrNotConfigured is an account without an SMS provider set up and
// enabled.
var ErrNotConfigured = errors.New("SMS is not set up for this account")

// config is an account's provider account and sender.
type config struct {
	Account
	From string
}

func configOf(s *bridge.Settings) (config, error) {
	if s.Get(FieldSID) == "" || s.Get(FieldToken) == "" || s.Get(FieldFrom) == "" {
		return config{}, ErrNotConfigured
	}
	base := s.Get(FieldBase)
	if base == "" {
		base = DefaultBase
	}
	return config{Account: Account{Base: base, SID: s.Get(FieldSID), Token: s.Get(FieldToken)}, From: s.Get(FieldFrom)}, nil
}

func (c *Channel) config(ctx context.Context, accountID int64) (config, error) {
	s, err := c.settings.Cached(ctx, accountID, ChannelName)
	if errors.Is(err, models.ErrNotFound) || (err == nil && !s.Enabled) {
		return config{}, ErrNotConfigured
	}
	if err != nil {
		return config{}, err
	}
	return configOf(s)
}

// AccountRate is the account's messages per second (the setting, 1 when
// it is not set); an account without SMS set up has no limit here, as
// its sends fail anyway.
func (c *Channel) AccountRate(ctx context.Context, accountID int64) float64 {
	s, err := c.settings.Cached(ctx, accountID, ChannelName)
	if err != nil || !s.Enabled {
		return 0
	}
	if r, err := strconv.ParseFloat(s.Get(FieldRate), 64); err == nil && r > 0 {
		return r
	}
	return 1
}

// StatusURL is where the provider reports what became of an account's
// messages.
func (c *Channel) StatusURL(handle string) string {
	return c.baseURL + "/bridge/" + ChannelName + "/" + handle + "/status"
}

// deliveryParam names the delivery a status callback is about, in the
// callback's query: the provider signs the whole URL, so it cannot be
// changed, and the ledger needs no provider message id.
const deliveryParam = "d"

// MaxSegments bounds what one notice costs per follower: the body is cut
// to fit, never the link or the opt-out.
const MaxSegments = 3

// Text is a notice as one SMS in the follower's language lang: title,
// what to do (a safety notice's), short text, the notice's link and the
// opt-out carriers require, the text cut so that the whole is at most
// MaxSegments segments. What to do goes before the text, which is cut
// first, so that no cut drops it.
func Text(c *broadcast.Content, lang i18n.Lang) string {
	tail := "\n" + i18n.T(lang, "sms.stop")
	if c.URL != "" {
		tail = "\n" + c.URL + tail
	}
	head := strings.TrimSpace(c.Subject)
	body := c.Text
	if c.WhatToDo != "" {
		head += "\n" + c.WhatToDo
		if cut := strings.Replace(body, "\n\n"+c.WhatToDo, "", 1); cut != body {
			body = cut
		} else {
			body = strings.Replace(body, c.WhatToDo, "", 1)
		}
	}
	if body = strings.TrimSpace(body); body != "" {
		head += "\n" + body
	}
	whole := smscore.Fit(head + tail)
	if whole.Segments <= MaxSegments {
		return head + tail
	}
	// The ellipsis is not in the GSM alphabet: a text that goes as GSM-7
	// is marked cut with three dots, so that the mark does not make the
	// whole message UCS-2 (and a third as long).
	mark := "…"
	if whole.Encoding == smscore.GSM7 {
		mark = "..."
	}
	runes := []rune(head)
	clip := func(n int) string { return strings.TrimRight(string(runes[:n]), " \n") + mark }
	// The longest cut of head that fits: segments only grow with length.
	lo, hi := 0, len(runes)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if smscore.Fit(clip(mid)+tail).Segments <= MaxSegments {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return clip(lo) + tail
}

// Send delivers a notice to the follower's number (E.164 since they
// followed).
func (c *Channel) Send(ctx context.Context, m *broadcast.Message) broadcast.Result {
	cfg, err := c.config(ctx, m.Content.AccountID)
	if errors.Is(err, ErrNotConfigured) {
		return broadcast.FailedResult(err.Error())
	}
	if err != nil {
		return broadcast.RetryResult("SMS settings could not be read", 0).Because(err)
	}
	lang, _ := i18n.Parse(m.To.Language)
	_, err = c.client.Send(ctx, cfg.Account, m.To.Address, cfg.From, Text(m.Content, lang),
		c.StatusURL(m.Content.AccountHandle)+"?"+deliveryParam+"="+url.QueryEscape(m.DeliveryID))
	return result(err)
}

// result maps the provider's answer to a delivery result. The reason is
// the status and the provider's error code, never its message.
func result(err error) broadcast.Result {
	if err == nil {
		return broadcast.SentResult()
	}
	e, ok := asAPIError(err)
	if !ok {
		if errors.Is(err, outbound.ErrNotAllowed) {
			return broadcast.FailedResult("SMS provider unreachable: " + outbound.Reason(err)).Because(err)
		}
		return broadcast.RetryResult("SMS provider unreachable: "+outbound.Reason(err), 0).Because(err)
	}
	reason := "SMS provider error: " + outbound.Status(e.Status)
	if e.Code != 0 {
		reason = "SMS provider error " + strconv.Itoa(e.Code) + ": " + outbound.Status(e.Status)
	}
	switch {
	case e.Throttled() || e.Status == http.StatusServiceUnavailable:
		return broadcast.RetryResult(reason, e.RetryAfter).Because(err)
	case e.Status >= 500 || e.Status == http.StatusRequestTimeout:
		return broadcast.RetryResult(reason, 0).Because(err)
	}
	return broadcast.FailedResult(reason).Because(err)
}

// failure is what staff are told about a failed call to the provider.
func failure(err error) error {
	var f *bridge.Failure
	if err == nil || errors.As(err, &f) {
		return err
	}
	if errors.Is(err, ErrNotConfigured) {
		return bridge.Fail("platform.sms_not_configured", err)
	}
	if errors.Is(err, ErrRateLimited) {
		return bridge.Fail("platform.sms_rate_limited", err)
	}
	e, ok := asAPIError(err)
	switch {
	case !ok || e.Status >= 500:
		return bridge.Fail("platform.sms_unreachable", err)
	case e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden || e.Status == http.StatusNotFound:
		return bridge.Fail("platform.sms_credentials", err)
	case e.Throttled():
		return bridge.Fail("platform.sms_busy", err)
	}
	return bridge.Fail("platform.sms_refused", err, fmt.Sprint(e.Code))
}

// Reply sends a staff member's reply from the inbox as a text.
func (c *Channel) Reply(ctx context.Context, accountID int64, to, text string) error {
	cfg, err := c.config(ctx, accountID)
	if err != nil {
		return failure(err)
	}
	if err := c.take(ctx, accountID); err != nil {
		return failure(err)
	}
	_, err = c.client.Send(ctx, cfg.Account, to, cfg.From, text, "")
	return failure(err)
}

// TestConnection reads the provider's account, which proves the SID and
// the token, and names it.
func (c *Channel) TestConnection(ctx context.Context, s *bridge.Settings) (string, error) {
	cfg, err := configOf(s)
	if err != nil {
		return "", failure(err)
	}
	info, err := c.client.Fetch(ctx, cfg.Account)
	if err != nil {
		return "", failure(err)
	}
	if info.FriendlyName != "" {
		return info.FriendlyName + " (" + cfg.From + ")", nil
	}
	return cfg.SID + " (" + cfg.From + ")", nil
}
