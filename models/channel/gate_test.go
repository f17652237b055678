package channel_test

import (
	"context"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/bridge/wechat"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/channel"
)

// TestServiceAnswersOneRule holds the channel-settings services to
// Require's rule (models.TestServicesAnswerOneRule had the SaveWebhook row
// before the domain moved here): no member, and a member of another
// organization whatever their role there, get ErrNotFound; a member whose
// role lacks the permission gets ErrForbidden, before the service looks
// at its input or its rows.
func TestServiceAnswersOneRule(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		s, acc := a.Channels, f.Account
		calls := []apptest.Gated{
			{Name: "SaveWebhook", Perm: models.PermWrite, Call: func(ctx context.Context, m *models.Member) error {
				return s.SaveWebhook(ctx, m, acc, channel.WebhookInput{})
			}},
			{Name: "Webhook", Perm: models.PermWrite, Call: func(ctx context.Context, m *models.Member) error {
				_, err := s.Webhook(ctx, m, acc)
				return err
			}},
			{Name: "Save", Perm: models.PermWrite, Call: func(ctx context.Context, m *models.Member) error {
				return s.Save(ctx, m, acc, models.ChannelWeChat, wechat.SettingsSchema, channel.Settings{})
			}},
			{Name: "SetChannel", Perm: models.PermWrite, Call: func(ctx context.Context, m *models.Member) error {
				return s.SetChannel(ctx, m, acc, models.ChannelEmail, false)
			}},
			{Name: "Credentials", Perm: models.PermWrite, Call: func(ctx context.Context, m *models.Member) error {
				_, err := s.Credentials(ctx, m, acc, models.ChannelWeChat)
				return err
			}},
		}
		apptest.AnswersOneRule(t, f, calls)
	})
}
