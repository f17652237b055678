package models

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Projects as citizens see them.

// PublicProject is a project with its account, as citizens see it.
type PublicProject struct {
	Project
	Handle         string
	AccountName    string
	AccountNameZh  string
	FeedbackReview bool
}

// AccountName is the account's name in lang.
func (p *PublicProject) LocalAccountName(lang string) string {
	if lang == "zh" && p.AccountNameZh != "" {
		return p.AccountNameZh
	}
	return p.AccountName
}

// publicProjects is the query of public projects with their account's
// names, which every citizen-facing list and page starts from.
func (s *Store) publicProjects(ctx context.Context) *gorm.DB {
	return s.conn(ctx).Table("projects p").Joins("JOIN accounts a ON a.id = p.account_id").Where("p.public").
		Select("p.*, a.handle, a.name AS account_name, a.name_zh AS account_name_zh, a.feedback_review")
}

// PublicProjects lists the public projects of one account (accountID 0:
// every account), open consultations first, soonest to close first, then
// the most recently changed.
func (s *Store) PublicProjects(ctx context.Context, accountID int64, page Page) ([]PublicProject, int64, error) {
	now := s.Now()
	q := s.publicProjects(ctx)
	if accountID != 0 {
		q = q.Where("p.account_id = ?", accountID)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count public projects: %w", err)
	}
	var out []PublicProject
	open := "CASE WHEN p.status = 'consultation' AND p.closes_at > ? AND (p.opens_at IS NULL OR p.opens_at <= ?) THEN 0 ELSE 1 END"
	err := q.Order(clause.OrderBy{Expression: clause.Expr{SQL: open + ", p.closes_at, p.updated_at DESC, p.id DESC", Vars: []any{now, now}, WithoutParentheses: true}}).
		Limit(page.Limit()).Offset(page.Offset()).Scan(&out).Error
	if err != nil {
		return nil, 0, fmt.Errorf("list public projects: %w", err)
	}
	return out, total, nil
}

// PublicProjectByID loads a public project of the account with handle.
func (s *Store) PublicProjectByID(ctx context.Context, handle string, id int64) (*PublicProject, error) {
	var out []PublicProject
	err := s.publicProjects(ctx).Where("p.id = ? AND a.handle = ?", id, strings.ToLower(handle)).Limit(1).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("public project: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("project: %w", ErrNotFound)
	}
	return &out[0], nil
}
