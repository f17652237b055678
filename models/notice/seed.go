package notice

import (
	"context"
	"fmt"
	"time"

	"github.com/plazahq/plaza/models"
)

// History is when a seeded notice's life happened: written and published
// at Published, last changed at Changed (its update; Published when it
// had none) and, when Expired is set, over at that time.
type History struct {
	Published, Changed time.Time
	Expired            *time.Time
}

// SeedHistory moves a published notice's times into the past, for the
// demo, whose notices were published days and weeks ago (their
// broadcasts follow through the broadcasts' domain). A notice with an
// Expired time is expired as ExpireDue would have done then.
func (s *Service) SeedHistory(ctx context.Context, id int64, h History) error {
	updates := map[string]any{"created_at": h.Published.UTC(), "published_at": h.Published.UTC(), "updated_at": h.Changed.UTC()}
	if h.Expired != nil {
		updates["status"], updates["expires_at"], updates["updated_at"] = models.NoticeExpired, h.Expired.UTC(), h.Expired.UTC()
	}
	res := s.core.Conn(ctx).Model(&models.Notice{}).
		Where("id = ? AND status IN ?", id, []string{models.NoticePublished, models.NoticeUpdated}).Updates(updates)
	if res.Error != nil {
		return fmt.Errorf("seed history of notice %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("seed history of notice %d: %w", id, models.ErrNotFound)
	}
	return nil
}
