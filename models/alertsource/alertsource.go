package alertsource

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
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
)

// Feed is an external GTFS-realtime alerts feed an account takes
// transit notices from.
type Feed struct {
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

// TableName names the table this package owns (gorm would say "feeds").
func (Feed) TableName() string { return "alert_feeds" }

// NewAlertsWindow is how long the cap on a feed's new alerts counts.
const NewAlertsWindow = time.Hour

// HeldBackUntil is when the new alerts the cap held back may come in.
func (f *Feed) HeldBackUntil() time.Time {
	if f.NewAlertsSince == nil {
		return time.Time{}
	}
	return f.NewAlertsSince.Add(NewAlertsWindow)
}

// Item links an alert of a feed to the notice it became.
type Item struct {
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

// TableName names the table this package owns (gorm would say "items").
func (Item) TableName() string { return "alert_feed_items" }

// Hold keeps in, the alert's latest change, until the time it may go out;
// a change already held is replaced (the latest text wins) but keeps its
// start.
func (it *Item) Hold(in notice.Input, hash string, now, until time.Time) error {
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
func (it *Item) Held() (notice.Input, error) {
	var in notice.Input
	if err := in.UnmarshalStored([]byte(it.HeldInput)); err != nil {
		return in, fmt.Errorf("held change of alert %q: %w", it.AlertID, err)
	}
	return in, nil
}

// ClearHeld forgets the held change (it went out, or no longer matters).
func (it *Item) ClearHeld() {
	it.HeldInput, it.HeldHash, it.HeldSince, it.HeldUntil = "", "", nil, nil
}

// Notices is what the service needs of the notices' domain, whose table
// it does not query. *notice.Service provides it.
type Notices interface {
	// NoticeTitles are the English and Chinese titles of the notices
	// with these ids; a notice that is gone is missing from the map.
	NoticeTitles(ctx context.Context, ids []int64) (map[int64]models.NoticeTitle, error)
}

// Service is the alert-feed domain.
type Service struct {
	core    models.Core
	queue   models.Enqueuer
	notices Notices
}

// New builds the service on core (store.Core); queue takes the poll jobs
// a claim queues.
func New(core models.Core, queue models.Enqueuer, notices Notices) *Service {
	return &Service{core: core, queue: queue, notices: notices}
}

// Of is the account's feed, or nil.
func (s *Service) Of(ctx context.Context, m *models.Member, a *models.Account) (*Feed, error) {
	if err := models.Require(m, models.PermView, a.OrgID()); err != nil {
		return nil, err
	}
	var f Feed
	err := s.core.Conn(ctx).Where("account_id = ?", a.ID).First(&f).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("alert feed: %w", err)
	}
	return &f, nil
}

// Input is the feed form. An empty URL removes the feed (its notices
// stay).
type Input struct {
	URL         string
	AutoPublish bool
	Interval    string
}

// Save sets, changes or removes the account's feed.
func (s *Service) Save(ctx context.Context, m *models.Member, a *models.Account, in Input) error {
	if err := models.Require(m, models.PermPublish, a.OrgID()); err != nil {
		return err
	}
	in.URL = strings.TrimSpace(in.URL)
	var v models.ValidationError
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
	return s.core.Tx(ctx, func(tx models.Core) error {
		if in.URL == "" {
			res := tx.Conn(ctx).Where("account_id = ?", a.ID).Delete(&Feed{})
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
		err := tx.Conn(ctx).Exec(`INSERT INTO alert_feeds (account_id, url, auto_publish, interval_seconds, created_at, next_poll_at)
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

// ClaimDue moves every enabled feed whose poll is due at now to its next
// turn and queues one poll job for each, in one transaction, and returns
// the claimed feeds' ids. The claim is a single conditional UPDATE, so two
// scans that run at once never claim the same feed, and a job exists
// exactly for each claimed feed.
func (s *Service) ClaimDue(ctx context.Context, now time.Time) ([]int64, error) {
	now = now.UTC()
	// The next turn counts from now, not from when the feed was due, so
	// a feed that was off for a day is polled once, not once per interval
	// it missed.
	next := `CAST(? AS TIMESTAMPTZ) + interval_seconds * INTERVAL '1 second'`
	var from any = now
	if s.core.Dialect() == database.SQLite {
		// SQLite has no time type: the driver writes times as text that
		// sorts in time order, and strftime writes the same layout.
		next = `strftime('%Y-%m-%d %H:%M:%f+00:00', ?, '+' || interval_seconds || ' seconds')`
		from = now.Format("2006-01-02 15:04:05.000")
	}
	var ids []int64
	err := s.core.Tx(ctx, func(tx models.Core) error {
		if err := tx.Conn(ctx).Raw(`UPDATE alert_feeds SET next_poll_at = `+next+`
			WHERE enabled AND next_poll_at <= ? RETURNING id`, from, now).Scan(&ids).Error; err != nil {
			return fmt.Errorf("claim due alert feeds: %w", err)
		}
		for _, id := range ids {
			if err := s.enqueue(ctx, tx, jobs.PollFeed{FeedID: id}); err != nil {
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

// enqueue adds job to the queue inside tx, so the job exists exactly when
// the claim does.
func (s *Service) enqueue(ctx context.Context, tx models.Core, job models.Job) error {
	if s.queue == nil {
		return fmt.Errorf("enqueue %s: no queue configured", job.Kind())
	}
	return s.queue.Enqueue(ctx, tx.Conn(ctx), job)
}

// ByID is a feed for the poller, which acts for no one.
func (s *Service) ByID(ctx context.Context, id int64) (*Feed, error) {
	var f Feed
	if err := s.core.Conn(ctx).First(&f, id).Error; err != nil {
		return nil, models.NotFound(err, "alert feed")
	}
	return &f, nil
}

// maxFeedError bounds the error kept on a feed, in characters: the feed is
// outside input and its problems can be as long as it likes.
const maxFeedError = 500

// Poll is how one poll went.
type Poll struct {
	At time.Time
	// Err is the poll's failure; nil records a success with ETag.
	Err  error
	ETag string
	// The cap on new alerts after the poll (see Feed).
	NewAlertsSince    *time.Time
	NewAlertsCount    int
	NewAlertsHeldBack int
	// NextHeld is when the earliest held change may go out: the feed's
	// next poll is brought forward to it, so a held change goes out even
	// if the feed is polled rarely.
	NextHeld *time.Time
}

// RecordPoll stores how a poll went, for staff and for the next poll.
func (s *Service) RecordPoll(ctx context.Context, feedID int64, p Poll) error {
	updates := map[string]any{"last_polled_at": p.At, "new_alerts_since": p.NewAlertsSince,
		"new_alerts_count": p.NewAlertsCount, "new_alerts_held_back": p.NewAlertsHeldBack}
	if p.Err != nil {
		updates["last_error"] = truncateText(p.Err.Error(), maxFeedError)
	} else {
		updates["last_error"], updates["last_ok_at"], updates["etag"] = "", p.At, p.ETag
	}
	return s.core.Tx(ctx, func(tx models.Core) error {
		if err := tx.Conn(ctx).Model(&Feed{}).Where("id = ?", feedID).Updates(updates).Error; err != nil {
			return fmt.Errorf("record alert feed poll: %w", err)
		}
		if p.NextHeld == nil {
			return nil
		}
		if err := tx.Conn(ctx).Model(&Feed{}).Where("id = ? AND next_poll_at > ?", feedID, p.NextHeld.UTC()).
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

// Items are the alerts a feed has produced so far.
func (s *Service) Items(ctx context.Context, feedID int64) ([]Item, error) {
	var out []Item
	if err := s.core.Conn(ctx).Where("feed_id = ?", feedID).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("alert feed items: %w", err)
	}
	return out, nil
}

// SaveItem records which notice an alert became, when it last went out
// and the change it holds.
func (s *Service) SaveItem(ctx context.Context, it Item) error {
	err := s.core.Conn(ctx).Exec(`INSERT INTO alert_feed_items (feed_id, alert_id, notice_id, content_hash, seen_at,
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

// HeldChange is a change of an alert that waits for its turn to go out,
// as staff see it.
type HeldChange struct {
	AlertID  string
	NoticeID *int64
	// The notice's title as followers have it, and the held change.
	Title        models.NoticeTitle
	Latest       notice.Input
	Since, Until time.Time
}

// maxHeldShown bounds the held changes listed on the settings page; a
// feed rarely has more than a handful of live alerts.
const maxHeldShown = 100

// HeldChanges lists the changes the account's feed holds, oldest first.
func (s *Service) HeldChanges(ctx context.Context, m *models.Member, a *models.Account) ([]HeldChange, error) {
	if err := models.Require(m, models.PermView, a.OrgID()); err != nil {
		return nil, err
	}
	var rows []Item
	err := s.core.Conn(ctx).Raw(`SELECT i.* FROM alert_feed_items i JOIN alert_feeds f ON f.id = i.feed_id
		WHERE f.account_id = ? AND i.held_hash <> '' ORDER BY i.held_since, i.alert_id LIMIT ?`, a.ID, maxHeldShown).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("held alert changes: %w", err)
	}
	// The titles come from the notices' domain, in one call for the page.
	var ids []int64
	for _, r := range rows {
		if r.NoticeID != nil {
			ids = append(ids, *r.NoticeID)
		}
	}
	titles := map[int64]models.NoticeTitle{}
	if len(ids) > 0 {
		if titles, err = s.notices.NoticeTitles(ctx, ids); err != nil {
			return nil, err
		}
	}
	out := make([]HeldChange, 0, len(rows))
	for _, r := range rows {
		in, err := r.Held()
		if err != nil {
			return nil, err
		}
		c := HeldChange{AlertID: r.AlertID, NoticeID: r.NoticeID, Latest: in}
		if r.NoticeID != nil {
			c.Title = titles[*r.NoticeID]
		}
		if r.HeldSince != nil && r.HeldUntil != nil {
			c.Since, c.Until = *r.HeldSince, *r.HeldUntil
		}
		out = append(out, c)
	}
	return out, nil
}
