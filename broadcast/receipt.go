package broadcast

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/plazahq/plaza/models"
)

// RecordUndelivered applies a platform's later word that a message it
// accepted never arrived (an SMS provider's undelivered or failed
// receipt): the sent delivery deliveryID ("<broadcast>-<follower>", as
// Message.DeliveryID) of the account becomes failed with reason, and the
// broadcast counts it as failed rather than sent, so its failures page
// and "retry failed" include it. A receipt for a delivery of another
// account, an unknown one or one not (or no longer) sent changes
// nothing; it reports whether one changed. A delivered receipt needs no
// call: sent is as far as the ledger goes.
func (s *Service) RecordUndelivered(ctx context.Context, accountID int64, deliveryID, reason string) (bool, error) {
	bs, fs, ok := strings.Cut(deliveryID, "-")
	b, err1 := strconv.ParseInt(bs, 10, 64)
	f, err2 := strconv.ParseInt(fs, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return false, nil
	}
	changed := false
	err := s.store.Tx(ctx, func(tx *models.Store) error {
		db := tx.DB().WithContext(ctx)
		res := db.Exec(`UPDATE deliveries SET status = ?, reason = ? WHERE broadcast_id = ? AND follower_id = ? AND status = ?
			AND broadcast_id IN (SELECT id FROM broadcasts WHERE account_id = ?)`, DeliveryFailed, reason, b, f, DeliverySent, accountID)
		if res.Error != nil {
			return fmt.Errorf("record receipt: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return nil
		}
		changed = true
		if err := db.Exec(`UPDATE broadcasts SET sent = sent - 1, failed = failed + 1 WHERE id = ?`, b).Error; err != nil {
			return fmt.Errorf("count receipt: %w", err)
		}
		return nil
	})
	return changed && err == nil, err
}
