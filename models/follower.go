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

// moveFollower and recordEvent serve FollowFromChat (chat.go), the one
// writer of followers left in package models until the chat domain moves
// out and follows through models/follower, which has its own copies.

// moveFollower changes the follower's status with one conditional UPDATE
// that applies only while the status is one of from, so two changes racing
// (a person and a mail scanner confirming, a confirm and an unsubscribe)
// cannot both act on the same old status. It reports whether this call
// made the change, and otherwise reloads f to show what won.
func (s *Store) moveFollower(ctx context.Context, f *Follower, from []string, updates map[string]any) (bool, error) {
	res := s.conn(ctx).Model(&Follower{}).Where("id = ? AND status IN ?", f.ID, from).Updates(updates)
	if res.Error != nil {
		return false, fmt.Errorf("change follower %d: %w", f.ID, res.Error)
	}
	if res.RowsAffected == 1 {
		return true, nil
	}
	if err := s.conn(ctx).First(f, f.ID).Error; err != nil {
		return false, notFound(err, "follower")
	}
	return false, nil
}

func (s *Store) recordEvent(ctx context.Context, f *Follower, kind string) error {
	id := f.ID
	e := &FollowEvent{AccountID: f.AccountID, FollowerID: &id, CodeID: f.CodeID, Channel: f.Channel, Kind: kind, CreatedAt: s.Now()}
	if err := s.conn(ctx).Create(e).Error; err != nil {
		return fmt.Errorf("record %s: %w", kind, err)
	}
	return nil
}

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
