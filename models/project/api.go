package project

import (
	"context"
	"fmt"

	"github.com/plazahq/plaza/models"
)

// APIProjects pages through an account's projects, newest first, before
// the id before.
func (s *Service) APIProjects(ctx context.Context, m *models.Member, a *models.Account, before int64, limit int) ([]models.Project, error) {
	if err := models.Require(m, models.PermView, a.OrgID()); err != nil {
		return nil, err
	}
	q := s.core.Conn(ctx).Where("account_id = ?", a.ID)
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	var out []models.Project
	if err := q.Order("id DESC").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("api projects: %w", err)
	}
	return out, nil
}

// APIFeedback pages through a project's current answers by id, after the id
// after, optionally in one moderation state. The project must be one of
// the member's (OrgProject).
func (s *Service) APIFeedback(ctx context.Context, m *models.Member, a *models.Account, projectID int64, status string, after int64, limit int) ([]models.Feedback, error) {
	p, err := s.OrgProject(ctx, m, a, projectID)
	if err != nil {
		return nil, err
	}
	q := s.core.Conn(ctx).Where("project_id = ? AND id > ? AND revision_state = ?", p.ID, after, models.RevisionCurrent)
	if status != "" {
		q = q.Where("status = ?", status)
	}
	var out []models.Feedback
	if err := q.Order("id").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("api feedback: %w", err)
	}
	return out, nil
}

// APIProject loads a project of the member's organization, with its
// account. The API names a project by id alone: a project of another
// organization is ErrNotFound, as a missing one is, so the API does not
// reveal what other organizations hold; any other failure (a database
// that does not answer) comes back as it is, so that the caller answers
// "try again" rather than telling an integration its project is gone.
func (s *Service) APIProject(ctx context.Context, m *models.Member, id int64) (*models.Account, *models.Project, error) {
	if err := models.Require(m, models.PermView, m.OrgID()); err != nil {
		return nil, nil, err
	}
	var p models.Project
	if err := s.core.Conn(ctx).First(&p, id).Error; err != nil {
		return nil, nil, models.NotFound(err, "project")
	}
	a, err := s.accounts.AccountByID(ctx, p.AccountID)
	if err != nil {
		return nil, nil, err
	}
	// Another organization's project is ErrNotFound, Require's answer to
	// an outsider.
	if err := models.Require(m, models.PermView, a.OrgID()); err != nil {
		return nil, nil, err
	}
	return a, &p, nil
}
