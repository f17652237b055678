package chat

import (
	"context"
	"fmt"

	"github.com/plazahq/plaza/models"
)

// OpenConversations counts the open inbox conversations of the
// organization's accounts, for its home: one COUNT over the inbox's
// (account_id, status) index. A viewer, who cannot open the inbox, may
// still see how many there are.
func (s *Service) OpenConversations(ctx context.Context, m *models.Member, accounts []models.Account) (int64, error) {
	ids, err := models.OrgAccountIDs(m, models.PermView, accounts)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	var n int64
	if err := s.core.Conn(ctx).Table("chat_conversations").Where("account_id IN ? AND status = ?", ids, models.ConversationOpen).
		Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count open conversations: %w", err)
	}
	return n, nil
}
