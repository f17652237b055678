package project

import (
	"context"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/plazahq/plaza/models"
)

// Projects as citizens see them: each with its account's handle, names
// and moderation setting, which come from the accounts' domain.

// publicProjects is the query of public projects, which every
// citizen-facing list and page starts from.
func (s *Service) publicProjects(ctx context.Context) *gorm.DB {
	return s.core.Conn(ctx).Model(&models.Project{}).Where("public")
}

// withAccounts makes public projects of ps, each with its account (all
// the accounts read in one query, not one per project).
func (s *Service) withAccounts(ctx context.Context, ps []models.Project) ([]models.PublicProject, error) {
	ids := make([]int64, 0, len(ps))
	for _, p := range ps {
		ids = append(ids, p.AccountID)
	}
	accounts, err := s.accounts.AccountsByID(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("accounts of projects: %w", err)
	}
	out := make([]models.PublicProject, len(ps))
	for i, p := range ps {
		a := accounts[p.AccountID]
		if a == nil {
			return nil, fmt.Errorf("account of project %d: %w", p.ID, models.ErrNotFound)
		}
		out[i] = publicProject(p, a)
	}
	return out, nil
}

func publicProject(p models.Project, a *models.Account) models.PublicProject {
	return models.PublicProject{Project: p, Handle: a.Handle, AccountName: a.Name, AccountLang: a.DefaultLang, AccountTexts: a.Translations, FeedbackReview: a.FeedbackReview}
}

// PublicProjects lists the public projects of one account (accountID 0:
// every account), open consultations first, soonest to close first, then
// the most recently changed.
func (s *Service) PublicProjects(ctx context.Context, accountID int64, page models.Page) ([]models.PublicProject, int64, error) {
	now := s.core.Now()
	q := s.publicProjects(ctx)
	if accountID != 0 {
		q = q.Where("account_id = ?", accountID)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count public projects: %w", err)
	}
	var ps []models.Project
	open := "CASE WHEN status = 'consultation' AND closes_at > ? AND (opens_at IS NULL OR opens_at <= ?) THEN 0 ELSE 1 END"
	err := q.Order(clause.OrderBy{Expression: clause.Expr{SQL: open + ", closes_at, updated_at DESC, id DESC", Vars: []any{now, now}, WithoutParentheses: true}}).
		Limit(page.Limit()).Offset(page.Offset()).Find(&ps).Error
	if err != nil {
		return nil, 0, fmt.Errorf("list public projects: %w", err)
	}
	out, err := s.withAccounts(ctx, ps)
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// PublicProjectByID loads a public project of the account with handle.
func (s *Service) PublicProjectByID(ctx context.Context, handle string, id int64) (*models.PublicProject, error) {
	a, err := s.accounts.AccountByHandle(ctx, handle)
	if err != nil {
		return nil, fmt.Errorf("public project: %w", err)
	}
	return s.publicProjectOf(ctx, &a.Account, id)
}

// publicProjectOf loads the public project id of account a.
func (s *Service) publicProjectOf(ctx context.Context, a *models.Account, id int64) (*models.PublicProject, error) {
	var p models.Project
	if err := s.publicProjects(ctx).Where("id = ? AND account_id = ?", id, a.ID).First(&p).Error; err != nil {
		return nil, models.NotFound(err, "project")
	}
	out := publicProject(p, a)
	return &out, nil
}

// OpenConsultations lists an account's public projects taking answers
// now, soonest to close first (the chat router offers them).
func (s *Service) OpenConsultations(ctx context.Context, accountID int64, limit int) ([]models.PublicProject, error) {
	now := s.core.Now()
	var ps []models.Project
	err := s.publicProjects(ctx).
		Where("account_id = ? AND status = ? AND closes_at > ? AND (opens_at IS NULL OR opens_at <= ?)",
			accountID, models.ProjectConsultation, now, now).
		Order("closes_at, id").Limit(limit).Find(&ps).Error
	if err != nil {
		return nil, fmt.Errorf("open consultations: %w", err)
	}
	return s.withAccounts(ctx, ps)
}

// AnyProjectPublic reports whether any of the projects is shown on the
// public site, which makes its files public (media.Projects).
func (s *Service) AnyProjectPublic(ctx context.Context, ids []int64) (bool, error) {
	var n int64
	if err := s.core.Conn(ctx).Model(&models.Project{}).Where("id IN ? AND public", ids).Count(&n).Error; err != nil {
		return false, fmt.Errorf("public projects: %w", err)
	}
	return n > 0, nil
}
