package notice

import (
	"context"
	"fmt"

	"github.com/plazahq/plaza/models"
)

// The scheduler's side of notices: publishing scheduled ones when their
// time comes and expiring live ones past their end.

// DueScheduledNotices lists up to limit scheduled notices whose time has
// come, the longest overdue first.
func (s *Service) DueScheduledNotices(ctx context.Context, limit int) ([]int64, error) {
	var ids []int64
	if err := s.core.Conn(ctx).Model(&models.Notice{}).Where("status = ? AND publish_at <= ?", models.NoticeScheduled, s.core.Now()).
		Order("publish_at").Limit(limit).Pluck("id", &ids).Error; err != nil {
		return nil, fmt.Errorf("due notices: %w", err)
	}
	return ids, nil
}

// PublishScheduled publishes notice id if it is still scheduled and its
// time has come, and reports whether it did. The notice is claimed by a
// conditional update, so however many jobs and instances try, it is
// published once; one taken back or moved later meanwhile is left alone.
func (s *Service) PublishScheduled(ctx context.Context, id int64) (bool, error) {
	done := false
	err := s.core.Tx(ctx, func(tx models.Core) error {
		// The claim only moves the status; publish below sets the rest.
		claim := tx.Conn(ctx).Model(&models.Notice{}).Where("id = ? AND status = ? AND publish_at <= ?", id, models.NoticeScheduled, tx.Now()).
			Update("status", models.NoticePublished)
		if claim.Error != nil {
			return fmt.Errorf("claim notice: %w", claim.Error)
		}
		if claim.RowsAffected == 0 {
			return nil
		}
		var n models.Notice
		if err := tx.Conn(ctx).First(&n, id).Error; err != nil {
			return models.NotFound(err, "notice")
		}
		// A read of the accounts' domain outside the transaction, which
		// only writes notices (and, through the broadcaster, its
		// broadcast): the account outlives its notices.
		a, err := s.accounts.AccountByID(ctx, n.AccountID)
		if err != nil {
			return err
		}
		// The system carries it out: the audit log shows who scheduled it
		// and that nobody pressed publish at its time.
		if _, err := s.with(tx).publish(ctx, a, &n, 0); err != nil {
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
func (s *Service) ExpireDue(ctx context.Context) (int, error) {
	var due []models.Notice
	err := s.core.Tx(ctx, func(tx models.Core) error {
		now := tx.Now()
		var ids []int64
		if err := tx.Conn(ctx).Raw(`UPDATE notices SET status = ?, updated_at = ? WHERE status IN ? AND expires_at <= ? RETURNING id`,
			models.NoticeExpired, now, []string{models.NoticePublished, models.NoticeUpdated}, now).Scan(&ids).Error; err != nil {
			return fmt.Errorf("expire notices: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		if err := tx.Conn(ctx).Where("id IN ?", ids).Order("id").Find(&due).Error; err != nil {
			return fmt.Errorf("expired notices: %w", err)
		}
		// The audit entries name each notice's account, read from the
		// accounts' domain (once per account: a run expires few).
		accounts := map[int64]*models.Account{}
		for i := range due {
			n := &due[i]
			a := accounts[n.AccountID]
			if a == nil {
				var err error
				if a, err = s.accounts.AccountByID(ctx, n.AccountID); err != nil {
					return fmt.Errorf("account %d of notice %d: %w", n.AccountID, n.ID, err)
				}
				accounts[n.AccountID] = a
			}
			if err := tx.Audit(ctx, a.OrganizationID, 0, "notice.expire", models.NoticeTarget(a, n), n.Title("en")); err != nil {
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
