package broadcast

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/plazahq/plaza/models"
)

// DigestSender sends one e-mail that gathers several notices; the e-mail
// channel implements it.
type DigestSender interface {
	SendDigest(ctx context.Context, to Recipient, period string, items []*Content) Result
}

type digestFollower struct {
	ID           int64
	AccountID    int64
	Address      string
	Name         string
	Language     string
	Digest       string
	DigestSentAt *time.Time
}

// SendDigests sends the digests that are due and returns how many went
// out. A follower's digest is claimed by moving their digest_sent_at with
// a conditional update, so two instances never send the same one; if the
// send fails the claim is given back and the notices stay held.
func (e *Engine) SendDigests(ctx context.Context, sender DigestSender) (int, error) {
	if sender == nil {
		return 0, nil
	}
	now := e.opts.Now()
	dayAgo, weekAgo := now.Add(-24*time.Hour), now.Add(-7*24*time.Hour)
	var due []digestFollower
	err := e.store.DB().WithContext(ctx).Raw(`SELECT f.id, f.account_id, f.address, f.name, f.language, f.digest, f.digest_sent_at
		FROM followers f
		WHERE f.id IN (SELECT DISTINCT follower_id FROM deliveries WHERE status = 'held')
		AND f.channel = 'email' AND f.status = 'active'
		AND (f.digest_sent_at IS NULL OR (f.digest = 'daily' AND f.digest_sent_at <= ?) OR (f.digest = 'weekly' AND f.digest_sent_at <= ?)
			OR f.digest = 'immediate')
		ORDER BY f.id LIMIT 200`, dayAgo, weekAgo).Scan(&due).Error
	if err != nil {
		return 0, fmt.Errorf("due digests: %w", err)
	}
	sent := 0
	for _, f := range due {
		ok, err := e.digest(ctx, sender, f, now)
		if err != nil {
			return sent, fmt.Errorf("digest for follower %d: %w", f.ID, err)
		}
		if ok {
			sent++
		}
	}
	return sent, nil
}

func (e *Engine) digest(ctx context.Context, sender DigestSender, f digestFollower, now time.Time) (bool, error) {
	db := e.store.DB().WithContext(ctx)
	claim := db.Exec(`UPDATE followers SET digest_sent_at = ? WHERE id = ? AND digest_sent_at IS NOT DISTINCT FROM ?`,
		now, f.ID, f.DigestSentAt)
	if claim.Error != nil {
		return false, claim.Error
	}
	if claim.RowsAffected == 0 {
		return false, nil
	}
	var held []int64
	if err := db.Raw(`SELECT broadcast_id FROM deliveries WHERE follower_id = ? AND status = 'held' ORDER BY broadcast_id`, f.ID).
		Scan(&held).Error; err != nil {
		return false, err
	}
	var items []*Content
	for _, b := range held {
		c, err := e.render.content(ctx, b, f.Language)
		if err != nil {
			return false, err
		}
		items = append(items, c)
	}
	if len(items) == 0 {
		return false, nil
	}
	period := f.Digest
	if period == models.DigestImmediate {
		// They switched back to immediate delivery: what was held goes
		// out now, gathered in one message.
		period = models.DigestDaily
	}
	res := sender.SendDigest(ctx, Recipient{FollowerID: f.ID, Channel: models.ChannelEmail, Address: f.Address,
		Name: f.Name, Language: f.Language}, period, items)
	if res.Outcome == Retry {
		err := db.Exec(`UPDATE followers SET digest_sent_at = ? WHERE id = ?`, f.DigestSentAt, f.ID).Error
		return false, err
	}
	status, reason := DeliverySent, ""
	if res.Outcome == Failed {
		status, reason = DeliveryFailed, reasonOr(res.Reason, "failed")
	}
	err := db.Transaction(func(tx *gorm.DB) error {
		for _, b := range held {
			res := tx.Exec(`UPDATE deliveries SET status = ?, reason = ?, sent_at = ?, attempts = attempts + 1
				WHERE broadcast_id = ? AND follower_id = ? AND status = 'held'`, status, reason, now, b, f.ID)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				continue
			}
			col := "sent"
			if status == DeliveryFailed {
				col = "failed"
			}
			if err := tx.Exec(`UPDATE broadcasts SET held = held - 1, `+col+` = `+col+` + 1 WHERE id = ?`, b).Error; err != nil {
				return err
			}
		}
		if res.Bounce || res.Unsubscribe {
			end := models.StatusBounced
			if res.Unsubscribe {
				end = models.StatusUnsubscribed
			}
			return models.EndFollows(ctx, tx, f.AccountID, []int64{f.ID}, end, now)
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("record digest: %w", err)
	}
	return res.Outcome == Sent, nil
}
