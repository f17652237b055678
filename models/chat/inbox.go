package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/plazahq/plaza/models"
)

// conversations reads conversations with the names the inbox shows: the
// follower's (followers) and the assigned staff member's (users), joined
// in the one query that lists them.
func (s *Service) conversations(ctx context.Context) *gorm.DB {
	return s.core.Conn(ctx).Table("chat_conversations c").
		Select("c.*, COALESCE(f.name, '') AS follower_name, COALESCE(NULLIF(u.name, ''), u.email, '') AS assignee_name").
		Joins("LEFT JOIN followers f ON f.id = c.follower_id").
		Joins("LEFT JOIN users u ON u.id = c.assigned_to")
}

// Inbox lists an account's conversations, unread first, then the most
// recent; it also returns how many match.
func (s *Service) Inbox(ctx context.Context, m *models.Member, a *models.Account, f models.InboxFilter) ([]models.Conversation, int64, error) {
	if err := models.Require(m, models.PermModerate, a.OrgID()); err != nil {
		return nil, 0, err
	}
	q := s.conversations(ctx).Where("c.account_id = ?", a.ID)
	switch f.Status {
	case "all":
	case models.ConversationClosed:
		q = q.Where("c.status = ?", models.ConversationClosed)
	case "mine":
		q = q.Where("c.assigned_to = ?", m.User.ID)
	default:
		q = q.Where("c.status = ?", models.ConversationOpen)
	}
	if t := strings.TrimSpace(f.Q); t != "" {
		p := models.LikePattern(t)
		q = q.Where("("+models.LikeExpr("c.address")+" OR "+models.LikeExpr("COALESCE(f.name, '')")+
			" OR EXISTS (SELECT 1 FROM chat_messages cm WHERE cm.account_id = c.account_id AND cm.channel = c.channel"+
			" AND cm.address = c.address AND "+models.LikeExpr("cm.body")+"))", p, p, p)
	}
	var total int64
	if err := q.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count conversations: %w", err)
	}
	var out []models.Conversation
	err := q.Order("CASE WHEN c.unread > 0 THEN 0 ELSE 1 END, c.last_message_at DESC, c.id DESC").
		Limit(f.Page.Limit()).Offset(f.Page.Offset()).Scan(&out).Error
	if err != nil {
		return nil, 0, fmt.Errorf("inbox: %w", err)
	}
	return out, total, nil
}

// ConversationByID loads one of the account's conversations.
func (s *Service) ConversationByID(ctx context.Context, m *models.Member, a *models.Account, id int64) (*models.Conversation, error) {
	if err := models.Require(m, models.PermModerate, a.OrgID()); err != nil {
		return nil, err
	}
	var out []models.Conversation
	if err := s.conversations(ctx).Where("c.account_id = ? AND c.id = ?", a.ID, id).Limit(1).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("conversation %d: %w", id, err)
	}
	if len(out) == 0 {
		return nil, models.ErrNotFound
	}
	return &out[0], nil
}

// Thread returns the conversation's latest messages, oldest first, after
// afterID (0: from the start of what is shown), with the names of the
// staff who wrote them (users).
func (s *Service) Thread(ctx context.Context, c *models.Conversation, afterID int64) ([]models.ThreadMessage, error) {
	var out []models.ThreadMessage
	err := s.core.Conn(ctx).Table("chat_messages m").
		Select("m.*, COALESCE(NULLIF(u.name, ''), u.email, '') AS staff_name").
		Joins("LEFT JOIN users u ON u.id = m.user_id").
		Where("m.account_id = ? AND m.channel = ? AND m.address = ? AND m.id > ?", c.AccountID, c.Channel, c.Address, afterID).
		Order("m.id DESC").Limit(models.ThreadLength()).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("thread of conversation %d: %w", c.ID, err)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// MarkConversationRead clears the unread count once staff have seen it.
func (s *Service) MarkConversationRead(ctx context.Context, c *models.Conversation) error {
	if c.Unread == 0 {
		return nil
	}
	if err := s.core.Conn(ctx).Table("chat_conversations").Where("id = ?", c.ID).Update("unread", 0).Error; err != nil {
		return fmt.Errorf("mark conversation read: %w", err)
	}
	return nil
}

// ValidateReply checks a staff reply before it is sent.
func (s *Service) ValidateReply(ctx context.Context, m *models.Member, c *models.Conversation, text string) (string, error) {
	// c came from ConversationByID, which asked the gate about its
	// account; the member's own organization is all there is to pass.
	if err := models.Require(m, models.PermModerate, m.OrgID()); err != nil {
		return "", err
	}
	text = strings.TrimSpace(models.CleanText(text))
	if text == "" {
		return "", models.FieldError("text", "err.required")
	}
	if models.TooLong(text, models.MaxChatText) {
		return "", models.FieldError("text", "inbox.err_too_long")
	}
	if c.ReplyClosed(s.core.Now()) {
		return "", models.ErrReplyWindow
	}
	if c.Channel == models.ChannelSMS {
		var n int64
		if err := s.core.Conn(ctx).Model(&models.Follower{}).Where("account_id = ? AND channel = ? AND address = ? AND status IN ?",
			c.AccountID, c.Channel, c.Address, []string{models.StatusUnsubscribed, models.StatusBlocked}).Count(&n).Error; err != nil {
			return "", err
		}
		if n > 0 {
			return "", models.ErrOptedOut
		}
	}
	return text, nil
}

// RecordStaffReply stores a reply a staff member sent and answers the
// conversation (read, and still open unless closed by hand).
func (s *Service) RecordStaffReply(ctx context.Context, m *models.Member, c *models.Conversation, text string) (*models.ChatMessage, error) {
	msg := &models.ChatMessage{AccountID: c.AccountID, Channel: c.Channel, Address: c.Address, FollowerID: c.FollowerID,
		Kind: "text", Body: text, HandledBy: "staff", UserID: &m.User.ID}
	err := s.core.Tx(ctx, func(tx models.Core) error {
		if err := s.with(tx).recordOutbound(ctx, msg); err != nil {
			return err
		}
		if err := s.TouchConversation(ctx, tx, msg, false); err != nil {
			return err
		}
		return tx.Conn(ctx).Table("chat_conversations").Where("id = ?", c.ID).Update("unread", 0).Error
	})
	if err != nil {
		return nil, fmt.Errorf("record reply: %w", err)
	}
	return msg, nil
}

// AssignConversation gives the conversation to a colleague (0: nobody),
// who must be a member of the organization.
func (s *Service) AssignConversation(ctx context.Context, m *models.Member, a *models.Account, c *models.Conversation, userID int64) error {
	if err := models.Require(m, models.PermModerate, a.OrgID()); err != nil {
		return err
	}
	var to *int64
	if userID != 0 {
		_, err := s.orgs.MemberOf(ctx, &models.User{ID: userID}, m.Org.ID)
		if errors.Is(err, models.ErrNotFound) {
			return models.FieldError("assignee", "inbox.err_assignee")
		}
		if err != nil {
			return fmt.Errorf("check assignee: %w", err)
		}
		to = &userID
	}
	return s.core.Tx(ctx, func(tx models.Core) error {
		if err := tx.Conn(ctx).Table("chat_conversations").Where("id = ?", c.ID).Update("assigned_to", to).Error; err != nil {
			return fmt.Errorf("assign conversation: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "inbox.assign", "@"+a.Handle, fmt.Sprintf("%s:%s → %d", c.Channel, c.Address, userID))
	})
}

// SetConversationStatus closes or reopens a conversation.
func (s *Service) SetConversationStatus(ctx context.Context, m *models.Member, a *models.Account, c *models.Conversation, status string) error {
	if err := models.Require(m, models.PermModerate, a.OrgID()); err != nil {
		return err
	}
	if status != models.ConversationOpen && status != models.ConversationClosed {
		return models.FieldError("status", "err.choose_one")
	}
	updates := map[string]any{"status": status}
	if status == models.ConversationClosed {
		updates["unread"] = 0
	}
	if err := s.core.Conn(ctx).Table("chat_conversations").Where("id = ?", c.ID).Updates(updates).Error; err != nil {
		return fmt.Errorf("set conversation status: %w", err)
	}
	return nil
}
