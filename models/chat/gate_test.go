package chat_test

import (
	"context"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

// TestServiceAnswersOneRule holds the chat services to Require's rule
// (models.TestServicesAnswerOneRule, which had the Inbox row before the
// domain moved here): no member, and a member of another organization
// whatever their role there, get ErrNotFound; a member whose role lacks
// the permission gets ErrForbidden, before the service looks at its input
// or its rows.
func TestServiceAnswersOneRule(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		s, acc := a.Chats, f.Account
		conv := &models.Conversation{ID: 1, AccountID: acc.ID, Channel: models.ChannelWebhook, Address: "x"}
		calls := []apptest.Gated{
			{Name: "Inbox", Perm: models.PermModerate, Call: func(ctx context.Context, m *models.Member) error {
				_, _, err := s.Inbox(ctx, m, acc, models.InboxFilter{})
				return err
			}},
			{Name: "ConversationByID", Perm: models.PermModerate, Call: func(ctx context.Context, m *models.Member) error {
				_, err := s.ConversationByID(ctx, m, acc, 1)
				return err
			}},
			{Name: "AssignConversation", Perm: models.PermModerate, Call: func(ctx context.Context, m *models.Member) error {
				return s.AssignConversation(ctx, m, acc, conv, 0)
			}},
			{Name: "SetConversationStatus", Perm: models.PermModerate, Call: func(ctx context.Context, m *models.Member) error {
				return s.SetConversationStatus(ctx, m, acc, conv, models.ConversationClosed)
			}},
			{Name: "AddChatKeyword", Perm: models.PermWrite, Call: func(ctx context.Context, m *models.Member) error {
				return s.AddChatKeyword(ctx, m, acc, models.ChatKeyword{Keyword: "hi", Match: models.MatchExact, Translations: models.Translations{"en": {"reply": "hello"}}})
			}},
			{Name: "DeleteChatKeyword", Perm: models.PermWrite, Call: func(ctx context.Context, m *models.Member) error {
				return s.DeleteChatKeyword(ctx, m, acc, 1)
			}},
			{Name: "SetChatWelcome", Perm: models.PermWrite, Call: func(ctx context.Context, m *models.Member) error {
				return s.SetChatWelcome(ctx, m, acc, map[string]string{"en": "Welcome"})
			}},
		}
		apptest.AnswersOneRule(t, f, calls)
	})
}
