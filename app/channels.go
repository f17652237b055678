package app

import (
	"context"
	"errors"
	"net/http"

	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/bridge/email"
	"github.com/plazahq/plaza/bridge/telegram"
	"github.com/plazahq/plaza/bridge/webhook"
	"github.com/plazahq/plaza/bridge/wechat"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/channel"
)

// ChannelDeps is what a channel is built with.
type ChannelDeps struct {
	Config config.Config
	// Settings reads each account's settings for the channel.
	Settings *channel.Service
	Store    *models.Store
	// HTTP is the shared outbound client: it refuses internal addresses
	// unless the operator allows them.
	HTTP *http.Client
}

// Channels registers every channel Plaza runs, one line each. A new
// channel is a package under bridge/ meeting bridge.Channel, a line here
// and its name in the message catalog (channel.<name>).
func Channels(d ChannelDeps, mail *email.Channel) *bridge.Registry {
	r := &bridge.Registry{}
	r.AddSender(mail)
	r.Add(webhook.New(webhookEndpoints{d.Settings}, d.HTTP))
	r.Add(wechat.NewChannel(wechat.NewClient(d.Config.WeChatAPI, nil, d.Settings), d.Settings, d.Store))
	r.Add(telegram.NewChannel(telegram.NewClient(d.Config.TelegramAPI, nil), d.Settings))
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
