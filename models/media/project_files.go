package media

import (
	"context"
	"fmt"
	"time"

	"github.com/plazahq/plaza/models"
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
	title, filename, err := cleanUpload(title, filename, "title")
	if err != nil {
		return nil, err
	}
	u, err := checkAttachment(data)
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
		f, err := projectLinks.store(ctx, tx, p.ID, m.Org.ID, u, data)
		if err != nil {
			return err
		}
		pf = &ProjectFile{ProjectID: p.ID, MediaID: f.ID, Kind: u.kind, Title: title, Filename: filename, CreatedAt: tx.Now(), Size: f.Size, MediaPublicID: f.PublicID}
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
		name, err := projectLinks.removeOne(ctx, tx, p.ID, fileID)
		if err != nil {
			return err
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "project.file_delete", projectTarget(a, p), name)
	})
}

// ProjectFiles lists a project's files, images first.
func (s *Service) ProjectFiles(ctx context.Context, projectID int64) ([]ProjectFile, error) {
	var out []ProjectFile
	if err := projectLinks.list(ctx, s.core, []int64{projectID}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteProjectFiles removes a project's files and their bytes inside tx,
// the transaction that deletes the project (it implements
// project.Files for project.Service.DeleteProject). The project's rows are
// not touched here.
func (s *Service) DeleteProjectFiles(ctx context.Context, tx models.Core, projectID int64) error {
	return projectLinks.removeAll(ctx, tx, projectID)
}
