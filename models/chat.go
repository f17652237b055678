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
