package models

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/plazahq/plaza/database"
	"github.com/plazahq/plaza/jobs"
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
	NextPollAt      time.Time
	// NewAlertsSince starts the current hour of the cap on new alerts, in
	// which the feed has created NewAlertsCount notices; NewAlertsHeldBack
	// new alerts of the last poll were left out because of the cap.
	NewAlertsSince    *time.Time
	NewAlertsCount    int
	NewAlertsHeldBack int
	CreatedAt         time.Time
}

// NewAlertsWindow is how long the cap on a feed's new alerts counts.
const NewAlertsWindow = time.Hour

// HeldBackUntil is when the new alerts the cap held back may come in.
func (f *AlertFeed) HeldBackUntil() time.Time {
	if f.NewAlertsSince == nil {
		return time.Time{}
	}
	return f.NewAlertsSince.Add(NewAlertsWindow)
}

// AlertFeedItem links an alert of a feed to the notice it became.
type AlertFeedItem struct {
	FeedID      int64  `gorm:"primaryKey"`
	AlertID     string `gorm:"primaryKey"`
	NoticeID    *int64
	ContentHash string
	SeenAt      time.Time
	// SentAt is when the alert last went out to followers (published or
	// updated by the feed).
	SentAt *time.Time
	// A change that came too soon after SentAt waits here: the latest
	// notice input (JSON) and its hash, from HeldSince until HeldUntil.
	HeldInput string
	HeldHash  string
	HeldSince *time.Time
	HeldUntil *time.Time
}

// Hold keeps in, the alert's latest change, until the time it may go out;
// a change already held is replaced (the latest text wins) but keeps its
// start.
func (it *AlertFeedItem) Hold(in NoticeInput, hash string, now, until time.Time) error {
	b, err := in.StoredJSON()
	if err != nil {
		return fmt.Errorf("hold alert %q: %w", it.AlertID, err)
	}
	it.HeldInput, it.HeldHash, it.HeldUntil = string(b), hash, &until
	if it.HeldSince == nil {
		it.HeldSince = &now
	}
	return nil
}

// Held is the change being held.
func (it *AlertFeedItem) Held() (NoticeInput, error) {
	var in NoticeInput
	if err := in.unmarshalStored([]byte(it.HeldInput)); err != nil {
		return in, fmt.Errorf("held change of alert %q: %w", it.AlertID, err)
	}
	return in, nil
}

// ClearHeld forgets the held change (it went out, or no longer matters).
func (it *AlertFeedItem) ClearHeld() {
	it.HeldInput, it.HeldHash, it.HeldSince, it.HeldUntil = "", "", nil, nil
}

// AlertFeedOf is the account's feed, or nil.
func (s *Store) AlertFeedOf(ctx context.Context, m *Member, a *Account) (*AlertFeed, error) {
	if err := Require(m, PermView, a.OrgID()); err != nil {
		return nil, err
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
	if err := Require(m, PermPublish, a.OrgID()); err != nil {
		return err
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
		// A new address or interval is polled at once; saving the
		// form unchanged keeps the feed's turn.
		err := tx.conn(ctx).Exec(`INSERT INTO alert_feeds (account_id, url, auto_publish, interval_seconds, created_at, next_poll_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (account_id) DO UPDATE SET url = excluded.url,
			auto_publish = excluded.auto_publish, interval_seconds = excluded.interval_seconds, enabled = TRUE,
			etag = CASE WHEN alert_feeds.url = excluded.url THEN alert_feeds.etag ELSE '' END,
			next_poll_at = CASE WHEN alert_feeds.url = excluded.url AND alert_feeds.interval_seconds = excluded.interval_seconds
				THEN alert_feeds.next_poll_at ELSE excluded.next_poll_at END`,
			a.ID, in.URL, in.AutoPublish, interval, tx.Now(), tx.Now()).Error
		if err != nil {
			return fmt.Errorf("save alert feed: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "feed.save", "@"+a.Handle, in.URL)
	})
}

// ClaimDueAlertFeeds moves every enabled feed whose poll is due at now to
// its next turn and queues one poll job for each, in one transaction, and
// returns the claimed feeds' ids. The claim is a single conditional UPDATE,
// so two scans that run at once never claim the same feed, and a job
// exists exactly for each claimed feed.
func (s *Store) ClaimDueAlertFeeds(ctx context.Context, now time.Time) ([]int64, error) {
	now = now.UTC()
	// The next turn counts from now, not from when the feed was due, so
	// a feed that was off for a day is polled once, not once per interval
	// it missed.
	next := `CAST(? AS TIMESTAMPTZ) + interval_seconds * INTERVAL '1 second'`
	var from any = now
	if s.dialect == database.SQLite {
		// SQLite has no time type: the driver writes times as text that
		// sorts in time order, and strftime writes the same layout.
		next = `strftime('%Y-%m-%d %H:%M:%f+00:00', ?, '+' || interval_seconds || ' seconds')`
		from = now.Format("2006-01-02 15:04:05.000")
	}
	var ids []int64
	err := s.Tx(ctx, func(tx *Store) error {
		if err := tx.conn(ctx).Raw(`UPDATE alert_feeds SET next_poll_at = `+next+`
			WHERE enabled AND next_poll_at <= ? RETURNING id`, from, now).Scan(&ids).Error; err != nil {
			return fmt.Errorf("claim due alert feeds: %w", err)
		}
		for _, id := range ids {
			if err := tx.enqueue(ctx, jobs.PollFeed{FeedID: id}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(ids)
	return ids, nil
}

// AlertFeedByID is a feed for the poller, which acts for no one.
func (s *Store) AlertFeedByID(ctx context.Context, id int64) (*AlertFeed, error) {
	var f AlertFeed
	if err := s.conn(ctx).First(&f, id).Error; err != nil {
		return nil, notFound(err, "alert feed")
	}
	return &f, nil
}

// maxFeedError bounds the error kept on a feed, in characters: the feed is
// outside input and its problems can be as long as it likes.
const maxFeedError = 500

// AlertFeedPoll is how one poll went.
type AlertFeedPoll struct {
	At time.Time
	// Err is the poll's failure; nil records a success with ETag.
	Err  error
	ETag string
	// The cap on new alerts after the poll (see AlertFeed).
	NewAlertsSince    *time.Time
	NewAlertsCount    int
	NewAlertsHeldBack int
	// NextHeld is when the earliest held change may go out: the feed's
	// next poll is brought forward to it, so a held change goes out even
	// if the feed is polled rarely.
	NextHeld *time.Time
}

// RecordAlertFeedPoll stores how a poll went, for staff and for the next
// poll.
func (s *Store) RecordAlertFeedPoll(ctx context.Context, feedID int64, p AlertFeedPoll) error {
	updates := map[string]any{"last_polled_at": p.At, "new_alerts_since": p.NewAlertsSince,
		"new_alerts_count": p.NewAlertsCount, "new_alerts_held_back": p.NewAlertsHeldBack}
	if p.Err != nil {
		updates["last_error"] = truncateText(p.Err.Error(), maxFeedError)
	} else {
		updates["last_error"], updates["last_ok_at"], updates["etag"] = "", p.At, p.ETag
	}
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.conn(ctx).Model(&AlertFeed{}).Where("id = ?", feedID).Updates(updates).Error; err != nil {
			return fmt.Errorf("record alert feed poll: %w", err)
		}
		if p.NextHeld == nil {
			return nil
		}
		if err := tx.conn(ctx).Model(&AlertFeed{}).Where("id = ? AND next_poll_at > ?", feedID, p.NextHeld.UTC()).
			Update("next_poll_at", p.NextHeld.UTC()).Error; err != nil {
			return fmt.Errorf("bring the alert feed's poll forward: %w", err)
		}
		return nil
	})
}

// truncateText cuts s to at most n characters, never inside one.
func truncateText(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// AlertFeedItems are the alerts a feed has produced so far.
func (s *Store) AlertFeedItems(ctx context.Context, feedID int64) ([]AlertFeedItem, error) {
	var out []AlertFeedItem
	if err := s.conn(ctx).Where("feed_id = ?", feedID).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("alert feed items: %w", err)
	}
	return out, nil
}

// SaveAlertFeedItem records which notice an alert became, when it last
// went out and the change it holds.
func (s *Store) SaveAlertFeedItem(ctx context.Context, it AlertFeedItem) error {
	err := s.conn(ctx).Exec(`INSERT INTO alert_feed_items (feed_id, alert_id, notice_id, content_hash, seen_at,
			sent_at, held_input, held_hash, held_since, held_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (feed_id, alert_id) DO UPDATE SET notice_id = excluded.notice_id, content_hash = excluded.content_hash,
			seen_at = excluded.seen_at, sent_at = excluded.sent_at, held_input = excluded.held_input,
			held_hash = excluded.held_hash, held_since = excluded.held_since, held_until = excluded.held_until`,
		it.FeedID, it.AlertID, it.NoticeID, it.ContentHash, it.SeenAt, it.SentAt, it.HeldInput, it.HeldHash,
		it.HeldSince, it.HeldUntil).Error
	if err != nil {
		return fmt.Errorf("save alert feed item: %w", err)
	}
	return nil
}

// HeldAlertChange is a change of an alert that waits for its turn to go
// out, as staff see it.
type HeldAlertChange struct {
	AlertID  string
	NoticeID *int64
	// The notice's title as followers have it, and the held change.
	TitleEn, TitleZh string
	Latest           NoticeInput
	Since, Until     time.Time
}

// maxHeldShown bounds the held changes listed on the settings page; a
// feed rarely has more than a handful of live alerts.
const maxHeldShown = 100

// HeldAlertChanges lists the changes the account's feed holds, oldest
// first.
func (s *Store) HeldAlertChanges(ctx context.Context, m *Member, a *Account) ([]HeldAlertChange, error) {
	if err := Require(m, PermView, a.OrgID()); err != nil {
		return nil, err
	}
	var rows []struct {
		AlertFeedItem
		TitleEn, TitleZh string
	}
	err := s.conn(ctx).Raw(`SELECT i.*, COALESCE(n.title_en, '') AS title_en, COALESCE(n.title_zh, '') AS title_zh FROM alert_feed_items i
		JOIN alert_feeds f ON f.id = i.feed_id LEFT JOIN notices n ON n.id = i.notice_id
		WHERE f.account_id = ? AND i.held_hash <> '' ORDER BY i.held_since, i.alert_id LIMIT ?`, a.ID, maxHeldShown).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("held alert changes: %w", err)
	}
	out := make([]HeldAlertChange, 0, len(rows))
	for _, r := range rows {
		in, err := r.Held()
		if err != nil {
			return nil, err
		}
		c := HeldAlertChange{AlertID: r.AlertID, NoticeID: r.NoticeID, TitleEn: r.TitleEn, TitleZh: r.TitleZh, Latest: in}
		if r.HeldSince != nil && r.HeldUntil != nil {
			c.Since, c.Until = *r.HeldSince, *r.HeldUntil
		}
		out = append(out, c)
	}
	return out, nil
}

// ExpireNotice ends a live notice without telling anyone (its source says
// it is over); it stays visible as expired.
func (s *Store) ExpireNotice(ctx context.Context, m *Member, a *Account, id int64) error {
	if err := Require(m, PermPublish, a.OrgID()); err != nil {
		return err
	}
	n, err := s.accountNotice(ctx, a, id)
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
