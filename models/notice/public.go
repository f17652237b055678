package notice

import (
	"context"
	"fmt"
	"time"

	"github.com/plazahq/plaza/models"
)

// publicStates are the states citizens may see: everything that was
// published, including what ended.
var publicStates = []string{models.NoticePublished, models.NoticeUpdated, models.NoticeCancelled, models.NoticeExpired}

// PublicNotices pages through an account's published notices, newest
// first.
func (s *Service) PublicNotices(ctx context.Context, accountID int64, page models.Page) ([]models.Notice, int64, error) {
	q := s.core.Conn(ctx).Model(&models.Notice{}).Where("account_id = ? AND status IN ?", accountID, publicStates)
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count public notices: %w", err)
	}
	var out []models.Notice
	if err := q.Order("published_at DESC, id DESC").Limit(page.Limit()).Offset(page.Offset()).Find(&out).Error; err != nil {
		return nil, 0, fmt.Errorf("public notices: %w", err)
	}
	return out, total, nil
}

// PublicNotice loads one published notice of an account; drafts and
// scheduled notices do not exist for the public.
func (s *Service) PublicNotice(ctx context.Context, accountID, id int64) (*models.Notice, error) {
	var n models.Notice
	err := s.core.Conn(ctx).Where("id = ? AND account_id = ? AND status IN ?", id, accountID, publicStates).First(&n).Error
	if err != nil {
		return nil, models.NotFound(err, "notice")
	}
	return &n, nil
}

// AnyNoticePublic reports whether any of the notices is shown on the
// public site, which makes its files public (media.Notices).
func (s *Service) AnyNoticePublic(ctx context.Context, ids []int64) (bool, error) {
	var n int64
	if err := s.core.Conn(ctx).Model(&models.Notice{}).Where("id IN ? AND status IN ?", ids, publicStates).Count(&n).Error; err != nil {
		return false, fmt.Errorf("public notices: %w", err)
	}
	return n > 0, nil
}

// ActiveAlerts lists the safety and transit notices in force at now: live,
// effective, not expired. The most severe come first (Extreme, Severe,
// Moderate, Minor, then notices without a CAP severity, transit ones
// included), the newest first within each: a Moderate heat warning must
// not sit below routine transit notices and fall off a short list. An
// accountID of 0 means every account. The public pages show each with
// its account's names, so this and LatestNotices join the accounts' and
// organizations' tables in the one statement (reads only; the pages are
// the site's busiest) rather than asking the accounts' domain per row.
func (s *Service) ActiveAlerts(ctx context.Context, accountID int64, now time.Time, limit int) ([]models.Alert, error) {
	q := s.core.Conn(ctx).Table("notices").
		Select(alertColumns).
		Joins("JOIN accounts ON accounts.id = notices.account_id").
		Joins("JOIN organizations ON organizations.id = accounts.organization_id").
		Where("notices.status IN ? AND notices.kind IN ?", []string{models.NoticePublished, models.NoticeUpdated}, []string{models.NoticeSafety, models.NoticeTransit}).
		Where("(notices.effective_at IS NULL OR notices.effective_at <= ?) AND (notices.expires_at IS NULL OR notices.expires_at > ?)", now, now)
	if accountID != 0 {
		q = q.Where("notices.account_id = ?", accountID)
	}
	var out []models.Alert
	err := q.Order(severityRank + `, notices.published_at DESC, notices.id DESC`).Limit(limit).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("active alerts: %w", err)
	}
	return out, nil
}

// severityRank orders notices by CAP severity, the most severe first. Only
// safety notices carry one the public is shown (the editor offers it for
// them alone), so any other kind ranks with Unknown.
const severityRank = `CASE WHEN notices.kind <> 'safety' THEN 4
	WHEN notices.severity = 'Extreme' THEN 0 WHEN notices.severity = 'Severe' THEN 1
	WHEN notices.severity = 'Moderate' THEN 2 WHEN notices.severity = 'Minor' THEN 3 ELSE 4 END`

// alertColumns are an alert's: the notice's, and its account's names.
const alertColumns = "notices.*, accounts.handle, accounts.organization_id, accounts.name, accounts.default_lang AS account_lang, accounts.translations AS account_texts, organizations.name AS org_name"

// maxBanners bounds the warnings read for the banner; more than a handful
// in force at once is a city in crisis, and the alerts page lists them all.
const maxBanners = 20

// Banners are the warnings every public page shows at its top while they
// are in force at now: live safety notices of severity Extreme or Severe,
// effective and not expired, the most severe and then the newest first.
// next is the first time after now at which the list changes with the
// clock alone (one of them expires, or one published to start later comes
// into force); zero when none will. A page showing the list may be kept
// until next, no longer: no row changes when a warning runs out.
//
// It is one statement over the live notices (notices_live_idx), whatever
// their times, so that a warning starting later is seen too; the caller
// keeps its answer for the content version (handlers' banners).
func (s *Service) Banners(ctx context.Context, now time.Time) (list []models.Alert, next time.Time, err error) {
	var rows []models.Alert
	err = s.core.Conn(ctx).Table("notices").Select(alertColumns).
		Joins("JOIN accounts ON accounts.id = notices.account_id").
		Joins("JOIN organizations ON organizations.id = accounts.organization_id").
		Where("notices.status IN ? AND notices.kind = ? AND notices.severity IN ?",
			[]string{models.NoticePublished, models.NoticeUpdated}, models.NoticeSafety, []string{"Extreme", "Severe"}).
		Where("notices.expires_at IS NULL OR notices.expires_at > ?", now).
		Order(severityRank + `, notices.published_at DESC, notices.id DESC`).Limit(maxBanners).Scan(&rows).Error
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("banners: %w", err)
	}
	sooner := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	for _, r := range rows {
		if r.EffectiveAt != nil && r.EffectiveAt.After(now) {
			sooner(*r.EffectiveAt)
			continue
		}
		if r.ExpiresAt != nil {
			sooner(*r.ExpiresAt)
		}
		list = append(list, r)
	}
	return list, next, nil
}

// LiveNotices are an account's published notices not yet ended or
// expired at now, of the given kinds (none: all), newest first.
func (s *Service) LiveNotices(ctx context.Context, accountID int64, kinds []string, now time.Time) ([]models.Notice, error) {
	q := s.core.Conn(ctx).Where("account_id = ? AND status IN ? AND (expires_at IS NULL OR expires_at > ?)",
		accountID, []string{models.NoticePublished, models.NoticeUpdated}, now)
	if len(kinds) > 0 {
		q = q.Where("kind IN ?", kinds)
	}
	var out []models.Notice
	if err := q.Order("published_at DESC, id DESC").Limit(500).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("live notices: %w", err)
	}
	return out, nil
}

// LatestNotices are the newest published notices of every account, with
// their accounts, for the platform's feed.
func (s *Service) LatestNotices(ctx context.Context, limit int) ([]models.Alert, error) {
	var out []models.Alert
	err := s.core.Conn(ctx).Table("notices").
		Select(alertColumns).
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
func (s *Service) NoticeByID(ctx context.Context, id int64) (*models.Notice, error) {
	var n models.Notice
	if err := s.core.Conn(ctx).Where("id = ? AND status IN ?", id, publicStates).First(&n).Error; err != nil {
		return nil, models.NotFound(err, "notice")
	}
	return &n, nil
}
