package follower

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/plazahq/plaza/models"
)

// ClaimDigest moves a follower's digest_sent_at from prev (what the caller
// read; nil for never) to now, and reports whether it did. Only one of
// several instances or jobs that read the same prev wins, so a digest is
// sent once.
func ClaimDigest(ctx context.Context, db *gorm.DB, followerID int64, prev *time.Time, now time.Time) (bool, error) {
	res := db.WithContext(ctx).Exec(`UPDATE followers SET digest_sent_at = ? WHERE id = ? AND digest_sent_at IS NOT DISTINCT FROM ?`,
		now, followerID, prev)
	if res.Error != nil {
		return false, fmt.Errorf("claim digest of follower %d: %w", followerID, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ReleaseDigest gives back a claim whose digest could not be sent, so the
// held notices stay due and the next attempt finds them.
func ReleaseDigest(ctx context.Context, db *gorm.DB, followerID int64, prev *time.Time) error {
	if err := db.WithContext(ctx).Exec(`UPDATE followers SET digest_sent_at = ? WHERE id = ?`, prev, followerID).Error; err != nil {
		return fmt.Errorf("release digest of follower %d: %w", followerID, err)
	}
	return nil
}

// SetDigest sets how an e-mail follower takes ordinary notices. The first
// digest goes out one period after the choice.
func (s *Service) SetDigest(ctx context.Context, followerID int64, digest string) error {
	if digest != models.DigestImmediate && digest != models.DigestDaily && digest != models.DigestWeekly {
		return models.FieldError("digest", "err.choose_one")
	}
	res := s.core.Conn(ctx).Exec(`UPDATE followers SET digest = ?, digest_sent_at = COALESCE(digest_sent_at, ?), updated_at = ?
		WHERE id = ? AND channel = 'email'`, digest, s.core.Now(), s.core.Now(), followerID)
	if res.Error != nil {
		return fmt.Errorf("set digest: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return models.FieldError("digest", "followers.err_digest_email_only")
	}
	return nil
}
