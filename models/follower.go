package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm/clause"

	"github.com/plazahq/plaza/jobs"
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

// FollowRequest is a person asking to follow an account on a channel.
type FollowRequest struct {
	AccountID int64
	Channel   string
	Address   string
	Language  string
	Scene     string
	CodeID    *int64
	Topics    []string
	// Client is who asks (clientOf on the web), for FollowPerClient.
	Client string
}

// ErrChannelDisabled means the account does not offer that channel.
var ErrChannelDisabled = errors.New("channel not enabled for this account")

// RequestFollow starts a double opt-in follow by e-mail: the follower is
// pending until they confirm from the message enqueued here. Asking again
// re-sends the confirmation; an active follower is left alone, and the
// answer is the same either way so the page does not reveal who follows.
// Every request counts against the client's and the typed address's
// limits (a LimitError past them), valid or not.
func (s *Store) RequestFollow(ctx context.Context, req FollowRequest) (*Follower, error) {
	lim := s.Limits()
	if req.Client != "" {
		if err := s.TakeLimit(ctx, lim.FollowPerClient, req.Client); err != nil {
			return nil, err
		}
	}
	if err := s.TakeLimit(ctx, lim.FollowPerAddress, AddressSubject(req.Address)); err != nil {
		return nil, err
	}
	var v ValidationError
	addr, ok := NormalizeEmail(req.Address)
	if !ok {
		v.Add("address", "err.email_invalid")
	}
	if req.Language != "zh" {
		req.Language = "en"
	}
	a, err := s.accountByID(ctx, req.AccountID)
	if err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if on, err := s.ChannelEnabled(ctx, a.ID, ChannelEmail); err != nil {
		return nil, err
	} else if !on {
		return nil, ErrChannelDisabled
	}
	source := "web"
	if req.CodeID != nil {
		source = "qr"
	}
	var f Follower
	err = s.Tx(ctx, func(tx *Store) error {
		now := tx.Now()
		// Insert or find: two requests for a new address at the same moment
		// meet at the unique key, and the second one sees the first's row.
		f = Follower{AccountID: a.ID, Channel: ChannelEmail, Address: addr, Language: req.Language,
			Status: StatusPending, Source: source, Scene: req.Scene, CodeID: req.CodeID, ConsentAt: &now}
		res := tx.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&f)
		if res.Error != nil {
			return fmt.Errorf("create follower: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			f = Follower{}
			err := tx.conn(ctx).Where("account_id = ? AND channel = ? AND address = ?", a.ID, ChannelEmail, addr).First(&f).Error
			if err != nil {
				return fmt.Errorf("find follower: %w", err)
			}
			if f.Status == StatusActive || f.Status == StatusBlocked {
				return nil
			}
			err = tx.conn(ctx).Model(&f).Updates(map[string]any{
				"status": StatusPending, "language": req.Language, "scene": req.Scene, "code_id": req.CodeID,
				"consent_at": now, "updated_at": now,
			}).Error
			if err != nil {
				return fmt.Errorf("renew follow request: %w", err)
			}
		}
		if err := tx.setTopics(ctx, f.ID, a, req.Topics); err != nil {
			return err
		}
		return tx.enqueue(ctx, jobs.FollowerMail{FollowerID: f.ID, Template: jobs.MailConfirm})
	})
	if err != nil {
		return nil, err
	}
	return &f, nil
}

func intersect(want, allowed []string) []string {
	ok := map[string]bool{}
	for _, t := range allowed {
		ok[t] = true
	}
	var out []string
	for _, t := range want {
		if ok[t] {
			out = append(out, t)
			delete(ok, t)
		}
	}
	return out
}

// ErrLinkUsed means a confirmation link no longer applies: the follower
// unsubscribed or was blocked after it was sent.
var ErrLinkUsed = errors.New("link no longer applies")

// ConfirmFollow activates a pending follower (the second step of double
// opt-in), records the follow and enqueues the welcome message. Confirming
// twice is harmless.
func (s *Store) ConfirmFollow(ctx context.Context, followerID int64) (*Follower, error) {
	var f Follower
	err := s.Tx(ctx, func(tx *Store) error {
		if err := tx.conn(ctx).First(&f, followerID).Error; err != nil {
			return notFound(err, "follower")
		}
		now := tx.Now()
		moved, err := tx.moveFollower(ctx, &f, []string{StatusPending}, map[string]any{
			"status": StatusActive, "confirmed_at": now, "unsubscribed_at": nil, "updated_at": now,
		})
		if err != nil {
			return err
		}
		if !moved {
			if f.Status == StatusActive {
				return nil
			}
			return ErrLinkUsed
		}
		f.Status, f.ConfirmedAt = StatusActive, &now
		if err := tx.recordEvent(ctx, &f, "follow"); err != nil {
			return err
		}
		return tx.enqueue(ctx, jobs.FollowerMail{FollowerID: f.ID, Template: jobs.MailWelcome})
	})
	if err != nil {
		return nil, err
	}
	return &f, nil
}

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

// endFollow moves an active or pending follower to status (unsubscribed,
// bounced), recording an unfollow when they were active. It reports whether
// anything changed.
func (s *Store) endFollow(ctx context.Context, f *Follower, status string, updates map[string]any) (bool, error) {
	updates["status"] = status
	wasActive, err := s.moveFollower(ctx, f, []string{StatusActive}, updates)
	if err != nil {
		return false, err
	}
	if wasActive {
		f.Status = status
		return true, s.recordEvent(ctx, f, "unfollow")
	}
	moved, err := s.moveFollower(ctx, f, []string{StatusPending}, updates)
	if moved {
		f.Status = status
	}
	return moved, err
}

func (s *Store) recordEvent(ctx context.Context, f *Follower, kind string) error {
	id := f.ID
	e := &FollowEvent{AccountID: f.AccountID, FollowerID: &id, CodeID: f.CodeID, Channel: f.Channel, Kind: kind, CreatedAt: s.Now()}
	if err := s.conn(ctx).Create(e).Error; err != nil {
		return fmt.Errorf("record %s: %w", kind, err)
	}
	return nil
}

// Unsubscribe stops every message to the follower. It is idempotent, so a
// mail provider's one-click POST and the person's own click can both land.
func (s *Store) Unsubscribe(ctx context.Context, followerID int64) (*Follower, error) {
	var f Follower
	err := s.Tx(ctx, func(tx *Store) error {
		if err := tx.conn(ctx).First(&f, followerID).Error; err != nil {
			return notFound(err, "follower")
		}
		now := tx.Now()
		moved, err := tx.endFollow(ctx, &f, StatusUnsubscribed, map[string]any{"unsubscribed_at": now, "updated_at": now})
		if moved {
			f.UnsubscribedAt = &now
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// FollowerByID loads a follower with its tags.
func (s *Store) FollowerByID(ctx context.Context, id int64) (*Follower, error) {
	var f Follower
	if err := s.conn(ctx).First(&f, id).Error; err != nil {
		return nil, notFound(err, "follower")
	}
	tags, err := s.tagsOf(ctx, id)
	if err != nil {
		return nil, err
	}
	f.Tags = tags
	return &f, nil
}

func (s *Store) tagsOf(ctx context.Context, followerID int64) ([]string, error) {
	var tags []string
	err := s.conn(ctx).Model(&FollowerTag{}).Where("follower_id = ?", followerID).Order("tag").Pluck("tag", &tags).Error
	if err != nil {
		return nil, fmt.Errorf("tags of follower %d: %w", followerID, err)
	}
	return tags, nil
}

// setTags replaces a follower's tags.
func (s *Store) setTags(ctx context.Context, followerID int64, tags []string) error {
	if err := s.conn(ctx).Where("follower_id = ?", followerID).Delete(&FollowerTag{}).Error; err != nil {
		return fmt.Errorf("clear tags: %w", err)
	}
	if len(tags) == 0 {
		return nil
	}
	rows := make([]FollowerTag, len(tags))
	for i, t := range tags {
		rows[i] = FollowerTag{FollowerID: followerID, Tag: t}
	}
	if err := s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error; err != nil {
		return fmt.Errorf("set tags: %w", err)
	}
	return nil
}

// setTopics sets which of the account's topics the follower chose. Tags
// that are not topics were set by staff (donor, vip) and are kept.
func (s *Store) setTopics(ctx context.Context, followerID int64, a *Account, chosen []string) error {
	current, err := s.tagsOf(ctx, followerID)
	if err != nil {
		return err
	}
	offered := a.TopicList()
	tags := intersect(chosen, offered)
	for _, t := range current {
		if !slices.Contains(offered, t) {
			tags = append(tags, t)
		}
	}
	sort.Strings(tags)
	return s.setTags(ctx, followerID, tags)
}

// UpdatePreferences is the follower's own change of topics and language,
// from their signed preferences link.
func (s *Store) UpdatePreferences(ctx context.Context, followerID int64, language string, topics []string) (*Follower, error) {
	f, err := s.FollowerByID(ctx, followerID)
	if err != nil {
		return nil, err
	}
	a, err := s.accountByID(ctx, f.AccountID)
	if err != nil {
		return nil, err
	}
	if language != "zh" {
		language = "en"
	}
	err = s.Tx(ctx, func(tx *Store) error {
		if err := tx.conn(ctx).Model(&Follower{}).Where("id = ?", f.ID).
			Updates(map[string]any{"language": language, "updated_at": tx.Now()}).Error; err != nil {
			return fmt.Errorf("update preferences: %w", err)
		}
		return tx.setTopics(ctx, f.ID, a, topics)
	})
	if err != nil {
		return nil, err
	}
	return s.FollowerByID(ctx, followerID)
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

// SeedFollower adds an active follower who consented elsewhere (the demo
// uses it), recording the follow like any other. It sends nothing. An
// existing follower of the same address is returned unchanged. A codeID
// other than 0 credits the follow to that follow code and its scene.
func (s *Store) SeedFollower(ctx context.Context, accountID int64, channel, address, name, language string, tags []string, codeID int64, scene string) (*Follower, error) {
	var f Follower
	err := s.Tx(ctx, func(tx *Store) error {
		err := tx.conn(ctx).Where("account_id = ? AND channel = ? AND address = ?", accountID, channel, address).Limit(1).Find(&f).Error
		if err != nil || f.ID != 0 {
			return err
		}
		now := tx.Now()
		f = Follower{AccountID: accountID, Channel: channel, Address: address, Name: name, Language: language,
			Status: StatusActive, Source: "import", ConsentAt: &now, ConfirmedAt: &now}
		if codeID != 0 {
			f.CodeID, f.Scene, f.Source = &codeID, scene, "qr"
		}
		if err := tx.conn(ctx).Create(&f).Error; err != nil {
			return fmt.Errorf("seed follower: %w", err)
		}
		if err := tx.setTags(ctx, f.ID, tags); err != nil {
			return err
		}
		return tx.recordEvent(ctx, &f, "follow")
	})
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// MarkBounced stops mail to a follower whose address the mail server
// refused. Bouncing ends a follow like an unsubscribe does.
func (s *Store) MarkBounced(ctx context.Context, followerID int64) error {
	return s.Tx(ctx, func(tx *Store) error {
		var f Follower
		if err := tx.conn(ctx).First(&f, followerID).Error; err != nil {
			return notFound(err, "follower")
		}
		_, err := tx.endFollow(ctx, &f, StatusBounced, map[string]any{"updated_at": tx.Now()})
		return err
	})
}
