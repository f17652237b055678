package telegram

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/outbound"
)

// Settings finds an account's Telegram settings (models/channel).
type Settings interface {
	Cached(ctx context.Context, accountID int64, channel string) (*bridge.Settings, error)
}

// Channel sends notices and staff replies to Telegram followers.
type Channel struct {
	client   *Client
	settings Settings
}

// NewChannel builds the channel.
func NewChannel(client *Client, settings Settings) *Channel {
	return &Channel{client: client, settings: settings}
}

var _ interface {
	bridge.Channel
	bridge.Receiver
	bridge.Connector
	bridge.Facter
	bridge.Learner
} = (*Channel)(nil)

// Name is the channel's name on followers.
func (c *Channel) Name() string { return ChannelName }

// ErrNotConfigured is an account without a bot set up and enabled.
var ErrNotConfigured = errors.New("Telegram is not set up for this account")

func (c *Channel) token(ctx context.Context, accountID int64) (string, error) {
	s, err := c.settings.Cached(ctx, accountID, ChannelName)
	if errors.Is(err, models.ErrNotFound) || (err == nil && (!s.Enabled || s.Get(FieldBotToken) == "")) {
		return "", ErrNotConfigured
	}
	if err != nil {
		return "", err
	}
	return s.Get(FieldBotToken), nil
}

// maxText is Telegram's limit on a message's text.
const maxText = 4096

// MaxText is maxText for the publish confirmation's chat preview.
const MaxText = maxText

// Send delivers a notice. A 429 comes back after the retry_after Telegram
// gives; a 403 (the person blocked the bot) ends the follow.
func (c *Channel) Send(ctx context.Context, m *broadcast.Message) broadcast.Result {
	tok, err := c.token(ctx, m.Content.AccountID)
	if errors.Is(err, ErrNotConfigured) {
		return broadcast.FailedResult(err.Error())
	}
	if err != nil {
		return broadcast.RetryResult("Telegram settings could not be read", 0).Because(err)
	}
	return result(c.client.SendMessage(ctx, tok, m.To.Address, bridge.NoticeText(m.Content, maxText)))
}

// result maps Telegram's answer to a delivery result, with a short
// reason: the error code, never Telegram's description.
func result(err error) broadcast.Result {
	if err == nil {
		return broadcast.SentResult()
	}
	var e *APIError
	if !errors.As(err, &e) {
		return broadcast.RetryResult("Telegram unreachable: "+outbound.Reason(err), 0).Because(err)
	}
	reason := fmt.Sprintf("Telegram error %d", e.Code)
	switch {
	case e.Code == 429:
		return broadcast.RetryResult(reason, max(e.RetryAfter, time.Second))
	case e.Code == 403:
		return broadcast.Result{Outcome: broadcast.Failed, Unsubscribe: true, Reason: "the person blocked the bot on Telegram"}
	case e.Code >= 500:
		return broadcast.RetryResult(reason, 0)
	}
	return broadcast.FailedResult(reason)
}

// failure is what staff are told about a failed call to Telegram: a
// message key with the next step, the error kept for the log.
func failure(err error) error {
	var f *bridge.Failure
	var e *APIError
	switch {
	case err == nil || errors.As(err, &f):
		return err
	case errors.Is(err, ErrNotConfigured):
		return bridge.Fail("platform.telegram_not_configured", err)
	case !errors.As(err, &e) || e.Code >= 500:
		return bridge.Fail("platform.telegram_unreachable", err)
	case e.Code == 401 || e.Code == 404:
		// Telegram answers 401 for a revoked token and 404 for a malformed one.
		return bridge.Fail("platform.telegram_token", err)
	case e.Code == 403:
		return bridge.Fail("platform.telegram_blocked", err)
	case e.Code == 429:
		return bridge.Fail("platform.telegram_busy", err)
	}
	return bridge.Fail("platform.telegram_refused", err)
}

// Reply sends a staff member's reply from the inbox; a 429 is waited out
// once (within ctx).
func (c *Channel) Reply(ctx context.Context, accountID int64, to, text string) error {
	tok, err := c.token(ctx, accountID)
	if err != nil {
		return failure(err)
	}
	err = c.client.SendMessage(ctx, tok, to, text)
	var e *APIError
	if errors.As(err, &e) && e.Code == 429 && e.RetryAfter > 0 && e.RetryAfter <= 10*time.Second {
		select {
		case <-time.After(e.RetryAfter):
		case <-ctx.Done():
			return failure(err)
		}
		err = c.client.SendMessage(ctx, tok, to, text)
	}
	return failure(err)
}

// TestConnection asks Telegram who the bot is, which proves the token.
func (c *Channel) TestConnection(ctx context.Context, s *bridge.Settings) (string, error) {
	if s.Get(FieldBotToken) == "" {
		return "", failure(ErrNotConfigured)
	}
	b, err := c.client.GetMe(ctx, s.Get(FieldBotToken))
	if err != nil {
		return "", failure(err)
	}
	return "@" + b.Username, nil
}

// Connect points the bot's webhook at url with the account's secret
// token (setWebhook).
func (c *Channel) Connect(ctx context.Context, s *bridge.Settings, url string) error {
	if s.Get(FieldBotToken) == "" {
		return failure(ErrNotConfigured)
	}
	return failure(c.client.SetWebhook(ctx, s.Get(FieldBotToken), url, s.Get(FieldSecretToken)))
}
