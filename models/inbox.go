package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Conversation is one person on one chat channel of an account, as the
// staff inbox lists it.
type Conversation struct {
	ID            int64
	AccountID     int64
	Channel       string
	Address       string
	FollowerID    *int64
	Status        string
	AssignedTo    *int64
	Unread        int
	Preview       string
	LastMessageAt time.Time
	LastInboundAt *time.Time
	// Read with the list.
	FollowerName string `gorm:"->"`
	AssigneeName string `gorm:"->"`
}

// Conversation statuses.
const (
	ConversationOpen   = "open"
	ConversationClosed = "closed"
)

// ReplyWindow is how long after a person's last message WeChat lets an
// account write to them (customer-service messages).
const ReplyWindow = 48 * time.Hour

// ReplyClosed reports whether the platform refuses a free-form reply now:
// WeChat only takes one within 48 hours of the person's last message.
func (c *Conversation) ReplyClosed(now time.Time) bool {
	if c.Channel != ChannelWeChat {
		return false
	}
	return c.LastInboundAt == nil || now.Sub(*c.LastInboundAt) > ReplyWindow
}

// previewLength is how much of the last message the list shows.
const previewLength = 140

func preview(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > previewLength {
		s = string([]rune(s)[:previewLength-1]) + "…"
	}
	return s
}

// TouchConversation keeps a person's conversation up to date with a
// message: an inbound one moves the reply window, and one for the staff
// (toInbox) counts as unread and reopens the conversation. A conversation
// made only of commands starts closed, so the inbox lists what needs a
// person.
func (s *Store) TouchConversation(ctx context.Context, m *ChatMessage, toInbox bool) error {
	unread, status := 0, ConversationClosed
	if toInbox {
		unread, status = 1, ConversationOpen
	}
	var inboundAt *time.Time
	if m.Direction == "in" {
		inboundAt = &m.CreatedAt
	}
	err := s.conn(ctx).Exec(`INSERT INTO chat_conversations
		(account_id, channel, address, follower_id, status, unread, preview, last_message_at, last_inbound_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account_id, channel, address) DO UPDATE SET
			follower_id = COALESCE(excluded.follower_id, chat_conversations.follower_id),
			unread = chat_conversations.unread + excluded.unread,
			status = CASE WHEN excluded.unread > 0 THEN 'open' ELSE chat_conversations.status END,
			preview = excluded.preview,
			last_message_at = excluded.last_message_at,
			last_inbound_at = COALESCE(excluded.last_inbound_at, chat_conversations.last_inbound_at)`,
		m.AccountID, m.Channel, m.Address, m.FollowerID, status, unread, preview(m.Body), m.CreatedAt, inboundAt).Error
	if err != nil {
		return fmt.Errorf("touch conversation: %w", err)
	}
	return nil
}

// InboxFilter narrows the inbox list.
type InboxFilter struct {
	// Status is open (the default), closed, mine or all.
	Status string
	// Q searches addresses, follower names and messages.
	Q    string
	Page Page
}

func (s *Store) conversations(ctx context.Context) *gorm.DB {
	return s.conn(ctx).Table("chat_conversations c").
		Select("c.*, COALESCE(f.name, '') AS follower_name, COALESCE(NULLIF(u.name, ''), u.email, '') AS assignee_name").
		Joins("LEFT JOIN followers f ON f.id = c.follower_id").
		Joins("LEFT JOIN users u ON u.id = c.assigned_to")
}

// Inbox lists an account's conversations, unread first, then the most
// recent; it also returns how many match.
func (s *Store) Inbox(ctx context.Context, m *Member, a *Account, f InboxFilter) ([]Conversation, int64, error) {
	if err := Require(m, PermModerate, a.OrgID()); err != nil {
		return nil, 0, err
	}
	q := s.conversations(ctx).Where("c.account_id = ?", a.ID)
	switch f.Status {
	case "all":
	case ConversationClosed:
		q = q.Where("c.status = ?", ConversationClosed)
	case "mine":
		q = q.Where("c.assigned_to = ?", m.User.ID)
	default:
		q = q.Where("c.status = ?", ConversationOpen)
	}
	if t := strings.TrimSpace(f.Q); t != "" {
		p := LikePattern(t)
		q = q.Where("("+LikeExpr("c.address")+" OR "+LikeExpr("COALESCE(f.name, '')")+
			" OR EXISTS (SELECT 1 FROM chat_messages cm WHERE cm.account_id = c.account_id AND cm.channel = c.channel"+
			" AND cm.address = c.address AND "+LikeExpr("cm.body")+"))", p, p, p)
	}
	var total int64
	if err := q.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count conversations: %w", err)
	}
	var out []Conversation
	err := q.Order("CASE WHEN c.unread > 0 THEN 0 ELSE 1 END, c.last_message_at DESC, c.id DESC").
		Limit(f.Page.Limit()).Offset(f.Page.Offset()).Scan(&out).Error
	if err != nil {
		return nil, 0, fmt.Errorf("inbox: %w", err)
	}
	return out, total, nil
}

// ConversationByID loads one of the account's conversations.
func (s *Store) ConversationByID(ctx context.Context, m *Member, a *Account, id int64) (*Conversation, error) {
	if err := Require(m, PermModerate, a.OrgID()); err != nil {
		return nil, err
	}
	var out []Conversation
	if err := s.conversations(ctx).Where("c.account_id = ? AND c.id = ?", a.ID, id).Limit(1).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("conversation %d: %w", id, err)
	}
	if len(out) == 0 {
		return nil, ErrNotFound
	}
	return &out[0], nil
}

// ThreadMessage is a message of a conversation with the name of the staff
// member who wrote it, if one did.
type ThreadMessage struct {
	ChatMessage
	StaffName string `gorm:"->"`
}

// threadLength is how many of the latest messages a thread shows.
const threadLength = 200

// Thread returns the conversation's latest messages, oldest first, after
// afterID (0: from the start of what is shown).
func (s *Store) Thread(ctx context.Context, c *Conversation, afterID int64) ([]ThreadMessage, error) {
	var out []ThreadMessage
	err := s.conn(ctx).Table("chat_messages m").
		Select("m.*, COALESCE(NULLIF(u.name, ''), u.email, '') AS staff_name").
		Joins("LEFT JOIN users u ON u.id = m.user_id").
		Where("m.account_id = ? AND m.channel = ? AND m.address = ? AND m.id > ?", c.AccountID, c.Channel, c.Address, afterID).
		Order("m.id DESC").Limit(threadLength).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("thread of conversation %d: %w", c.ID, err)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// MarkConversationRead clears the unread count once staff have seen it.
func (s *Store) MarkConversationRead(ctx context.Context, c *Conversation) error {
	if c.Unread == 0 {
		return nil
	}
	if err := s.conn(ctx).Table("chat_conversations").Where("id = ?", c.ID).Update("unread", 0).Error; err != nil {
		return fmt.Errorf("mark conversation read: %w", err)
	}
	return nil
}

// ErrReplyWindow is a reply WeChat would refuse: the person last wrote
// more than 48 hours ago.
var ErrReplyWindow = errors.New("outside the platform's 48-hour reply window")

// ValidateReply checks a staff reply before it is sent.
func (s *Store) ValidateReply(m *Member, c *Conversation, text string) (string, error) {
	// c came from ConversationByID, which asked the gate about its
	// account; the member's own organization is all there is to pass.
	if err := Require(m, PermModerate, m.OrgID()); err != nil {
		return "", err
	}
	text = strings.TrimSpace(cleanText(text))
	if text == "" {
		return "", FieldError("text", "err.required")
	}
	if TooLong(text, MaxChatText) {
		return "", FieldError("text", "inbox.err_too_long")
	}
	if c.ReplyClosed(s.Now()) {
		return "", ErrReplyWindow
	}
	return text, nil
}

// RecordStaffReply stores a reply a staff member sent and answers the
// conversation (read, and still open unless closed by hand).
func (s *Store) RecordStaffReply(ctx context.Context, m *Member, c *Conversation, text string) (*ChatMessage, error) {
	msg := &ChatMessage{AccountID: c.AccountID, Channel: c.Channel, Address: c.Address, FollowerID: c.FollowerID,
		Kind: "text", Body: text, HandledBy: "staff", UserID: &m.User.ID}
	err := s.Tx(ctx, func(tx *Store) error {
		if err := tx.RecordOutbound(ctx, msg); err != nil {
			return err
		}
		if err := tx.TouchConversation(ctx, msg, false); err != nil {
			return err
		}
		return tx.conn(ctx).Table("chat_conversations").Where("id = ?", c.ID).Update("unread", 0).Error
	})
	if err != nil {
		return nil, fmt.Errorf("record reply: %w", err)
	}
	return msg, nil
}

// AssignConversation gives the conversation to a colleague (0: nobody).
func (s *Store) AssignConversation(ctx context.Context, m *Member, a *Account, c *Conversation, userID int64) error {
	if err := Require(m, PermModerate, a.OrgID()); err != nil {
		return err
	}
	var to *int64
	if userID != 0 {
		var n int64
		if err := s.conn(ctx).Table("memberships").Where("organization_id = ? AND user_id = ?", m.Org.ID, userID).Count(&n).Error; err != nil {
			return fmt.Errorf("check assignee: %w", err)
		}
		if n == 0 {
			return FieldError("assignee", "inbox.err_assignee")
		}
		to = &userID
	}
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.conn(ctx).Table("chat_conversations").Where("id = ?", c.ID).Update("assigned_to", to).Error; err != nil {
			return fmt.Errorf("assign conversation: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "inbox.assign", "@"+a.Handle, fmt.Sprintf("%s:%s → %d", c.Channel, c.Address, userID))
	})
}

// SetConversationStatus closes or reopens a conversation.
func (s *Store) SetConversationStatus(ctx context.Context, m *Member, a *Account, c *Conversation, status string) error {
	if err := Require(m, PermModerate, a.OrgID()); err != nil {
		return err
	}
	if status != ConversationOpen && status != ConversationClosed {
		return FieldError("status", "err.choose_one")
	}
	updates := map[string]any{"status": status}
	if status == ConversationClosed {
		updates["unread"] = 0
	}
	if err := s.conn(ctx).Table("chat_conversations").Where("id = ?", c.ID).Updates(updates).Error; err != nil {
		return fmt.Errorf("set conversation status: %w", err)
	}
	return nil
}

// ThreadLength is how many of a conversation's latest messages its page
// shows.
func ThreadLength() int { return threadLength }

// LastInbounds is LastInbound for many people at once: when each last
// wrote, for those who ever did.
func (s *Store) LastInbounds(ctx context.Context, accountID int64, channel string, addresses []string) (map[string]time.Time, error) {
	out := make(map[string]time.Time, len(addresses))
	for start := 0; start < len(addresses); start += 500 {
		chunk := addresses[start:min(start+500, len(addresses))]
		var rows []struct {
			Address       string
			LastInboundAt *time.Time
		}
		err := s.conn(ctx).Table("chat_conversations").Select("address, last_inbound_at").
			Where("account_id = ? AND channel = ? AND address IN ? AND last_inbound_at IS NOT NULL", accountID, channel, chunk).Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("last inbound of %d people: %w", len(chunk), err)
		}
		for _, r := range rows {
			out[r.Address] = *r.LastInboundAt
		}
	}
	return out, nil
}
