package notice

import (
	"context"
	"fmt"

	"github.com/plazahq/plaza/models"
)

// APINotices pages through an account's notices for the API, newest
// first, after the notice id before (0: from the newest).
func (s *Service) APINotices(ctx context.Context, m *models.Member, a *models.Account, status string, before int64, limit int) ([]models.Notice, error) {
	if err := models.Require(m, models.PermView, a.OrgID()); err != nil {
		return nil, err
	}
	q := s.core.Conn(ctx).Where("account_id = ?", a.ID)
	if status != "" {
		q = q.Where("status = ?", status)
	}
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	var out []models.Notice
	if err := q.Order("id DESC").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("api notices: %w", err)
	}
	return out, nil
}

// APINotice loads a notice of the member's organization, with its
// account: the API names notices by id alone, without the account in the
// path. A notice of another organization is models.ErrNotFound, as a
// missing one is, so the API does not reveal what other organizations
// hold; any other failure (a database that does not answer) comes back as
// it is, so that the caller answers "try again" rather than telling an
// integration its notice is gone.
func (s *Service) APINotice(ctx context.Context, m *models.Member, id int64) (*models.Account, *models.Notice, error) {
	if err := models.Require(m, models.PermView, m.OrgID()); err != nil {
		return nil, nil, err
	}
	var n models.Notice
	if err := s.core.Conn(ctx).First(&n, id).Error; err != nil {
		return nil, nil, models.NotFound(err, "notice")
	}
	a, err := s.accounts.AccountByID(ctx, n.AccountID)
	if err != nil {
		return nil, nil, err
	}
	// Require answers ErrNotFound for an account of another organization.
	if err := models.Require(m, models.PermView, a.OrgID()); err != nil {
		return nil, nil, fmt.Errorf("notice: %w", err)
	}
	return a, &n, nil
}
