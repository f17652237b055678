package models

import (
	"context"
	"fmt"
)

// NoticeTitle is a notice's title in each language, for a page that
// lists another domain's rows next to the notices they became.
type NoticeTitle struct{ En, Zh string }

// NoticeTitles are the titles of the notices with these ids; a notice that
// is gone is missing from the map. models/alertsource lists the alerts
// whose changes it holds under these titles without querying notices.
func (s *Store) NoticeTitles(ctx context.Context, ids []int64) (map[int64]NoticeTitle, error) {
	var rows []struct {
		ID               int64
		TitleEn, TitleZh string
	}
	if err := s.conn(ctx).Model(&Notice{}).Select("id, title_en, title_zh").Where("id IN ?", ids).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("notice titles: %w", err)
	}
	out := make(map[int64]NoticeTitle, len(rows))
	for _, r := range rows {
		out[r.ID] = NoticeTitle{En: r.TitleEn, Zh: r.TitleZh}
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
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "notice.expire", NoticeTarget(a, n), n.Title("en"))
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
