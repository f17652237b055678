package notice

import (
	"context"
	"fmt"

	"github.com/plazahq/plaza/models"
)

// NoticeTitles are the titles of the notices with these ids; a notice that
// is gone is missing from the map. models/alertsource lists the alerts
// whose changes it holds under these titles without querying notices.
func (s *Service) NoticeTitles(ctx context.Context, ids []int64) (map[int64]models.NoticeTitle, error) {
	var rows []struct {
		ID           int64
		DefaultLang  string
		Translations models.Translations
	}
	if err := s.core.Conn(ctx).Model(&models.Notice{}).Select("id, default_lang, translations").Where("id IN ?", ids).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("notice titles: %w", err)
	}
	out := make(map[int64]models.NoticeTitle, len(rows))
	for _, r := range rows {
		out[r.ID] = models.NoticeTitle{DefaultLang: r.DefaultLang, Translations: r.Translations}
	}
	return out, nil
}

// ExpireNotice ends a live notice without telling anyone (its source says
// it is over); it stays visible as expired.
func (s *Service) ExpireNotice(ctx context.Context, m *models.Member, a *models.Account, id int64) error {
	if err := models.Require(m, models.PermPublish, a.OrgID()); err != nil {
		return err
	}
	n, err := s.accountNotice(ctx, a, id)
	if err != nil {
		return err
	}
	return s.core.Tx(ctx, func(tx models.Core) error {
		res := tx.Conn(ctx).Model(&models.Notice{}).Where("id = ? AND status IN ?", n.ID, []string{models.NoticePublished, models.NoticeUpdated}).
			Updates(map[string]any{"status": models.NoticeExpired, "updated_at": tx.Now()})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "notice.expire", models.NoticeTarget(a, n), n.Title("en"))
	})
}
