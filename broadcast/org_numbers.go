package broadcast

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/plazahq/plaza/models"
)

// LastBroadcast is the organization's most recent broadcast on any of
// accounts, with its notice and counters (no per-channel counts: the home
// shows the totals the workers keep on the row), or nil when there is
// none. It reads one row through the (account_id, id) index.
func (s *Service) LastBroadcast(ctx context.Context, m *models.Member, accounts []models.Account) (*Progress, *models.Notice, error) {
	ids, err := models.OrgAccountIDs(m, models.PermView, accounts)
	if err != nil || len(ids) == 0 {
		return nil, nil, err
	}
	var b models.Broadcast
	err = s.conn(ctx).Where("account_id IN ?", ids).Order("id DESC").Limit(1).Take(&b).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("last broadcast: %w", err)
	}
	var n models.Notice
	if err := s.conn(ctx).First(&n, b.NoticeID).Error; err != nil {
		return nil, nil, notFound(err, "notice of the last broadcast")
	}
	return progressOf(&b, s.store.Now()), &n, nil
}
