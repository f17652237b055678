package models

import (
	"context"
	"fmt"
	"time"
)

// publicStates are the states citizens may see: everything that was
// published, including what ended.
var publicStates = []string{NoticePublished, NoticeUpdated, NoticeCancelled, NoticeExpired}

// PublicNotices pages through an account's published notices, newest
// first.
func (s *Store) PublicNotices(ctx context.Context, accountID int64, page Page) ([]Notice, int64, error) {
	q := s.conn(ctx).Model(&Notice{}).Where("account_id = ? AND status IN ?", accountID, publicStates)
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count public notices: %w", err)
	}
	var out []Notice
	if err := q.Order("published_at DESC, id DESC").Limit(page.Limit()).Offset(page.Offset()).Find(&out).Error; err != nil {
		return nil, 0, fmt.Errorf("public notices: %w", err)
	}
	return out, total, nil
}

// PublicNotice loads one published notice of an account; drafts and
// scheduled notices do not exist for the public.
func (s *Store) PublicNotice(ctx context.Context, accountID, id int64) (*Notice, error) {
	var n Notice
	err := s.conn(ctx).Where("id = ? AND account_id = ? AND status IN ?", id, accountID, publicStates).First(&n).Error
	if err != nil {
		return nil, notFound(err, "notice")
	}
	return &n, nil
}

// Alert is a live notice with the account that issued it.
type Alert struct {
	Notice
	Handle  string
	Name    string
	NameZh  string
	OrgName string
}

// LocalName is the issuing account's name in lang.
func (a *Alert) LocalName(lang string) string {
	if lang == "zh" && a.NameZh != "" {
		return a.NameZh
	}
	return a.Name
}

// ActiveAlerts lists the safety and transit notices in force at now: live,
// effective, not expired. Emergencies come first, then the newest. An
// accountID of 0 means every account.
func (s *Store) ActiveAlerts(ctx context.Context, accountID int64, now time.Time, limit int) ([]Alert, error) {
	q := s.conn(ctx).Table("notices").
		Select("notices.*, accounts.handle, accounts.name, accounts.name_zh, organizations.name AS org_name").
		Joins("JOIN accounts ON accounts.id = notices.account_id").
		Joins("JOIN organizations ON organizations.id = accounts.organization_id").
		Where("notices.status IN ? AND notices.kind IN ?", []string{NoticePublished, NoticeUpdated}, []string{NoticeSafety, NoticeTransit}).
		Where("(notices.effective_at IS NULL OR notices.effective_at <= ?) AND (notices.expires_at IS NULL OR notices.expires_at > ?)", now, now)
	if accountID != 0 {
		q = q.Where("notices.account_id = ?", accountID)
	}
	var out []Alert
	err := q.Order(`CASE WHEN notices.kind = 'safety' AND notices.severity IN ('Extreme', 'Severe') THEN 0 ELSE 1 END,
		notices.published_at DESC, notices.id DESC`).Limit(limit).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("active alerts: %w", err)
	}
	return out, nil
}

// LiveNotices are an account's published notices not yet ended or
// expired at now, of the given kinds (none: all), newest first.
func (s *Store) LiveNotices(ctx context.Context, accountID int64, kinds []string, now time.Time) ([]Notice, error) {
	q := s.conn(ctx).Where("account_id = ? AND status IN ? AND (expires_at IS NULL OR expires_at > ?)",
		accountID, []string{NoticePublished, NoticeUpdated}, now)
	if len(kinds) > 0 {
		q = q.Where("kind IN ?", kinds)
	}
	var out []Notice
	if err := q.Order("published_at DESC, id DESC").Limit(500).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("live notices: %w", err)
	}
	return out, nil
}

// LatestNotices are the newest published notices of every account, with
// their accounts, for the platform's feed.
func (s *Store) LatestNotices(ctx context.Context, limit int) ([]Alert, error) {
	var out []Alert
	err := s.conn(ctx).Table("notices").
		Select("notices.*, accounts.handle, accounts.name, accounts.name_zh, organizations.name AS org_name").
		Joins("JOIN accounts ON accounts.id = notices.account_id").
		Joins("JOIN organizations ON organizations.id = accounts.organization_id").
		Where("notices.status IN ?", publicStates).
		Order("notices.published_at DESC, notices.id DESC").Limit(limit).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("latest notices: %w", err)
	}
	return out, nil
}

// NoticeByID loads a published notice of any account.
func (s *Store) NoticeByID(ctx context.Context, id int64) (*Notice, error) {
	var n Notice
	if err := s.conn(ctx).Where("id = ? AND status IN ?", id, publicStates).First(&n).Error; err != nil {
		return nil, notFound(err, "notice")
	}
	return &n, nil
}
