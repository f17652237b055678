package app

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/bridge/email"
	"github.com/plazahq/plaza/bridge/sms"
	"github.com/plazahq/plaza/bridge/telegram"
	"github.com/plazahq/plaza/bridge/webhook"
	"github.com/plazahq/plaza/bridge/webpush"
	"github.com/plazahq/plaza/bridge/wechat"
	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/models/channel"
	"github.com/plazahq/plaza/models/chat"
	"github.com/plazahq/plaza/outbound"
	wp "github.com/plazahq/plaza/webpush"
)

// ChannelDeps is what a channel is built with.
type ChannelDeps struct {
	Config config.Config
	// Settings reads each account's settings for the channel.
	Settings *channel.Service
	Chats    *chat.Service
	// HTTP is the shared outbound client for addresses staff type: it
	// refuses internal addresses unless the operator allows them.
	HTTP *http.Client
	// Platform is the same client for the chat platforms' APIs, which
	// also reaches the API addresses the operator configured, and gives
	// up on a call after platformTimeout.
	Platform *http.Client
	// WebPushKeys are the instance's VAPID keys (webpush.LoadKeys).
	WebPushKeys wp.Keys
	// Links signs the followers' stop links Web Push notifications carry.
	Links webpush.Links
	// Receipts takes the delivery receipts channels get later (SMS).
	Receipts *broadcast.Service
	// Limiter is the broadcast engine's shared token buckets: SMS replies
	// draw on the account's number's bucket, as its notices do.
	Limiter *broadcast.Limiter
}

// platformTimeout bounds one call to a chat platform's API.
const platformTimeout = 10 * time.Second

// NewChannelDeps builds the channels' dependencies.
func NewChannelDeps(cfg config.Config, settings *channel.Service, chats *chat.Service) ChannelDeps {
	platform := outbound.NewClient(cfg.Outbound.WithHosts(cfg.WeChatAPI, cfg.TelegramAPI))
	platform.Timeout = platformTimeout
	return ChannelDeps{Config: cfg, Settings: settings, Chats: chats, HTTP: outbound.NewClient(cfg.Outbound), Platform: platform}
}

// Channels registers every channel Plaza runs, one line each. A new
// channel is a package under bridge/ meeting bridge.Channel, a line here
// and its name in the message catalog (channel.<name>).
func Channels(d ChannelDeps, mail *email.Channel) *bridge.Registry {
	r := &bridge.Registry{}
	r.AddSender(mail)
	// Web Push takes no replies or inbound requests (the follow page
	// subscribes), but is listed on the chat page for its per-account
	// switch.
	r.Add(webpush.New(d.WebPushKeys, webpush.Subject(d.Config.BaseURL, d.Config.MailFrom), d.HTTP, d.Links))
	r.Add(webhook.New(webhookEndpoints{d.Settings}, d.HTTP))
	r.Add(wechat.NewChannel(wechat.NewClient(d.Config.WeChatAPI, d.Platform, d.Settings), d.Settings, d.Chats))
	r.Add(telegram.NewChannel(telegram.NewClient(d.Config.TelegramAPI, d.Platform), d.Settings))
	var receipts sms.Receipts
	if d.Receipts != nil {
		receipts = d.Receipts
	}
	var limiter sms.Limiter
	if d.Limiter != nil {
		limiter = d.Limiter
	}
	r.Add(sms.NewChannel(sms.NewClient(d.HTTP), d.Settings, receipts, limiter, d.Config.BaseURL))
	return r
}

// webhookEndpoints gives the webhook channel the accounts' endpoints.
type webhookEndpoints struct{ settings *channel.Service }

func (w webhookEndpoints) WebhookEndpoint(ctx context.Context, accountID int64) (string, []byte, error) {
	u, secret, err := w.settings.WebhookEndpoint(ctx, accountID)
	if errors.Is(err, channel.ErrNoWebhook) {
		return "", nil, webhook.ErrNotConfigured
	}
	return u, secret, err
}
