package models

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	_ "image/gif" // decoders for the avatar formats we accept
	_ "image/jpeg"
	_ "image/png"
	"net/http"
	"time"
)

// MaxAvatarBytes is the largest avatar accepted.
const MaxAvatarBytes = 2 << 20

// maxAvatarSide bounds the pixel size so a small file cannot decode into a
// huge bitmap later.
const maxAvatarSide = 4096

// Media is an uploaded file kept in the database, so every instance can
// serve it without a shared disk.
type Media struct {
	ID             int64
	OrganizationID int64
	ContentType    string
	Size           int64
	Sha256         string
	Data           []byte
	CreatedAt      time.Time
}

// checkAvatar sniffs the bytes (never trusting the browser's declared type)
// and decodes the image header to make sure it is a real PNG, JPEG or GIF.
func checkAvatar(data []byte) (string, error) {
	if len(data) == 0 {
		return "", FieldError("avatar", "err.avatar_missing")
	}
	if len(data) > MaxAvatarBytes {
		return "", FieldError("avatar", "err.avatar_too_big")
	}
	ct := http.DetectContentType(data)
	switch ct {
	case "image/png", "image/jpeg", "image/gif":
	default:
		return "", FieldError("avatar", "err.avatar_type")
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return "", FieldError("avatar", "err.avatar_type")
	}
	if cfg.Width > maxAvatarSide || cfg.Height > maxAvatarSide || cfg.Width < 1 || cfg.Height < 1 {
		return "", FieldError("avatar", "err.avatar_dimensions")
	}
	return ct, nil
}

// SetAvatar stores data as the account's new avatar. Invalid data leaves
// the current avatar in place.
func (s *Store) SetAvatar(ctx context.Context, m *Member, a *Account, data []byte) error {
	if !m.Can(PermWrite) || a.OrganizationID != m.Org.ID {
		return ErrForbidden
	}
	ct, err := checkAvatar(data)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	md := &Media{OrganizationID: m.Org.ID, ContentType: ct, Size: int64(len(data)), Sha256: hex.EncodeToString(sum[:]), Data: data}
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.conn(ctx).Create(md).Error; err != nil {
			return fmt.Errorf("store avatar: %w", err)
		}
		// Copy the old id's value: Updates writes the new id through the
		// model's pointer field, so keeping the pointer would delete the
		// new avatar instead of the old one.
		var old int64
		if a.AvatarMediaID != nil {
			old = *a.AvatarMediaID
		}
		if err := tx.conn(ctx).Model(a).Updates(map[string]any{"avatar_media_id": md.ID, "updated_at": s.Now()}).Error; err != nil {
			return fmt.Errorf("set avatar: %w", err)
		}
		if old != 0 {
			if err := tx.conn(ctx).Delete(&Media{}, old).Error; err != nil {
				return fmt.Errorf("delete old avatar: %w", err)
			}
		}
		a.AvatarMediaID = &md.ID
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "account.avatar", "@"+a.Handle, "")
	})
}

// MediaByID loads a stored file for serving.
func (s *Store) MediaByID(ctx context.Context, id int64) (*Media, error) {
	var md Media
	if err := s.conn(ctx).First(&md, id).Error; err != nil {
		return nil, notFound(err, "media")
	}
	return &md, nil
}
