package chat

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/plazahq/plaza/models"
)

// A follower's chats with the account, for their data export and their
// erasure (models/follower's Traces, through app). Both go through
// followerRows, so what is exported is exactly what is erased.

// followerRows selects the rows of table (chat_messages,
// chat_conversations) of follower f through c: by their address on their
// channel of the account (how the bridge keys them, also before or after
// a follow) or linked to them.
func followerRows(ctx context.Context, c models.Core, table string, f *models.Follower) *gorm.DB {
	return c.Conn(ctx).Table(table).Where("account_id = ? AND ((channel = ? AND address = ?) OR follower_id = ?)",
		f.AccountID, f.Channel, f.Address, f.ID)
}

// FollowerMessages reads f's chat messages with the account, oldest
// first, for the follower's data export.
func (s *Service) FollowerMessages(ctx context.Context, f *models.Follower) ([]models.ChatMessageData, error) {
	var rows []models.ChatMessage
	if err := followerRows(ctx, s.core, "chat_messages", f).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("chat messages of follower %d: %w", f.ID, err)
	}
	out := make([]models.ChatMessageData, len(rows))
	for i, r := range rows {
		out[i] = models.ChatMessageData{Direction: r.Direction, Kind: r.Kind, Body: r.Body, At: r.CreatedAt.UTC()}
	}
	return out, nil
}

// EraseFollowerMessages deletes f's chats with the account through tx,
// the transaction that erases the follower: their messages, the inbox
// conversation, a conversation in progress and the place they were last
// asked about. It returns how many
// messages it deleted.
func (s *Service) EraseFollowerMessages(ctx context.Context, tx models.Core, f *models.Follower) (int64, error) {
	res := followerRows(ctx, tx, "chat_messages", f).Delete(&models.ChatMessage{})
	if res.Error != nil {
		return 0, fmt.Errorf("erase chat messages: %w", res.Error)
	}
	if err := followerRows(ctx, tx, "chat_conversations", f).Delete(&models.Conversation{}).Error; err != nil {
		return 0, fmt.Errorf("erase conversations: %w", err)
	}
	if err := s.EndChatSession(ctx, tx, f.AccountID, f.Channel, f.Address); err != nil {
		return 0, err
	}
	if err := tx.Conn(ctx).Where("account_id = ? AND channel = ? AND address = ?", f.AccountID, f.Channel, f.Address).
		Delete(&models.ChatPlace{}).Error; err != nil {
		return 0, fmt.Errorf("erase chat place: %w", err)
	}
	return res.RowsAffected, nil
}
