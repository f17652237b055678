package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"

	"github.com/plazahq/plaza/database"
)

// Delivery states in the ledger.
const (
	DeliveryQueued  = "queued"
	DeliverySending = "sending"
	DeliverySent    = "sent"
	DeliveryFailed  = "failed"
	DeliveryDead    = "dead"
	DeliveryHeld    = "held"
	DeliverySkipped = "skipped"
)

// Progress is a broadcast as staff watch it.
type Progress struct {
	Broadcast
	// Rate is messages handled per second since the first was sent.
	Rate float64
	// ETA is the estimated time left at that rate (0 when unknown).
	ETA time.Duration
}

// Done reports whether nothing is left to send.
func (p *Progress) Done() bool {
	return p.Status == BroadcastDone || p.Status == BroadcastCancelled
}

// Percent is the share of the audience handled, 0 to 100.
func (p *Progress) Percent() int {
	if p.Total == 0 {
		if p.Status == BroadcastPending {
			return 0
		}
		return 100
	}
	return int((p.Total - p.Remaining()) * 100 / p.Total)
}

// BroadcastProgress reads a broadcast's counters and derives its rate and
// time left.
func (s *Store) BroadcastProgress(ctx context.Context, m *Member, a *Account, id int64) (*Progress, *Notice, error) {
	b, n, err := s.OrgBroadcast(ctx, m, a, id)
	if err != nil {
		return nil, nil, err
	}
	p := &Progress{Broadcast: *b}
	if b.MaterializedAt != nil {
		end := s.Now()
		if b.FinishedAt != nil {
			end = *b.FinishedAt
		}
		handled := b.Sent + b.Failed + b.Dead + b.Skipped
		if secs := end.Sub(*b.MaterializedAt).Seconds(); secs > 0 && handled > 0 {
			p.Rate = float64(handled) / secs
			if rem := b.Remaining(); rem > 0 && !p.Done() {
				p.ETA = time.Duration(float64(rem) / p.Rate * float64(time.Second))
			}
		}
	}
	return p, n, nil
}

// FailureReason is how many deliveries failed for one reason.
type FailureReason struct {
	Status string
	Reason string
	Count  int64
}

// BroadcastFailureReasons groups a broadcast's failed and dead deliveries
// by reason, most frequent first.
func (s *Store) BroadcastFailureReasons(ctx context.Context, m *Member, a *Account, id int64) ([]FailureReason, error) {
	if _, _, err := s.OrgBroadcast(ctx, m, a, id); err != nil {
		return nil, err
	}
	var out []FailureReason
	err := s.conn(ctx).Raw(`SELECT status, reason, COUNT(*) AS count FROM deliveries
		WHERE broadcast_id = ? AND status IN ('failed', 'dead') GROUP BY status, reason ORDER BY count DESC, reason LIMIT 50`, id).
		Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("failure reasons: %w", err)
	}
	return out, nil
}

// FailedDelivery is one recipient a broadcast did not reach.
type FailedDelivery struct {
	FollowerID int64
	Channel    string
	Address    string
	Name       string
	Status     string
	Reason     string
	Attempts   int
}

// BroadcastFailures pages through the recipients a broadcast failed to
// reach. An erased follower shows with an empty address.
func (s *Store) BroadcastFailures(ctx context.Context, m *Member, a *Account, id int64, page Page) ([]FailedDelivery, int64, error) {
	b, _, err := s.OrgBroadcast(ctx, m, a, id)
	if err != nil {
		return nil, 0, err
	}
	total := b.Failed + b.Dead
	var out []FailedDelivery
	err = s.conn(ctx).Raw(`SELECT d.follower_id, COALESCE(f.channel, '') AS channel, COALESCE(f.address, '') AS address,
			COALESCE(f.name, '') AS name, d.status, d.reason, d.attempts
		FROM deliveries d LEFT JOIN followers f ON f.id = d.follower_id
		WHERE d.broadcast_id = ? AND d.status IN ('failed', 'dead')
		ORDER BY d.follower_id LIMIT ? OFFSET ?`, id, page.Limit(), page.Offset()).Scan(&out).Error
	if err != nil {
		return nil, 0, fmt.Errorf("failed deliveries: %w", err)
	}
	return out, total, nil
}

// RetryFailed queues a broadcast's failed and dead deliveries again, with
// a fresh count of attempts, and returns how many. Followers who stopped
// following since are not retried: their deliveries stay as they were.
func (s *Store) RetryFailed(ctx context.Context, m *Member, a *Account, id int64) (int64, error) {
	if !m.Can(PermPublish) {
		return 0, ErrForbidden
	}
	b, _, err := s.OrgBroadcast(ctx, m, a, id)
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.Tx(ctx, func(tx *Store) error {
		if err := tx.lockBroadcast(ctx, b); err != nil {
			return err
		}
		if b.Status == BroadcastCancelled {
			return FieldError("broadcast", "broadcasts.err_cancelled")
		}
		var counts []struct {
			Status string
			Count  int64
		}
		active := `follower_id IN (SELECT id FROM followers WHERE account_id = ? AND status = 'active')`
		if err := tx.conn(ctx).Raw(`SELECT status, COUNT(*) AS count FROM deliveries
			WHERE broadcast_id = ? AND status IN ('failed', 'dead') AND `+active+` GROUP BY status`, b.ID, b.AccountID).
			Scan(&counts).Error; err != nil {
			return fmt.Errorf("count failed deliveries: %w", err)
		}
		var failed, dead int64
		for _, c := range counts {
			if c.Status == DeliveryFailed {
				failed = c.Count
			} else {
				dead = c.Count
			}
		}
		n = failed + dead
		if n == 0 {
			return nil
		}
		now := tx.Now()
		if err := tx.conn(ctx).Exec(`UPDATE deliveries SET status = 'queued', attempts = 0, next_at = ?, reason = ''
			WHERE broadcast_id = ? AND status IN ('failed', 'dead') AND `+active, now, b.ID, b.AccountID).Error; err != nil {
			return fmt.Errorf("requeue failed deliveries: %w", err)
		}
		if err := tx.conn(ctx).Exec(`UPDATE broadcasts SET failed = failed - ?, dead = dead - ?, status = ?, finished_at = NULL
			WHERE id = ?`, failed, dead, BroadcastSending, b.ID).Error; err != nil {
			return fmt.Errorf("reopen broadcast: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "broadcast.retry", fmt.Sprintf("@%s broadcast %d", a.Handle, b.ID),
			fmt.Sprintf("%d deliveries", n))
	})
	return n, err
}

// CancelBroadcast stops a broadcast: deliveries not yet claimed by a
// worker are skipped; a batch already being sent finishes. It returns how
// many deliveries were skipped.
func (s *Store) CancelBroadcast(ctx context.Context, m *Member, a *Account, id int64) (int64, error) {
	if !m.Can(PermPublish) {
		return 0, ErrForbidden
	}
	b, _, err := s.OrgBroadcast(ctx, m, a, id)
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.Tx(ctx, func(tx *Store) error {
		if err := tx.lockBroadcast(ctx, b); err != nil {
			return err
		}
		if b.Status == BroadcastDone || b.Status == BroadcastCancelled {
			return FieldError("broadcast", "broadcasts.err_finished")
		}
		now := tx.Now()
		res := tx.conn(ctx).Exec(`UPDATE deliveries SET status = 'skipped', reason = 'broadcast cancelled'
			WHERE broadcast_id = ? AND status IN ('queued', 'held')`, b.ID)
		if res.Error != nil {
			return fmt.Errorf("skip queued deliveries: %w", res.Error)
		}
		n = res.RowsAffected
		// Deliveries held for a digest are skipped too: a cancelled
		// broadcast must not surface in tomorrow's digest.
		if err := tx.conn(ctx).Exec(`UPDATE broadcasts SET status = ?, finished_at = ?, skipped = skipped + ?, held = 0
			WHERE id = ?`, BroadcastCancelled, now, n, b.ID).Error; err != nil {
			return fmt.Errorf("cancel broadcast: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "broadcast.cancel", fmt.Sprintf("@%s broadcast %d", a.Handle, b.ID),
			fmt.Sprintf("%d deliveries skipped", n))
	})
	return n, err
}

func (s *Store) lockBroadcast(ctx context.Context, b *Broadcast) error {
	q := s.conn(ctx)
	if s.dialect == database.Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.First(b, b.ID).Error; err != nil {
		return notFound(err, "broadcast")
	}
	return nil
}

// Digest choices for e-mail followers.
const (
	DigestImmediate = "immediate"
	DigestDaily     = "daily"
	DigestWeekly    = "weekly"
)

// SetDigest sets how an e-mail follower takes ordinary notices. The first
// digest goes out one period after the choice.
func (s *Store) SetDigest(ctx context.Context, followerID int64, digest string) error {
	if digest != DigestImmediate && digest != DigestDaily && digest != DigestWeekly {
		return FieldError("digest", "err.choose_one")
	}
	res := s.conn(ctx).Exec(`UPDATE followers SET digest = ?, digest_sent_at = COALESCE(digest_sent_at, ?), updated_at = ?
		WHERE id = ? AND channel = 'email'`, digest, s.Now(), s.Now(), followerID)
	if res.Error != nil {
		return fmt.Errorf("set digest: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return FieldError("digest", "followers.err_digest_email_only")
	}
	return nil
}
