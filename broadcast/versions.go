package broadcast

import (
	"context"
	"time"

	"github.com/plazahq/plaza/models"
)

// Version is a notice as one of its broadcasts told its followers.
type Version struct {
	// Kind is the broadcast's: models.KindPublish, KindUpdate, KindCancel
	// or KindAllClear.
	Kind string
	// At is when the broadcast started.
	At     time.Time
	Notice *models.Notice
}

// Versions are what a notice's followers were told, oldest first: its
// public history, from the snapshots frozen when each broadcast started.
// A snapshot this Plaza cannot read (written by a newer one) is left out:
// the history is the page's footnote, and the notice itself still shows.
func (s *Service) Versions(ctx context.Context, noticeID int64) ([]Version, error) {
	bs, err := s.ForNotice(ctx, noticeID)
	if err != nil {
		return nil, err
	}
	out := make([]Version, 0, len(bs))
	for i := len(bs) - 1; i >= 0; i-- {
		snap, err := ParseSnapshot(bs[i].Snapshot)
		if err != nil {
			continue
		}
		out = append(out, Version{Kind: bs[i].Kind, At: bs[i].CreatedAt, Notice: snap.Notice()})
	}
	return out, nil
}
