package models

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	_ "image/gif" // decoders for the avatar formats we accept
	_ "image/jpeg"
	_ "image/png"
	"net/http"
	"regexp"
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
	ID int64
	// PublicID names the file in its URL, /media/{PublicID}: random, so
	// one URL tells nothing about another. It grants nothing by itself:
	// who may fetch the file is decided when it is asked for.
	PublicID       string
	OrganizationID int64
	ContentType    string
	Size           int64
	Sha256         string
	Data           []byte
	CreatedAt      time.Time
	// Access says who may fetch the file; worked out by MediaFor.
	Access MediaAccess `gorm:"->;-:migration"`
}

// MediaAccess is who may fetch a stored file, which follows from what the
// file is used for.
type MediaAccess string

// Who may fetch a stored file.
const (
	// MediaAvatar is an account's avatar: anyone, for as long as it is
	// the avatar (a new one is a new file).
	MediaAvatar MediaAccess = "avatar"
	// MediaPublicProject is a file of a project shown on the public site:
	// anyone, until staff take the project off the site.
	MediaPublicProject MediaAccess = "project"
	// MediaMembers is any other file (a draft project's documents): only
	// members of the organization that owns it.
	MediaMembers MediaAccess = "members"
)

// newMedia makes the row that keeps data, an upload of the organization,
// under a new random public identifier.
func newMedia(orgID int64, contentType string, data []byte) *Media {
	sum := sha256.Sum256(data)
	id := make([]byte, 16)
	_, _ = rand.Read(id) // never fails (crypto/rand since Go 1.24)
	return &Media{PublicID: hex.EncodeToString(id), OrganizationID: orgID, ContentType: contentType,
		Size: int64(len(data)), Sha256: hex.EncodeToString(sum[:]), Data: data}
}

// publicIDPattern is the form of every public identifier (16 random bytes
// in hex); anything else is not looked up at all.
var publicIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

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
	if err := Require(m, PermWrite, a.OrgID()); err != nil {
		return err
	}
	ct, err := checkAvatar(data)
	if err != nil {
		return err
	}
	md := newMedia(m.Org.ID, ct, data)
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
		if err := tx.conn(ctx).Model(a).Updates(map[string]any{"avatar_media_id": md.ID, "avatar_public_id": md.PublicID, "updated_at": s.Now()}).Error; err != nil {
			return fmt.Errorf("set avatar: %w", err)
		}
		if old != 0 {
			if err := tx.conn(ctx).Delete(&Media{}, old).Error; err != nil {
				return fmt.Errorf("delete old avatar: %w", err)
			}
		}
		a.AvatarMediaID, a.AvatarPublicID = &md.ID, &md.PublicID
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "account.avatar", "@"+a.Handle, "")
	})
}

// mediaAccessSQL works out a media row's MediaAccess from what uses it:
// an account's avatar, a file of a public project, or neither.
const mediaAccessSQL = `CASE
	WHEN EXISTS (SELECT 1 FROM accounts a WHERE a.avatar_media_id = m.id) THEN 'avatar'
	WHEN EXISTS (SELECT 1 FROM project_files f JOIN projects p ON p.id = f.project_id WHERE f.media_id = m.id AND p.public) THEN 'project'
	ELSE 'members' END`

// MediaFor loads the file named publicID for u to fetch (u nil: nobody is
// signed in). Anyone may fetch an avatar or a file of a project shown on
// the public site; any other file only a member of the organization that
// owns it, in any role. Everyone else gets ErrNotFound, as for a file that
// does not exist, so a URL does not even tell that there is a file.
func (s *Store) MediaFor(ctx context.Context, publicID string, u *User) (*Media, error) {
	if !publicIDPattern.MatchString(publicID) {
		return nil, fmt.Errorf("media: %w", ErrNotFound)
	}
	var md Media
	err := s.conn(ctx).Table("media m").Select("m.*, "+mediaAccessSQL+" AS access").Where("m.public_id = ?", publicID).Take(&md).Error
	if err != nil {
		return nil, notFound(err, "media")
	}
	if md.Access == MediaMembers {
		if u == nil {
			return nil, fmt.Errorf("media: %w", ErrNotFound)
		}
		// MemberOf answers ErrNotFound to anyone outside the organization.
		if _, err := s.MemberOf(ctx, u, md.OrganizationID); err != nil {
			return nil, err
		}
	}
	return &md, nil
}
