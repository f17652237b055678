package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/plazahq/plaza/models/followerimport"
)

// Channels a follower can be reached on. Chat channels arrive with the
// bridge and use the same follow path.
const (
	ChannelEmail = "email"
	// ChannelWebhook is the signed webhook channel (SMS gateways, other
	// systems).
	ChannelWebhook  = "webhook"
	ChannelWeChat   = "wechat"
	ChannelTelegram = "telegram"
)

// Follower statuses. They are followerimport's, which judges rows of a
// file against them and cannot import models.
const (
	StatusPending      = followerimport.StatusPending
	StatusActive       = followerimport.StatusActive
	StatusUnsubscribed = followerimport.StatusUnsubscribed
	StatusBounced      = followerimport.StatusBounced
	StatusBlocked      = followerimport.StatusBlocked
)

// FollowerStatuses lists every status, for filters.
func FollowerStatuses() []string {
	return []string{StatusPending, StatusActive, StatusUnsubscribed, StatusBounced, StatusBlocked}
}

// Follower is one person on one channel of one account.
type Follower struct {
	ID             int64
	AccountID      int64
	Channel        string
	Address        string
	Name           string
	Language       string
	Status         string
	Source         string
	Scene          string
	CodeID         *int64
	ConsentAt      *time.Time
	ConfirmedAt    *time.Time
	UnsubscribedAt *time.Time
	// Digest is immediate, daily or weekly: how an e-mail follower takes
	// ordinary notices.
	Digest       string `gorm:"default:immediate"`
	DigestSentAt *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Tags         []string `gorm:"-"`
}

// FollowerTag is one tag of a follower.
type FollowerTag struct {
	FollowerID int64  `gorm:"primaryKey"`
	Tag        string `gorm:"primaryKey"`
}

// FollowEvent records a follow or an unfollow for growth charts.
type FollowEvent struct {
	ID         int64
	AccountID  int64
	FollowerID *int64
	CodeID     *int64
	Channel    string
	Kind       string
	CreatedAt  time.Time
}

// NormalizeTag lower-cases a tag and checks its form; the rule is
// followerimport's, so that imported tags and typed ones agree.
func NormalizeTag(t string) (string, bool) { return followerimport.NormalizeTag(t) }

// NormalizeTags cleans a list of tags, dropping duplicates; it reports the
// first invalid one.
func NormalizeTags(in []string) ([]string, string) { return followerimport.NormalizeTags(in) }

// Topics are the tags an account offers its followers.
func (a *Account) TopicList() []string {
	var out []string
	for _, t := range strings.Split(a.Topics, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// ErrLinkUsed means a confirmation link no longer applies: the follower
// unsubscribed or was blocked after it was sent.
var ErrLinkUsed = errors.New("link no longer applies")

func (s *Store) accountByID(ctx context.Context, id int64) (*Account, error) {
	var a Account
	if err := s.conn(ctx).First(&a, id).Error; err != nil {
		return nil, notFound(err, "account")
	}
	return &a, nil
}

// AccountByID loads an account.
func (s *Store) AccountByID(ctx context.Context, id int64) (*Account, error) {
	return s.accountByID(ctx, id)
}

// ChannelEnabled reports whether the account offers channel.
func (s *Store) ChannelEnabled(ctx context.Context, accountID int64, channel string) (bool, error) {
	var n int64
	err := s.conn(ctx).Table("account_channels").
		Where("account_id = ? AND channel = ? AND enabled = ?", accountID, channel, true).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("account channel: %w", err)
	}
	return n > 0, nil
}

// AccountChannels lists every channel the account has set up, on or
// off, for the follower filters (models/follower reaches it through its
// Channels interface).
func (s *Store) AccountChannels(ctx context.Context, accountID int64) ([]string, error) {
	var out []string
	if err := s.conn(ctx).Table("account_channels").Where("account_id = ?", accountID).Order("channel").
		Pluck("channel", &out).Error; err != nil {
		return nil, fmt.Errorf("channels: %w", err)
	}
	return out, nil
}

// EnabledChannels lists the channels an account offers, for its follow page.
func (s *Store) EnabledChannels(ctx context.Context, accountID int64) ([]string, error) {
	var out []string
	err := s.conn(ctx).Table("account_channels").Where("account_id = ? AND enabled = ?", accountID, true).
		Order("channel").Pluck("channel", &out).Error
	if err != nil {
		return nil, fmt.Errorf("account channels: %w", err)
	}
	return out, nil
}

// SetChannel turns a channel of the account on or off. Turning one off
// only closes the follow page to new followers on it; who already follows
// keeps getting messages until they stop.
func (s *Store) SetChannel(ctx context.Context, m *Member, a *Account, channel string, enabled bool) error {
	if err := Require(m, PermWrite, a.OrgID()); err != nil {
		return err
	}
	if channel != ChannelEmail {
		return FieldError("channel", "err.choose_one")
	}
	return s.Tx(ctx, func(tx *Store) error {
		err := tx.conn(ctx).Exec(`INSERT INTO account_channels (account_id, channel, enabled, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (account_id, channel) DO UPDATE SET enabled = excluded.enabled`, a.ID, channel, enabled, tx.Now()).Error
		if err != nil {
			return fmt.Errorf("set channel: %w", err)
		}
		detail := "off"
		if enabled {
			detail = "on"
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "account.channel", "@"+a.Handle, channel+" "+detail)
	})
}
