package wechat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/models"
)

// Store is what the channel reads: the account's settings and when the
// person last wrote (WeChat's 48-hour window).
type Store interface {
	ChatSettingsOf(ctx context.Context, accountID int64, channel string) (*models.ChatSettings, error)
	LastInbound(ctx context.Context, accountID int64, channel, address string) (*time.Time, error)
}

// Channel sends notices and staff replies to WeChat followers.
type Channel struct {
	client *Client
	store  Store
	now    func() time.Time
}

// NewChannel builds the channel.
func NewChannel(client *Client, store Store) *Channel {
	return &Channel{client: client, store: store, now: time.Now}
}

// Name is the channel's name on followers.
func (c *Channel) Name() string { return ChannelName }

// Client is the API client the channel sends with.
func (c *Channel) Client() *Client { return c.client }

// ErrNotConfigured is an account without WeChat set up and enabled.
var ErrNotConfigured = errors.New("WeChat is not set up for this account")

func (c *Channel) settings(ctx context.Context, accountID int64) (*models.ChatSettings, Credentials, error) {
	s, err := c.store.ChatSettingsOf(ctx, accountID, ChannelName)
	if errors.Is(err, models.ErrNotFound) || (err == nil && (!s.Enabled || s.AppSecret == "")) {
		return nil, Credentials{}, ErrNotConfigured
	}
	if err != nil {
		return nil, Credentials{}, err
	}
	return s, Credentials{AppID: s.AppID, AppSecret: s.AppSecret}, nil
}

// maxText is what Plaza puts in one customer-service message; WeChat
// takes up to 2048 bytes of content.
const maxText = 600

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// Send delivers a notice: as a customer-service message to someone who
// wrote within 48 hours, otherwise as the account's template message.
// Without a template, a person outside the window cannot be reached, and
// the delivery fails with that reason.
func (c *Channel) Send(ctx context.Context, m *broadcast.Message) broadcast.Result {
	mc := m.Content
	s, cr, err := c.settings(ctx, mc.AccountID)
	if errors.Is(err, ErrNotConfigured) {
		return broadcast.FailedResult(err.Error())
	}
	if err != nil {
		return broadcast.RetryResult("WeChat settings: "+err.Error(), 0)
	}
	last, err := c.store.LastInbound(ctx, mc.AccountID, ChannelName, m.To.Address)
	if err != nil {
		return broadcast.RetryResult("reply window: "+err.Error(), 0)
	}
	if last != nil && c.now().Sub(*last) < models.ReplyWindow {
		text := clip(mc.Subject+"\n\n"+mc.Text, maxText) + "\n" + mc.URL
		return result(c.client.SendText(ctx, cr, m.To.Address, text))
	}
	if s.TemplateID == "" {
		return broadcast.FailedResult("outside WeChat's 48-hour window and no template message is set up")
	}
	_, err = c.client.SendTemplate(ctx, cr, Template{ToUser: m.To.Address, TemplateID: s.TemplateID, URL: mc.URL,
		Data: map[string]TemplateField{
			"first":    {Value: clip(mc.Subject, 100)},
			"keyword1": {Value: clip(mc.AccountName, 40)},
			"keyword2": {Value: clip(mc.Title, 100)},
			"remark":   {Value: clip(mc.Text, 200)},
		}})
	return result(err)
}

// result maps WeChat's answer to a delivery result.
func result(err error) broadcast.Result {
	if err == nil {
		return broadcast.SentResult()
	}
	switch CodeOf(err) {
	case 0:
		return broadcast.RetryResult(err.Error(), 0)
	case CodeNotFollowing:
		return broadcast.Result{Outcome: broadcast.Failed, Unsubscribe: true, Reason: "the person no longer follows the account on WeChat"}
	case CodeOutOfWindow:
		return broadcast.FailedResult("outside WeChat's 48-hour window")
	case CodeBusy, CodeTooFrequent, CodeReplyLimit, CodeBadCredential, CodeBadToken, CodeTokenExpired:
		return broadcast.RetryResult(err.Error(), time.Minute)
	}
	return broadcast.FailedResult(err.Error())
}

// Reply sends a staff member's reply from the inbox.
func (c *Channel) Reply(ctx context.Context, accountID int64, to, text string) error {
	_, cr, err := c.settings(ctx, accountID)
	if err != nil {
		return err
	}
	err = c.client.SendText(ctx, cr, to, text)
	if CodeOf(err) == CodeOutOfWindow {
		return fmt.Errorf("%w: %v", models.ErrReplyWindow, err)
	}
	return err
}

// TestConnection fetches a fresh access token, which proves the AppID
// and AppSecret (and that WeChat accepts calls from this server's IP).
func (c *Channel) TestConnection(ctx context.Context, s *models.ChatSettings) (string, error) {
	if s.AppID == "" || s.AppSecret == "" {
		return "", ErrNotConfigured
	}
	_, _, err := c.client.FetchToken(ctx, Credentials{AppID: s.AppID, AppSecret: s.AppSecret})
	if err != nil {
		return "", err
	}
	return strings.TrimSpace("AppID " + s.AppID), nil
}

// FollowQR asks WeChat for a permanent parameterized QR code for scene
// and returns the URL it encodes: a person who scans it in WeChat and
// follows arrives with the scene.
func (c *Channel) FollowQR(ctx context.Context, accountID int64, scene string) (string, error) {
	_, cr, err := c.settings(ctx, accountID)
	if err != nil {
		return "", err
	}
	q, err := c.client.CreateQR(ctx, cr, scene)
	if err != nil {
		return "", err
	}
	if q.URL == "" {
		return "", errors.New("WeChat answered without the code's URL")
	}
	return q.URL, nil
}
