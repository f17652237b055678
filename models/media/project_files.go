package media

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/plazahq/plaza/models"
)

// Upload limits of a project's files.
const (
	MaxProjectImageBytes = 5 << 20
	MaxProjectDocBytes   = 10 << 20
	maxProjectImageSide  = 8000
	maxProjectFiles      = 20
	// maxFileTitle is a project title's limit: a file's title is shown
	// where a project's would be.
	maxFileTitle = 200
)

// ProjectFile is an image or a document (PDF) of a project: a link from
// the project to the media row that holds the bytes.
type ProjectFile struct {
	ID        int64
	ProjectID int64
	MediaID   int64
	Kind      string
	Title     string
	Filename  string
	CreatedAt time.Time
	// Size and MediaPublicID (which names the file in its URL) come from
	// the media row when listed.
	Size          int64  `gorm:"->;-:migration"`
	MediaPublicID string `gorm:"->;-:migration"`
}

// TableName names the table this package owns.
func (ProjectFile) TableName() string { return "project_files" }

// checkProjectFile sniffs the bytes (the browser's declared type is not
// trusted) and returns the kind and content type, or why it is refused.
func checkProjectFile(data []byte) (kind, ct string, err error) {
	if len(data) == 0 {
		return "", "", models.FieldError("file", "projects.err_file_missing")
	}
	ct = http.DetectContentType(data)
	switch ct {
	case "image/png", "image/jpeg", "image/gif":
		if len(data) > MaxProjectImageBytes {
			return "", "", models.FieldError("file", "projects.err_image_too_big")
		}
		cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil || cfg.Width < 1 || cfg.Height < 1 {
			return "", "", models.FieldError("file", "projects.err_file_type")
		}
		if cfg.Width > maxProjectImageSide || cfg.Height > maxProjectImageSide {
			return "", "", models.FieldError("file", "err.avatar_dimensions")
		}
		return "image", ct, nil
	case "application/pdf":
		if len(data) > MaxProjectDocBytes {
			return "", "", models.FieldError("file", "projects.err_doc_too_big")
		}
		return "document", ct, nil
	}
	return "", "", models.FieldError("file", "projects.err_file_type")
}

// projectTarget names a project in the audit log the way package models
// does for the project's other changes, so its entries read alike.
func projectTarget(a *models.Account, p *models.Project) string {
	return fmt.Sprintf("@%s project %d", a.Handle, p.ID)
}

// AddProjectFile stores an uploaded image or PDF with the project.
func (s *Service) AddProjectFile(ctx context.Context, m *models.Member, a *models.Account, projectID int64, title, filename string, data []byte) (*ProjectFile, error) {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return nil, err
	}
	title = models.CleanText(title)
	filename = models.CleanText(path.Base(strings.ReplaceAll(filename, `\`, "/")))
	if filename == "." || filename == "/" {
		filename = ""
	}
	if len([]rune(title)) > maxFileTitle {
		return nil, models.FieldError("title", "err.too_long")
	}
	if r := []rune(filename); len(r) > 200 {
		filename = string(r[:200])
	}
	kind, ct, err := checkProjectFile(data)
	if err != nil {
		return nil, err
	}
	// The project is the projects' domain's to load; the foreign key on
	// project_files refuses a file for a project deleted meanwhile.
	p, err := s.others.OrgProject(ctx, m, a, projectID)
	if err != nil {
		return nil, err
	}
	var pf *ProjectFile
	err = s.core.Tx(ctx, func(tx models.Core) error {
		var n int64
		if err := tx.Conn(ctx).Model(&ProjectFile{}).Where("project_id = ?", p.ID).Count(&n).Error; err != nil {
			return fmt.Errorf("count project files: %w", err)
		}
		if n >= maxProjectFiles {
			return models.FieldError("file", "projects.err_too_many_files")
		}
		f := newFile(m.Org.ID, ct, data)
		if err := tx.Conn(ctx).Create(f).Error; err != nil {
			return fmt.Errorf("store project file: %w", err)
		}
		pf = &ProjectFile{ProjectID: p.ID, MediaID: f.ID, Kind: kind, Title: title, Filename: filename, CreatedAt: tx.Now(), Size: f.Size, MediaPublicID: f.PublicID}
		if err := tx.Conn(ctx).Omit("Size", "MediaPublicID").Create(pf).Error; err != nil {
			return fmt.Errorf("add project file: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "project.file_add", projectTarget(a, p), filename)
	})
	if err != nil {
		return nil, err
	}
	return pf, nil
}

// DeleteProjectFile removes a file and its bytes.
func (s *Service) DeleteProjectFile(ctx context.Context, m *models.Member, a *models.Account, projectID, fileID int64) error {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return err
	}
	p, err := s.others.OrgProject(ctx, m, a, projectID)
	if err != nil {
		return err
	}
	return s.core.Tx(ctx, func(tx models.Core) error {
		var f ProjectFile
		if err := tx.Conn(ctx).Where("id = ? AND project_id = ?", fileID, p.ID).First(&f).Error; err != nil {
			return models.NotFound(err, "project file")
		}
		if err := tx.Conn(ctx).Delete(&f).Error; err != nil {
			return fmt.Errorf("delete project file: %w", err)
		}
		if err := tx.Conn(ctx).Delete(&File{}, f.MediaID).Error; err != nil {
			return fmt.Errorf("delete project media: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "project.file_delete", projectTarget(a, p), f.Filename)
	})
}

// ProjectFiles lists a project's files, images first.
func (s *Service) ProjectFiles(ctx context.Context, projectID int64) ([]ProjectFile, error) {
	var out []ProjectFile
	err := s.core.Conn(ctx).Table("project_files f").Joins("JOIN media m ON m.id = f.media_id").
		Select("f.*, m.size, m.public_id AS media_public_id").Where("f.project_id = ?", projectID).Order("f.kind DESC, f.id").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("project files: %w", err)
	}
	return out, nil
}

// DeleteProjectFiles removes a project's files and their bytes inside tx,
// the transaction that deletes the project (it implements
// project.Files for project.Service.DeleteProject). The project's rows are
// not touched here.
func (s *Service) DeleteProjectFiles(ctx context.Context, tx models.Core, projectID int64) error {
	var ids []int64
	if err := tx.Conn(ctx).Model(&ProjectFile{}).Where("project_id = ?", projectID).Pluck("media_id", &ids).Error; err != nil {
		return fmt.Errorf("list project files: %w", err)
	}
	if len(ids) == 0 {
		return nil
	}
	if err := tx.Conn(ctx).Where("project_id = ?", projectID).Delete(&ProjectFile{}).Error; err != nil {
		return fmt.Errorf("delete project files: %w", err)
	}
	if err := tx.Conn(ctx).Where("id IN ?", ids).Delete(&File{}).Error; err != nil {
		return fmt.Errorf("delete project media: %w", err)
	}
	return nil
}
