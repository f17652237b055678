package models

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// AlertFeed is an external GTFS-realtime alerts feed an account takes
// transit notices from.
type AlertFeed struct {
	ID              int64
	AccountID       int64
	URL             string
	Enabled         bool
	AutoPublish     bool
	IntervalSeconds int
	ETag            string `gorm:"column:etag"`
	LastPolledAt    *time.Time
	LastOKAt        *time.Time `gorm:"column:last_ok_at"`
	LastError       string
	CreatedAt       time.Time
}

// AlertFeedItem links an alert of a feed to the notice it became.
type AlertFeedItem struct {
	FeedID      int64  `gorm:"primaryKey"`
	AlertID     string `gorm:"primaryKey"`
	NoticeID    *int64
	ContentHash string
	SeenAt      time.Time
}

// AlertFeedOf is the account's feed, or nil.
func (s *Store) AlertFeedOf(ctx context.Context, m *Member, a *Account) (*AlertFeed, error) {
	if !m.Can(PermView) {
		return nil, ErrForbidden
	}
	if a.OrganizationID != m.Org.ID {
		return nil, ErrNotFound
	}
	var f AlertFeed
	err := s.conn(ctx).Where("account_id = ?", a.ID).First(&f).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("alert feed: %w", err)
	}
	return &f, nil
}

// AlertFeedInput is the feed form. An empty URL removes the feed (its
// notices stay).
type AlertFeedInput struct {
	URL         string
	AutoPublish bool
	Interval    string
}

// SaveAlertFeed sets, changes or removes the account's feed.
func (s *Store) SaveAlertFeed(ctx context.Context, m *Member, a *Account, in AlertFeedInput) error {
	if !m.Can(PermPublish) {
		return ErrForbidden
	}
	if a.OrganizationID != m.Org.ID {
		return ErrNotFound
	}
	in.URL = strings.TrimSpace(in.URL)
	var v ValidationError
	if in.URL != "" {
		u, err := url.Parse(in.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(in.URL) > 2000 {
			v.Add("feed_url", "channels.err_url")
		}
	}
	interval := 60
	if in.Interval = strings.TrimSpace(in.Interval); in.Interval != "" {
		n, err := strconv.Atoi(in.Interval)
		if err != nil || n < 15 || n > 86400 {
			v.Add("feed_interval", "feeds.err_interval")
		}
		interval = n
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *Store) error {
		if in.URL == "" {
			res := tx.conn(ctx).Where("account_id = ?", a.ID).Delete(&AlertFeed{})
			if res.Error != nil {
				return fmt.Errorf("remove alert feed: %w", res.Error)
			}
			if res.RowsAffected == 0 {
				return nil
			}
			return tx.Audit(ctx, m.Org.ID, m.User.ID, "feed.remove", "@"+a.Handle, "")
		}
		err := tx.conn(ctx).Exec(`INSERT INTO alert_feeds (account_id, url, auto_publish, interval_seconds, created_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id) DO UPDATE SET url = excluded.url,
			auto_publish = excluded.auto_publish, interval_seconds = excluded.interval_seconds, enabled = TRUE,
			etag = CASE WHEN alert_feeds.url = excluded.url THEN alert_feeds.etag ELSE '' END`,
			a.ID, in.URL, in.AutoPublish, interval, tx.Now()).Error
		if err != nil {
			return fmt.Errorf("save alert feed: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "feed.save", "@"+a.Handle, in.URL)
	})
}

// ClaimDueAlertFeeds returns the feeds whose poll is due and marks them
// polled, each with a conditional update, so two instances never poll
// the same feed at once.
func (s *Store) ClaimDueAlertFeeds(ctx context.Context) ([]AlertFeed, error) {
	now := s.Now()
	var feeds []AlertFeed
	if err := s.conn(ctx).Where("enabled = ?", true).Order("id").Find(&feeds).Error; err != nil {
		return nil, fmt.Errorf("alert feeds: %w", err)
	}
	var due []AlertFeed
	for _, f := range feeds {
		if f.LastPolledAt != nil && now.Sub(*f.LastPolledAt) < time.Duration(f.IntervalSeconds)*time.Second {
			continue
		}
		q := s.conn(ctx).Model(&AlertFeed{}).Where("id = ?", f.ID)
		if f.LastPolledAt == nil {
			q = q.Where("last_polled_at IS NULL")
		} else {
			q = q.Where("last_polled_at = ?", *f.LastPolledAt)
		}
		res := q.Update("last_polled_at", now)
		if res.Error != nil {
			return due, fmt.Errorf("claim alert feed %d: %w", f.ID, res.Error)
		}
		if res.RowsAffected == 1 {
			f.LastPolledAt = &now
			due = append(due, f)
		}
	}
	return due, nil
}

// RecordAlertFeedPoll stores how a poll went: an error message, or success
// with the feed's new ETag.
func (s *Store) RecordAlertFeedPoll(ctx context.Context, feedID int64, etag string, pollErr error) error {
	updates := map[string]any{"last_polled_at": s.Now()}
	if pollErr != nil {
		msg := pollErr.Error()
		if len(msg) > 500 {
			msg = msg[:500]
		}
		updates["last_error"] = msg
	} else {
		updates["last_error"], updates["last_ok_at"], updates["etag"] = "", s.Now(), etag
	}
	if err := s.conn(ctx).Model(&AlertFeed{}).Where("id = ?", feedID).Updates(updates).Error; err != nil {
		return fmt.Errorf("record alert feed poll: %w", err)
	}
	return nil
}

// AlertFeedItems are the alerts a feed has produced so far.
func (s *Store) AlertFeedItems(ctx context.Context, feedID int64) ([]AlertFeedItem, error) {
	var out []AlertFeedItem
	if err := s.conn(ctx).Where("feed_id = ?", feedID).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("alert feed items: %w", err)
	}
	return out, nil
}

// SaveAlertFeedItem records which notice an alert became.
func (s *Store) SaveAlertFeedItem(ctx context.Context, it AlertFeedItem) error {
	err := s.conn(ctx).Exec(`INSERT INTO alert_feed_items (feed_id, alert_id, notice_id, content_hash, seen_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (feed_id, alert_id) DO UPDATE SET notice_id = excluded.notice_id, content_hash = excluded.content_hash, seen_at = excluded.seen_at`,
		it.FeedID, it.AlertID, it.NoticeID, it.ContentHash, it.SeenAt).Error
	if err != nil {
		return fmt.Errorf("save alert feed item: %w", err)
	}
	return nil
}

// ExpireNotice ends a live notice without telling anyone (its source says
// it is over); it stays visible as expired.
func (s *Store) ExpireNotice(ctx context.Context, m *Member, a *Account, id int64) error {
	if !m.Can(PermPublish) {
		return ErrForbidden
	}
	n, err := s.orgNotice(ctx, m, a, id)
	if err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *Store) error {
		res := tx.conn(ctx).Model(&Notice{}).Where("id = ? AND status IN ?", n.ID, []string{NoticePublished, NoticeUpdated}).
			Updates(map[string]any{"status": NoticeExpired, "updated_at": tx.Now()})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "notice.expire", noticeTarget(a, n), n.Title("en"))
	})
}

// SystemMember acts for an organization when no person does (an imported
// feed): an editor with no user, so the audit log shows the system.
func (s *Store) SystemMember(ctx context.Context, orgID int64) (*Member, error) {
	var org Organization
	if err := s.conn(ctx).First(&org, orgID).Error; err != nil {
		return nil, notFound(err, "organization")
	}
	return &Member{User: &User{Email: "system"}, Org: &org, Role: RoleEditor}, nil
}
