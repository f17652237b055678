package handlers_test

import (
	"context"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/channel"
)

// settings are a channel's settings from field names and values.
func settings(enabled bool, kv ...string) channel.Settings {
	s := channel.Settings{Enabled: enabled, Values: map[string]string{}}
	for i := 0; i+1 < len(kv); i += 2 {
		s.Values[kv[i]] = kv[i+1]
	}
	return s
}

// saveChat saves an account's settings for a registered channel, as its
// form would.
func saveChat(ctx context.Context, a *apptest.App, m *models.Member, acc *models.Account, name string, s channel.Settings) error {
	return a.Channels.Save(ctx, m, acc, name, a.Registry.Get(name).Schema(), s)
}
