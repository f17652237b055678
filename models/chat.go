package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm/clause"
)

// ChatMessage is one message to or from a person on a chat channel.
type ChatMessage struct {
	ID         int64
	AccountID  int64
	Channel    string
	Address    string
	FollowerID *int64
	Direction  string
	MsgID      *string
	Kind       string
	Body       string
	HandledBy  string
	// UserID is the staff member who wrote a reply from the inbox.
	UserID    *int64
	CreatedAt time.Time
}

// Limits on what a chat message may carry.
const (
	MaxChatText    = 4000
	MaxChatAddress = 200
	MaxChatMsgID   = 128
)

// RecordTurn stores a message that came in, with what handled it, and the
// replies sent to it, in one statement. A message whose platform id was
// stored before is not stored again: dup reports a retry, whose handling
// the caller must undo (the router runs in a transaction and rolls it
// back, replies included).
func (s *Store) RecordTurn(ctx context.Context, in *ChatMessage, replies []ChatMessage) (dup bool, err error) {
	now := s.Now()
	in.Direction, in.CreatedAt = "in", now
	in.Body = cleanText(in.Body)
	if TooLong(in.Body, MaxChatText) {
		in.Body = string([]rune(in.Body)[:MaxChatText])
	}
	rows := make([]ChatMessage, 0, 1+len(replies))
	rows = append(rows, *in)
	for _, r := range replies {
		r.Direction, r.CreatedAt = "out", now
		rows = append(rows, r)
	}
	res := s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&rows)
	if res.Error != nil {
		return false, fmt.Errorf("record chat messages: %w", res.Error)
	}
	// Only the inbound message has a platform id that can conflict.
	if res.RowsAffected < int64(len(rows)) {
		return true, nil
	}
	in.ID = rows[0].ID
	return false, nil
}

// RecordOutbound stores a message sent to a person (a reply).
func (s *Store) RecordOutbound(ctx context.Context, m *ChatMessage) error {
	m.Direction, m.CreatedAt = "out", s.Now()
	if err := s.conn(ctx).Create(m).Error; err != nil {
		return fmt.Errorf("record outbound message: %w", err)
	}
	return nil
}

// ChatFollower finds the follower behind a chat address, or nil.
func (s *Store) ChatFollower(ctx context.Context, accountID int64, channel, address string) (*Follower, error) {
	var f Follower
	err := s.conn(ctx).Where("account_id = ? AND channel = ? AND address = ?", accountID, channel, address).Limit(1).Find(&f).Error
	if err != nil {
		return nil, fmt.Errorf("chat follower: %w", err)
	}
	if f.ID == 0 {
		return nil, nil
	}
	return &f, nil
}

// ErrFollowerBlocked is a follow from someone staff blocked.
var ErrFollowerBlocked = errors.New("follower is blocked")

// FollowFromChat makes the person behind a chat address an active
// follower: on a chat platform, following is the person's own act (they
// sent "follow" or pressed the platform's follow button), so there is
// nothing to confirm. Someone who had stopped follows again; a blocked
// follower stays blocked. followed reports whether anything changed.
func (s *Store) FollowFromChat(ctx context.Context, accountID int64, channel, address, lang, scene string) (*Follower, bool, error) {
	if lang != "zh" {
		lang = "en"
	}
	var f Follower
	changed := false
	err := s.Tx(ctx, func(tx *Store) error {
		now := tx.Now()
		f = Follower{AccountID: accountID, Channel: channel, Address: address, Language: lang, Status: StatusActive,
			Source: "chat", Scene: scene, ConsentAt: &now, ConfirmedAt: &now}
		res := tx.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&f)
		if res.Error != nil {
			return fmt.Errorf("create chat follower: %w", res.Error)
		}
		if res.RowsAffected == 1 {
			changed = true
			return tx.recordEvent(ctx, &f, "follow")
		}
		f = Follower{}
		if err := tx.conn(ctx).Where("account_id = ? AND channel = ? AND address = ?", accountID, channel, address).First(&f).Error; err != nil {
			return fmt.Errorf("find chat follower: %w", err)
		}
		switch f.Status {
		case StatusActive:
			return nil
		case StatusBlocked:
			return ErrFollowerBlocked
		}
		moved, err := tx.moveFollower(ctx, &f, []string{StatusPending, StatusUnsubscribed, StatusBounced}, map[string]any{
			"status": StatusActive, "language": lang, "consent_at": now, "confirmed_at": now, "unsubscribed_at": nil, "updated_at": now})
		if err != nil || !moved {
			return err
		}
		changed, f.Status = true, StatusActive
		return tx.recordEvent(ctx, &f, "follow")
	})
	if err != nil {
		return nil, false, err
	}
	return &f, changed, nil
}

// ChatSession is a guided conversation in progress.
type ChatSession struct {
	AccountID int64  `gorm:"primaryKey"`
	Channel   string `gorm:"primaryKey"`
	Address   string `gorm:"primaryKey"`
	Flow      string
	State     string
	ExpiresAt time.Time
}

// ChatState is what the router knows of a person when a message
// arrives: their follow, their conversation in progress, and whether the
// staff inbox has an open conversation with them.
type ChatState struct {
	Follower *Follower
	Session  *ChatSession
	// InboxOpen: staff already have an open conversation with them.
	InboxOpen bool
}

// LoadChatState reads the person's state in one query, as every inbound
// message needs it.
func (s *Store) LoadChatState(ctx context.Context, accountID int64, channel, address string) (*ChatState, error) {
	var row struct {
		Follower
		SFlow      *string
		SState     *string
		SExpiresAt *time.Time
		CStatus    *string
	}
	err := s.conn(ctx).Raw(`SELECT f.*, cs.flow AS s_flow, cs.state AS s_state, cs.expires_at AS s_expires_at, cc.status AS c_status
		FROM (SELECT CAST(? AS BIGINT) AS account_id, CAST(? AS TEXT) AS channel, CAST(? AS TEXT) AS address) k
		LEFT JOIN followers f ON f.account_id = k.account_id AND f.channel = k.channel AND f.address = k.address
		LEFT JOIN chat_sessions cs ON cs.account_id = k.account_id AND cs.channel = k.channel AND cs.address = k.address AND cs.expires_at > ?
		LEFT JOIN chat_conversations cc ON cc.account_id = k.account_id AND cc.channel = k.channel AND cc.address = k.address`,
		accountID, channel, address, s.Now()).Scan(&row).Error
	if err != nil {
		return nil, fmt.Errorf("chat state: %w", err)
	}
	st := &ChatState{InboxOpen: row.CStatus != nil && *row.CStatus == ConversationOpen}
	if row.Follower.ID != 0 {
		f := row.Follower
		st.Follower = &f
	}
	if row.SFlow != nil {
		st.Session = &ChatSession{AccountID: accountID, Channel: channel, Address: address, Flow: *row.SFlow}
		if row.SState != nil {
			st.Session.State = *row.SState
		}
		if row.SExpiresAt != nil {
			st.Session.ExpiresAt = *row.SExpiresAt
		}
	}
	return st, nil
}

// SaveChatSession stores the conversation's state, to expire after ttl
// without a message.
func (s *Store) SaveChatSession(ctx context.Context, cs *ChatSession, ttl time.Duration) error {
	cs.ExpiresAt = s.Now().Add(ttl)
	err := s.conn(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(cs).Error
	if err != nil {
		return fmt.Errorf("save chat session: %w", err)
	}
	return nil
}

// EndChatSession forgets the person's conversation.
func (s *Store) EndChatSession(ctx context.Context, accountID int64, channel, address string) error {
	err := s.conn(ctx).Where("account_id = ? AND channel = ? AND address = ?", accountID, channel, address).Delete(&ChatSession{}).Error
	if err != nil {
		return fmt.Errorf("end chat session: %w", err)
	}
	return nil
}
