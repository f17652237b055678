package account

import (
	"context"
	"fmt"

	"github.com/plazahq/plaza/models"
)

// What the media domain (models/media, which owns the stored files) needs
// of accounts: pointing an account at its new avatar, and whether a file
// is an avatar anyone may fetch.

// PointAvatar makes the media row mediaID (publicID in URLs) the account's
// avatar and returns the id of the avatar it replaces (0: none), for the
// media domain to delete. It writes through tx, the media domain's
// transaction that has just created the row, so the row and the pointer
// to it exist together; that domain has checked the member's permission.
func (s *Service) PointAvatar(ctx context.Context, tx models.Core, a *models.Account, mediaID int64, publicID string) (int64, error) {
	// Copy the old id's value: Updates writes the new id through the
	// model's pointer field, so keeping the pointer would give back the
	// new avatar instead of the old one.
	var old int64
	if a.AvatarMediaID != nil {
		old = *a.AvatarMediaID
	}
	if err := tx.Conn(ctx).Model(a).Updates(map[string]any{"avatar_media_id": mediaID, "avatar_public_id": publicID, "updated_at": tx.Now()}).Error; err != nil {
		return 0, fmt.Errorf("set avatar: %w", err)
	}
	a.AvatarMediaID, a.AvatarPublicID = &mediaID, &publicID
	return old, nil
}

// AvatarInUse reports whether the media row mediaID is an account's
// avatar, which anyone may fetch.
func (s *Service) AvatarInUse(ctx context.Context, mediaID int64) (bool, error) {
	var n int64
	if err := s.core.Conn(ctx).Model(&models.Account{}).Where("avatar_media_id = ?", mediaID).Count(&n).Error; err != nil {
		return false, fmt.Errorf("avatar in use: %w", err)
	}
	return n > 0, nil
}

// AccountByID loads an account.
func (s *Service) AccountByID(ctx context.Context, id int64) (*models.Account, error) {
	var a models.Account
	if err := s.core.Conn(ctx).First(&a, id).Error; err != nil {
		return nil, models.NotFound(err, "account")
	}
	return &a, nil
}

// AccountsByID loads the accounts of ids (repeats allowed) in one query,
// by id; an id with no account is missing from the map.
func (s *Service) AccountsByID(ctx context.Context, ids []int64) (map[int64]*models.Account, error) {
	out := make(map[int64]*models.Account, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var as []models.Account
	if err := s.core.Conn(ctx).Where("id IN ?", ids).Find(&as).Error; err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	for i := range as {
		out[as[i].ID] = &as[i]
	}
	return out, nil
}
