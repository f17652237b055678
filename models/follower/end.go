package follower

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/plazahq/plaza/models"
)

// EndFollows ends the follows of followers whose channel reported them
// gone (they blocked the account, the address bounces, the endpoint
// answered 410), inside the caller's transaction tx, and records the
// unfollows for the growth chart. It is the only way a delivery outcome
// changes a follower: the broadcast engine and the digests call it with the
// transaction that records the outcome, so the two commit together.
// Followers no longer active or pending are left as they are.
func EndFollows(ctx context.Context, tx *gorm.DB, accountID int64, ids []int64, status string, now time.Time) error {
	if status != models.StatusUnsubscribed && status != models.StatusBounced {
		return fmt.Errorf("end follows: bad status %q", status)
	}
	if len(ids) == 0 {
		return nil
	}
	db := tx.WithContext(ctx)
	if err := db.Exec(`INSERT INTO follow_events (account_id, follower_id, code_id, channel, kind, created_at)
		SELECT account_id, id, code_id, channel, 'unfollow', ? FROM followers WHERE id IN ? AND account_id = ? AND status = 'active'`,
		now, ids, accountID).Error; err != nil {
		return fmt.Errorf("record unfollows: %w", err)
	}
	set := "status = ?, updated_at = ?"
	args := []any{status, now}
	if status == models.StatusUnsubscribed {
		set += ", unsubscribed_at = ?"
		args = append(args, now)
	}
	args = append(args, ids, accountID)
	if err := db.Exec(`UPDATE followers SET `+set+` WHERE id IN ? AND account_id = ? AND status IN ('active', 'pending')`,
		args...).Error; err != nil {
		return fmt.Errorf("end follows: %w", err)
	}
	return nil
}
