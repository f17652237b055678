package broadcast

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/plazahq/plaza/models"
)

// SeedSent makes broadcast id one that went out at a past time, for the
// demo, whose notices were published days and weeks ago: its deliveries
// are written (as the materialize job would, targets resolving an area)
// at at, each one not held for a digest is recorded as sent a minute
// later, and the broadcast is done. Held deliveries stay held, as the
// digest would take them. A broadcast no longer pending is left alone, so
// the materialize job queued with it does nothing when it runs.
func (s *Service) SeedSent(ctx context.Context, id int64, at time.Time, targets Targets) error {
	at = at.UTC()
	l := &ledger{db: s.store.DB(), dialect: s.store.Dialect(), targets: targets}
	var b models.Broadcast
	if err := l.conn(ctx).First(&b, id).Error; err != nil {
		return fmt.Errorf("broadcast %d: %w", id, err)
	}
	if b.Status != models.BroadcastPending {
		return nil
	}
	if _, err := l.materialize(ctx, id, func() time.Time { return at }); err != nil {
		return fmt.Errorf("seed broadcast %d: %w", id, err)
	}
	sent := at.Add(time.Minute)
	return l.conn(ctx).Transaction(func(tx *gorm.DB) error {
		// A recorded outcome's time is next_at (recordRows).
		res := tx.Exec(`UPDATE deliveries SET status = 'sent', attempts = 1, next_at = ?
			WHERE broadcast_id = ? AND status = 'queued'`, sent, id)
		if res.Error != nil {
			return fmt.Errorf("seed deliveries of broadcast %d: %w", id, res.Error)
		}
		err := tx.Exec(`UPDATE broadcasts SET sent = sent + ?, status = ?, finished_at = ?, created_at = ?, materialized_at = ?
			WHERE id = ?`, res.RowsAffected, models.BroadcastDone, sent, at, at, id).Error
		if err != nil {
			return fmt.Errorf("seed broadcast %d: %w", id, err)
		}
		return nil
	})
}
