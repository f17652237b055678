package notice

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/plazahq/plaza/models"
)

// The editor's side of notices: drafts, publication, updates and ends.

// OrgNotice loads a notice of one of the member's accounts.
func (s *Service) OrgNotice(ctx context.Context, m *models.Member, a *models.Account, id int64) (*models.Notice, error) {
	if err := models.Require(m, models.PermView, a.OrgID()); err != nil {
		return nil, err
	}
	return s.accountNotice(ctx, a, id)
}

// Filter narrows the studio's notice list.
type Filter struct {
	Status string
	Query  string
}

// OrgNotices lists an account's notices for staff, newest first.
func (s *Service) OrgNotices(ctx context.Context, m *models.Member, a *models.Account, f Filter, page models.Page) ([]models.Notice, int64, error) {
	if err := models.Require(m, models.PermView, a.OrgID()); err != nil {
		return nil, 0, err
	}
	q := s.core.Conn(ctx).Model(&models.Notice{}).Where("account_id = ?", a.ID)
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Query = strings.TrimSpace(f.Query); f.Query != "" {
		p := models.LikePattern(f.Query)
		q = q.Where(models.LikeExpr("translations"), p)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count notices: %w", err)
	}
	var out []models.Notice
	if err := q.Order("updated_at DESC, id DESC").Limit(page.Limit()).Offset(page.Offset()).Find(&out).Error; err != nil {
		return nil, 0, fmt.Errorf("list notices: %w", err)
	}
	return out, total, nil
}

// CreateNotice saves a new draft.
func (s *Service) CreateNotice(ctx context.Context, m *models.Member, a *models.Account, in Input) (*models.Notice, error) {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return nil, err
	}
	in, err := in.ForAccount(a).check(false, s.core.Now())
	if err != nil {
		return nil, err
	}
	if in, err = s.prepare(ctx, a, in); err != nil {
		return nil, err
	}
	now := s.core.Now()
	n := &models.Notice{AccountID: a.ID, Status: models.NoticeDraft, CreatedAt: now, UpdatedAt: now}
	if m.User.ID != 0 {
		// 0 is the system (an imported feed, a token whose maker left).
		n.CreatedBy = &m.User.ID
	}
	in.apply(n)
	err = s.core.Tx(ctx, func(tx models.Core) error {
		if err := tx.Conn(ctx).Create(n).Error; err != nil {
			return fmt.Errorf("create notice: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "notice.create", models.NoticeTarget(a, n), n.Title("en"))
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// SaveNotice edits a draft or a scheduled notice; nothing is sent.
func (s *Service) SaveNotice(ctx context.Context, m *models.Member, a *models.Account, id int64, in Input) (*models.Notice, error) {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return nil, err
	}
	n, err := s.accountNotice(ctx, a, id)
	if err != nil {
		return nil, err
	}
	// A scheduled notice is already approved for publication: saving it
	// must pass the same checks, or it would fail silently at its time.
	in, err = in.ForAccount(a).check(n.Status == models.NoticeScheduled, s.core.Now())
	if err != nil {
		return nil, err
	}
	if in, err = s.prepare(ctx, a, in); err != nil {
		return nil, err
	}
	err = s.core.Tx(ctx, func(tx models.Core) error {
		if err := s.with(tx).lockNotice(ctx, n); err != nil {
			return err
		}
		if !n.Editable() {
			return models.FieldError("status", "notices.err_not_editable")
		}
		if n.Status == models.NoticeScheduled && in.PublishAt == nil {
			return models.FieldError("publish_at", "err.required")
		}
		in.apply(n)
		n.UpdatedAt = tx.Now()
		if err := tx.Conn(ctx).Save(n).Error; err != nil {
			return fmt.Errorf("save notice: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "notice.edit", models.NoticeTarget(a, n), n.Title("en"))
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// DeleteNotice removes a draft. Anything that was published stays, so the
// record of what followers were told is never lost.
func (s *Service) DeleteNotice(ctx context.Context, m *models.Member, a *models.Account, id int64) error {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return err
	}
	n, err := s.accountNotice(ctx, a, id)
	if err != nil {
		return err
	}
	return s.core.Tx(ctx, func(tx models.Core) error {
		if err := s.with(tx).lockNotice(ctx, n); err != nil {
			return err
		}
		if n.Status != models.NoticeDraft {
			return models.FieldError("status", "notices.err_only_drafts_deleted")
		}
		if s.files != nil {
			// The files go first: their rows point at the notice.
			if err := s.files.DeleteNoticeFiles(ctx, tx, n.ID); err != nil {
				return err
			}
		}
		res := tx.Conn(ctx).Where("id = ? AND status = ?", n.ID, models.NoticeDraft).Delete(&models.Notice{})
		if res.Error != nil {
			return fmt.Errorf("delete notice: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return models.FieldError("status", "notices.err_only_drafts_deleted")
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "notice.delete", models.NoticeTarget(a, n), n.Title("en"))
	})
}

// LockEditable holds a notice's row inside tx, the transaction that
// changes its files, and refuses unless the notice is a draft or
// scheduled (media.Notices). Publishing holds the same row, so no file
// slips in or out as the notice goes out.
func (s *Service) LockEditable(ctx context.Context, tx models.Core, id int64) error {
	n := &models.Notice{ID: id}
	if err := s.with(tx).lockNotice(ctx, n); err != nil {
		return err
	}
	if !n.Editable() {
		return models.FieldError("file", "notices.err_files_not_editable")
	}
	return nil
}

// PublishNotice publishes a draft now, or schedules it when its
// publish-at time is in the future. A scheduled notice given no time, or a
// past one, publishes now.
func (s *Service) PublishNotice(ctx context.Context, m *models.Member, a *models.Account, id int64, in Input) (*models.Notice, *models.Broadcast, error) {
	if err := models.Require(m, models.PermPublish, a.OrgID()); err != nil {
		return nil, nil, err
	}
	n, err := s.accountNotice(ctx, a, id)
	if err != nil {
		return nil, nil, err
	}
	in, err = in.ForAccount(a).check(true, s.core.Now())
	if err != nil {
		return nil, nil, err
	}
	if in, err = s.prepare(ctx, a, in); err != nil {
		return nil, nil, err
	}
	var b *models.Broadcast
	err = s.core.Tx(ctx, func(tx models.Core) error {
		if err := s.with(tx).lockNotice(ctx, n); err != nil {
			return err
		}
		if !n.Editable() {
			return models.FieldError("status", "notices.err_already_published")
		}
		in.apply(n)
		now := tx.Now()
		n.UpdatedAt = now
		if n.PublishAt != nil && n.PublishAt.After(now) {
			n.Status = models.NoticeScheduled
			if err := tx.Conn(ctx).Save(n).Error; err != nil {
				return fmt.Errorf("schedule notice: %w", err)
			}
			return tx.Audit(ctx, m.Org.ID, m.User.ID, "notice.schedule", models.NoticeTarget(a, n), n.PublishAt.Format(time.RFC3339))
		}
		b, err = s.with(tx).publish(ctx, a, n, m.User.ID)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return n, b, nil
}

// publish turns n (locked, editable) into a published notice with its
// first broadcast and the broadcast's job, inside the caller's transaction.
func (s *Service) publish(ctx context.Context, a *models.Account, n *models.Notice, userID int64) (*models.Broadcast, error) {
	now := s.core.Now()
	n.Status = models.NoticePublished
	n.PublishedAt = &now
	n.PublishAt = nil
	n.Revision = 1
	n.UpdatedAt = now
	if err := s.core.Conn(ctx).Save(n).Error; err != nil {
		return nil, fmt.Errorf("publish notice: %w", err)
	}
	b, err := s.startBroadcast(ctx, n, models.KindPublish, userID)
	if err != nil {
		return nil, err
	}
	return b, s.core.Audit(ctx, a.OrganizationID, userID, "notice.publish", models.NoticeTarget(a, n), n.Title("en"))
}

// Unschedule turns a scheduled notice back into a draft.
func (s *Service) Unschedule(ctx context.Context, m *models.Member, a *models.Account, id int64) (*models.Notice, error) {
	if err := models.Require(m, models.PermPublish, a.OrgID()); err != nil {
		return nil, err
	}
	n, err := s.accountNotice(ctx, a, id)
	if err != nil {
		return nil, err
	}
	err = s.core.Tx(ctx, func(tx models.Core) error {
		res := tx.Conn(ctx).Model(&models.Notice{}).Where("id = ? AND status = ?", n.ID, models.NoticeScheduled).
			Updates(map[string]any{"status": models.NoticeDraft, "publish_at": nil, "updated_at": tx.Now()})
		if res.Error != nil {
			return fmt.Errorf("unschedule notice: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return models.FieldError("status", "notices.err_not_scheduled")
		}
		n.Status, n.PublishAt = models.NoticeDraft, nil
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "notice.unschedule", models.NoticeTarget(a, n), n.Title("en"))
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// UpdateNotice changes a published notice and sends the new version to
// its audience, marked as an update.
func (s *Service) UpdateNotice(ctx context.Context, m *models.Member, a *models.Account, id int64, in Input) (*models.Notice, *models.Broadcast, error) {
	if err := models.Require(m, models.PermPublish, a.OrgID()); err != nil {
		return nil, nil, err
	}
	n, err := s.accountNotice(ctx, a, id)
	if err != nil {
		return nil, nil, err
	}
	in.PublishAt = nil
	in, err = in.ForAccount(a).check(true, s.core.Now())
	if err != nil {
		return nil, nil, err
	}
	if in, err = s.prepare(ctx, a, in); err != nil {
		return nil, nil, err
	}
	var b *models.Broadcast
	err = s.core.Tx(ctx, func(tx models.Core) error {
		if err := s.with(tx).lockNotice(ctx, n); err != nil {
			return err
		}
		if !n.Live() {
			return models.FieldError("status", "notices.err_not_live")
		}
		in.apply(n)
		n.Status = models.NoticeUpdated
		n.Revision++
		n.UpdatedAt = tx.Now()
		if err := tx.Conn(ctx).Save(n).Error; err != nil {
			return fmt.Errorf("update notice: %w", err)
		}
		if b, err = s.with(tx).startBroadcast(ctx, n, models.KindUpdate, m.User.ID); err != nil {
			return err
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "notice.update", models.NoticeTarget(a, n), fmt.Sprintf("revision %d", n.Revision))
	})
	if err != nil {
		return nil, nil, err
	}
	return n, b, nil
}

// EndNotice cancels a published notice or gives the all-clear, and tells
// its audience.
func (s *Service) EndNotice(ctx context.Context, m *models.Member, a *models.Account, id int64, how string) (*models.Notice, *models.Broadcast, error) {
	if err := models.Require(m, models.PermPublish, a.OrgID()); err != nil {
		return nil, nil, err
	}
	if how != models.EndCancel && how != models.EndAllClear {
		return nil, nil, models.FieldError("end", "err.choose_one")
	}
	n, err := s.accountNotice(ctx, a, id)
	if err != nil {
		return nil, nil, err
	}
	var b *models.Broadcast
	err = s.core.Tx(ctx, func(tx models.Core) error {
		if err := s.with(tx).lockNotice(ctx, n); err != nil {
			return err
		}
		if !n.Live() {
			return models.FieldError("status", "notices.err_not_live")
		}
		now := tx.Now()
		n.Status, n.Ended, n.EndedAt, n.UpdatedAt = models.NoticeCancelled, how, &now, now
		n.Revision++
		if err := tx.Conn(ctx).Save(n).Error; err != nil {
			return fmt.Errorf("end notice: %w", err)
		}
		kind := models.KindCancel
		if how == models.EndAllClear {
			kind = models.KindAllClear
		}
		if b, err = s.with(tx).startBroadcast(ctx, n, kind, m.User.ID); err != nil {
			return err
		}
		action := "notice.cancel"
		if how == models.EndAllClear {
			action = "notice.all_clear"
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, action, models.NoticeTarget(a, n), n.Title("en"))
	})
	if err != nil {
		return nil, nil, err
	}
	return n, b, nil
}

// FallbackAudience counts the followers in the audience of n who will get
// it in its default language because it has no version in theirs, by
// their language: what the publish confirmation warns of.
func (s *Service) FallbackAudience(ctx context.Context, m *models.Member, a *models.Account, n *models.Notice) (map[string]int64, error) {
	if err := models.Require(m, models.PermView, a.OrgID()); err != nil {
		return nil, err
	}
	// The same audience as the count and the broadcast (area included),
	// grouped by the languages the notice lacks.
	from, args, err := s.audienceFrom(ctx, a, AudienceOf(n))
	if err != nil {
		return nil, err
	}
	if have := n.Languages(); len(have) > 0 {
		from += ` AND f.language NOT IN ?`
		args = append(args, have)
	}
	var rows []struct {
		Language string
		N        int64
	}
	if err := s.core.Conn(ctx).Raw(`SELECT f.language AS language, COUNT(*) AS n `+from+` GROUP BY f.language`, args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("count fallback audience: %w", err)
	}
	out := map[string]int64{}
	for _, r := range rows {
		out[r.Language] = r.N
	}
	return out, nil
}
