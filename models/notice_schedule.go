package models

import (
	"context"
	"fmt"
)

// The scheduler's side of notices: publishing scheduled ones when their
// time comes and expiring live ones past their end.

// DueScheduledNotices lists up to limit scheduled notices whose time has
// come, the longest overdue first.
func (s *Store) DueScheduledNotices(ctx context.Context, limit int) ([]int64, error) {
	var ids []int64
	if err := s.conn(ctx).Model(&Notice{}).Where("status = ? AND publish_at <= ?", NoticeScheduled, s.Now()).
		Order("publish_at").Limit(limit).Pluck("id", &ids).Error; err != nil {
		return nil, fmt.Errorf("due notices: %w", err)
	}
	return ids, nil
}

// PublishScheduled publishes notice id if it is still scheduled and its
// time has come, and reports whether it did. The notice is claimed by a
// conditional update, so however many jobs and instances try, it is
// published once; one taken back or moved later meanwhile is left alone.
func (s *Store) PublishScheduled(ctx context.Context, id int64) (bool, error) {
	done := false
	err := s.Tx(ctx, func(tx *Store) error {
		// The claim only moves the status; publish below sets the rest.
		claim := tx.conn(ctx).Model(&Notice{}).Where("id = ? AND status = ? AND publish_at <= ?", id, NoticeScheduled, tx.Now()).
			Update("status", NoticePublished)
		if claim.Error != nil {
			return fmt.Errorf("claim notice: %w", claim.Error)
		}
		if claim.RowsAffected == 0 {
			return nil
		}
		var n Notice
		if err := tx.conn(ctx).First(&n, id).Error; err != nil {
			return notFound(err, "notice")
		}
		var a Account
		if err := tx.conn(ctx).First(&a, n.AccountID).Error; err != nil {
			return notFound(err, "account")
		}
		// The system carries it out: the audit log shows who scheduled it
		// and that nobody pressed publish at its time.
		if _, err := tx.publish(ctx, &a, &n, 0); err != nil {
			return err
		}
		done = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("publish scheduled notice %d: %w", id, err)
	}
	return done, nil
}

// ExpireDue marks every live notice past its expiry time as expired, in
// one transaction, and returns how many. Nothing is sent: followers were
// told the expiry time with the notice. The UPDATE is the claim, so runs
// that overlap expire (and audit) each notice once.
func (s *Store) ExpireDue(ctx context.Context) (int, error) {
	var due []Notice
	err := s.Tx(ctx, func(tx *Store) error {
		now := tx.Now()
		var ids []int64
		if err := tx.conn(ctx).Raw(`UPDATE notices SET status = ?, updated_at = ? WHERE status IN ? AND expires_at <= ? RETURNING id`,
			NoticeExpired, now, []string{NoticePublished, NoticeUpdated}, now).Scan(&ids).Error; err != nil {
			return fmt.Errorf("expire notices: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		if err := tx.conn(ctx).Where("id IN ?", ids).Order("id").Find(&due).Error; err != nil {
			return fmt.Errorf("expired notices: %w", err)
		}
		var list []Account
		if err := tx.conn(ctx).Where("id IN (SELECT account_id FROM notices WHERE id IN ?)", ids).Find(&list).Error; err != nil {
			return fmt.Errorf("accounts of expired notices: %w", err)
		}
		accounts := map[int64]*Account{}
		for i := range list {
			accounts[list[i].ID] = &list[i]
		}
		for i := range due {
			n := &due[i]
			a := accounts[n.AccountID]
			if a == nil {
				return fmt.Errorf("account %d of notice %d: %w", n.AccountID, n.ID, ErrNotFound)
			}
			if err := tx.Audit(ctx, a.OrganizationID, 0, "notice.expire", NoticeTarget(a, n), n.Title("en")); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(due), nil
}
