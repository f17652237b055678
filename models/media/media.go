package media

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

	"github.com/plazahq/plaza/models"
)

// MaxAvatarBytes is the largest avatar accepted.
const MaxAvatarBytes = 2 << 20

// maxAvatarSide bounds the pixel size so a small file cannot decode into a
// huge bitmap later.
const maxAvatarSide = 4096

// File is an uploaded file kept in the database, so every instance can
// serve it without a shared disk.
type File struct {
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
	// Access says who may fetch the file; worked out by ByPublicID from
	// what uses the file, so it is no column.
	Access Access `gorm:"-"`
	// Filename is the name it was uploaded under, for a download's
	// Content-Disposition; "" for an avatar.
	Filename string `gorm:"-"`
}

// TableName names the table this package owns (gorm would say "files").
func (File) TableName() string { return "media" }

// Access is who may fetch a stored file, which follows from what the
// file is used for.
type Access string

// Who may fetch a stored file.
const (
	// Avatar is an account's avatar: anyone, for as long as it is the
	// avatar (a new one is a new file).
	Avatar Access = "avatar"
	// PublicProject is a file of a project shown on the public site:
	// anyone, until staff take the project off the site.
	PublicProject Access = "project"
	// PublicNotice is a file of a notice that was published: anyone,
	// for good, since a published notice never goes back to draft and
	// its files can no longer change.
	PublicNotice Access = "notice"
	// Members is any other file (a draft project's documents): only
	// members of the organization that owns it.
	Members Access = "members"
)

// Accounts is what the service needs of the accounts' domain, whose rows
// it neither queries nor writes itself. app.NewDomains wires it.
type Accounts interface {
	// PointAvatar makes a media row the account's avatar inside tx and
	// returns the id of the one it replaces (0: none).
	PointAvatar(ctx context.Context, tx models.Core, a *models.Account, mediaID int64, publicID string) (int64, error)
	// AvatarInUse reports whether a media row is an account's avatar.
	AvatarInUse(ctx context.Context, mediaID int64) (bool, error)
}

// Projects is what the service needs of the projects' domain.
// models/project's service provides it.
type Projects interface {
	OrgProject(ctx context.Context, m *models.Member, a *models.Account, id int64) (*models.Project, error)
	// AnyProjectPublic reports whether any of the projects is shown on
	// the public site.
	AnyProjectPublic(ctx context.Context, ids []int64) (bool, error)
}

// Memberships is what the service needs to tell who belongs to an
// organization. app.NewDomains wires it.
type Memberships interface {
	MemberOf(ctx context.Context, u *models.User, orgID int64) (*models.Member, error)
}

// Others is every other domain the service reads or writes through:
// *models.Store for accounts and memberships, models/project's service
// for projects, models/notice's for notices (app.NewDomains puts them
// together).
type Others interface {
	Accounts
	Projects
	Notices
	Memberships
}

// Service is the media domain: stored files, avatars and the files of
// projects. It owns the tables media and project_files.
type Service struct {
	core   models.Core
	others Others
}

// New builds the service on core (a Store's Core), reaching accounts,
// projects and memberships through others.
func New(core models.Core, others Others) *Service {
	return &Service{core: core, others: others}
}

// newFile makes the row that keeps data, an upload of the organization,
// under a new random public identifier.
func newFile(orgID int64, contentType string, data []byte) *File {
	sum := sha256.Sum256(data)
	id := make([]byte, 16)
	_, _ = rand.Read(id) // never fails (crypto/rand since Go 1.24)
	return &File{PublicID: hex.EncodeToString(id), OrganizationID: orgID, ContentType: contentType,
		Size: int64(len(data)), Sha256: hex.EncodeToString(sum[:]), Data: data}
}

// publicIDPattern is the form of every public identifier (16 random bytes
// in hex); anything else is not looked up at all.
var publicIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// checkAvatar sniffs the bytes (never trusting the browser's declared type)
// and decodes the image header to make sure it is a real PNG, JPEG or GIF.
func checkAvatar(data []byte) (string, error) {
	if len(data) == 0 {
		return "", models.FieldError("avatar", "err.avatar_missing")
	}
	if len(data) > MaxAvatarBytes {
		return "", models.FieldError("avatar", "err.avatar_too_big")
	}
	ct := http.DetectContentType(data)
	switch ct {
	case "image/png", "image/jpeg", "image/gif":
	default:
		return "", models.FieldError("avatar", "err.avatar_type")
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return "", models.FieldError("avatar", "err.avatar_type")
	}
	if cfg.Width > maxAvatarSide || cfg.Height > maxAvatarSide || cfg.Width < 1 || cfg.Height < 1 {
		return "", models.FieldError("avatar", "err.avatar_dimensions")
	}
	return ct, nil
}

// SetAvatar stores data as the account's new avatar. Invalid data leaves
// the current avatar in place. The new row, the account's pointer to it
// (written by the accounts' domain) and the old row's deletion are one
// transaction.
func (s *Service) SetAvatar(ctx context.Context, m *models.Member, a *models.Account, data []byte) error {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return err
	}
	ct, err := checkAvatar(data)
	if err != nil {
		return err
	}
	f := newFile(m.Org.ID, ct, data)
	return s.core.Tx(ctx, func(tx models.Core) error {
		if err := tx.Conn(ctx).Create(f).Error; err != nil {
			return fmt.Errorf("store avatar: %w", err)
		}
		old, err := s.others.PointAvatar(ctx, tx, a, f.ID, f.PublicID)
		if err != nil {
			return err
		}
		if old != 0 {
			if err := tx.Conn(ctx).Delete(&File{}, old).Error; err != nil {
				return fmt.Errorf("delete old avatar: %w", err)
			}
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "account.avatar", "@"+a.Handle, "")
	})
}

// ByPublicID loads the file named publicID for u to fetch (u nil: nobody
// is signed in). Anyone may fetch an avatar or a file of a project shown
// on the public site; any other file only a member of the organization
// that owns it, in any role. Everyone else gets models.ErrNotFound, as for
// a file that does not exist, so a URL does not even tell that there is a
// file.
func (s *Service) ByPublicID(ctx context.Context, publicID string, u *models.User) (*File, error) {
	if !publicIDPattern.MatchString(publicID) {
		return nil, fmt.Errorf("media: %w", models.ErrNotFound)
	}
	var f File
	if err := s.core.Conn(ctx).Where("public_id = ?", publicID).Take(&f).Error; err != nil {
		return nil, models.NotFound(err, "media")
	}
	access, err := s.access(ctx, &f)
	if err != nil {
		return nil, err
	}
	f.Access = access
	if f.Access == Members {
		if u == nil {
			return nil, fmt.Errorf("media: %w", models.ErrNotFound)
		}
		// MemberOf answers ErrNotFound to anyone outside the organization.
		if _, err := s.others.MemberOf(ctx, u, f.OrganizationID); err != nil {
			return nil, err
		}
	}
	return &f, nil
}

// access works out who may fetch f from what uses it, in this order: an
// account's avatar, a file of a published notice, a file of a public
// project, or none of these. It also finds the name f was uploaded under.
func (s *Service) access(ctx context.Context, f *File) (Access, error) {
	avatar, err := s.others.AvatarInUse(ctx, f.ID)
	if err != nil {
		return "", err
	}
	if avatar {
		return Avatar, nil
	}
	notices, name, err := noticeLinks.using(ctx, s.core, f.ID)
	if err != nil {
		return "", err
	}
	f.Filename = name
	if len(notices) > 0 {
		public, err := s.others.AnyNoticePublic(ctx, notices)
		if err != nil {
			return "", err
		}
		if public {
			return PublicNotice, nil
		}
	}
	projects, name, err := projectLinks.using(ctx, s.core, f.ID)
	if err != nil {
		return "", err
	}
	if name != "" {
		f.Filename = name
	}
	if len(projects) > 0 {
		public, err := s.others.AnyProjectPublic(ctx, projects)
		if err != nil {
			return "", err
		}
		if public {
			return PublicProject, nil
		}
	}
	return Members, nil
}
