package media

import (
	"context"
	"crypto/sha1" //nolint:gosec // CAP 1.2 names SHA-1 for <resource><digest>; it identifies, it does not protect.
	"encoding/hex"
	"fmt"
	"time"

	"github.com/plazahq/plaza/models"
)

// NoticeFile is an image (a diversion map) or a document (a timetable
// PDF) of a notice: a link from the notice to the media row that holds
// the bytes.
type NoticeFile struct {
	ID       int64
	NoticeID int64
	MediaID  int64
	Kind     string
	// Title is an image's text alternative (required) or a document's
	// description (optional).
	Title    string
	Filename string
	// Width and Height are an image's pixels, so pages reserve its space
	// before it loads; 0 for a document.
	Width  int
	Height int
	// Sha1 is the hex SHA-1 of the bytes, CAP's <digest>.
	Sha1      string
	CreatedAt time.Time
	// Size, ContentType and MediaPublicID (which names the file in its
	// URL) come from the media row when listed.
	Size          int64  `gorm:"->;-:migration"`
	ContentType   string `gorm:"->;-:migration"`
	MediaPublicID string `gorm:"->;-:migration"`
}

// TableName names the table this package owns.
func (NoticeFile) TableName() string { return "notice_files" }

// Label is how the file is named in lists: its title, else its name.
func (f *NoticeFile) Label() string {
	if f.Title != "" {
		return f.Title
	}
	if f.Filename != "" {
		return f.Filename
	}
	return fmt.Sprintf("#%d", f.ID)
}

// Notices is what the service needs of the notices' domain.
// models/notice's service provides it.
type Notices interface {
	OrgNotice(ctx context.Context, m *models.Member, a *models.Account, id int64) (*models.Notice, error)
	// AnyNoticePublic reports whether any of the notices is shown on the
	// public site (published, even if it has ended since).
	AnyNoticePublic(ctx context.Context, ids []int64) (bool, error)
	// LockEditable holds the notice's row inside tx and refuses unless
	// its files may still change.
	LockEditable(ctx context.Context, tx models.Core, id int64) error
}

// editableNotice loads a notice of the account whose files may change:
// a draft or a scheduled one. What was published stays as followers were
// told it, files included, as the notice's text does. The change's
// transaction asks again, holding the row (Notices.LockEditable).
func (s *Service) editableNotice(ctx context.Context, m *models.Member, a *models.Account, id int64) (*models.Notice, error) {
	n, err := s.others.OrgNotice(ctx, m, a, id)
	if err != nil {
		return nil, err
	}
	if !n.Editable() {
		return nil, models.FieldError("file", "notices.err_files_not_editable")
	}
	return n, nil
}

// AddNoticeFile stores an uploaded image or PDF with a draft or scheduled
// notice. An image needs a title, its text alternative: a reader who
// cannot see a diversion map must still learn what it shows.
func (s *Service) AddNoticeFile(ctx context.Context, m *models.Member, a *models.Account, noticeID int64, title, filename string, data []byte) (*NoticeFile, error) {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return nil, err
	}
	title, filename, err := cleanUpload(title, filename, "file_title")
	if err != nil {
		return nil, err
	}
	u, err := checkAttachment(data)
	if err != nil {
		return nil, err
	}
	if u.kind == "image" && title == "" {
		return nil, models.FieldError("file_title", "notices.err_alt_required")
	}
	n, err := s.editableNotice(ctx, m, a, noticeID)
	if err != nil {
		return nil, err
	}
	sum := sha1.Sum(data) //nolint:gosec // see the import
	var nf *NoticeFile
	err = s.core.Tx(ctx, func(tx models.Core) error {
		if err := s.others.LockEditable(ctx, tx, n.ID); err != nil {
			return err
		}
		f, err := noticeLinks.store(ctx, tx, n.ID, m.Org.ID, u, data)
		if err != nil {
			return err
		}
		nf = &NoticeFile{NoticeID: n.ID, MediaID: f.ID, Kind: u.kind, Title: title, Filename: filename,
			Width: u.width, Height: u.height, Sha1: hex.EncodeToString(sum[:]), CreatedAt: tx.Now(),
			Size: f.Size, ContentType: f.ContentType, MediaPublicID: f.PublicID}
		if err := tx.Conn(ctx).Omit("Size", "ContentType", "MediaPublicID").Create(nf).Error; err != nil {
			return fmt.Errorf("add notice file: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "notice.file_add", models.NoticeTarget(a, n), filename)
	})
	if err != nil {
		return nil, err
	}
	return nf, nil
}

// DeleteNoticeFile removes a file of a draft or scheduled notice, and its
// bytes.
func (s *Service) DeleteNoticeFile(ctx context.Context, m *models.Member, a *models.Account, noticeID, fileID int64) error {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return err
	}
	n, err := s.editableNotice(ctx, m, a, noticeID)
	if err != nil {
		return err
	}
	return s.core.Tx(ctx, func(tx models.Core) error {
		if err := s.others.LockEditable(ctx, tx, n.ID); err != nil {
			return err
		}
		name, err := noticeLinks.removeOne(ctx, tx, n.ID, fileID)
		if err != nil {
			return err
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "notice.file_delete", models.NoticeTarget(a, n), name)
	})
}

// NoticeFiles lists a notice's files, images first. Callers show them
// only where they show the notice.
func (s *Service) NoticeFiles(ctx context.Context, noticeID int64) ([]NoticeFile, error) {
	var out []NoticeFile
	if err := noticeLinks.list(ctx, s.core, []int64{noticeID}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// FilesOfNotices lists the files of many notices (a feed's) in one
// query, by notice.
func (s *Service) FilesOfNotices(ctx context.Context, ids []int64) (map[int64][]NoticeFile, error) {
	out := map[int64][]NoticeFile{}
	if len(ids) == 0 {
		return out, nil
	}
	var all []NoticeFile
	if err := noticeLinks.list(ctx, s.core, ids, &all); err != nil {
		return nil, err
	}
	for _, f := range all {
		out[f.NoticeID] = append(out[f.NoticeID], f)
	}
	return out, nil
}

// DeleteNoticeFiles removes a notice's files and their bytes inside tx,
// the transaction that deletes the notice (it implements notice.Files
// for notice.Service.DeleteNotice).
func (s *Service) DeleteNoticeFiles(ctx context.Context, tx models.Core, noticeID int64) error {
	return noticeLinks.removeAll(ctx, tx, noticeID)
}
