package account

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/plazahq/plaza/models"
)

const publicAccountColumns = "accounts.*, organizations.name AS org_name, organizations.kind AS org_kind, organizations.verified_at, organizations.geocode_name AS org_geocode_name"

// publicAccounts joins each account with its organization, whose name,
// kind and verification citizens see beside the account's.
func (s *Service) publicAccounts(ctx context.Context) *gorm.DB {
	return s.core.Conn(ctx).Table("accounts").
		Joins("JOIN organizations ON organizations.id = accounts.organization_id")
}

// AccountByHandle loads the public view of one account.
func (s *Service) AccountByHandle(ctx context.Context, handle string) (*models.PublicAccount, error) {
	var a models.PublicAccount
	err := s.publicAccounts(ctx).Select(publicAccountColumns).Where("accounts.handle = ?", strings.ToLower(handle)).Take(&a).Error
	if err != nil {
		return nil, models.NotFound(err, "account")
	}
	return &a, nil
}

// DirectoryFilter narrows the public directory.
type DirectoryFilter struct {
	Query    string
	Category string
}

// Directory lists accounts for citizens: verified organizations first,
// then by name.
func (s *Service) Directory(ctx context.Context, f DirectoryFilter, page models.Page) ([]models.PublicAccount, int64, error) {
	q := s.publicAccounts(ctx)
	if t := strings.TrimSpace(f.Query); t != "" {
		p := models.LikePattern(strings.TrimPrefix(t, "@"))
		// The translations column is JSON: a search for a word finds it in
		// any language's name or bio.
		q = q.Where("("+models.LikeExpr("accounts.handle")+" OR "+models.LikeExpr("accounts.name")+" OR "+models.LikeExpr("accounts.translations")+
			" OR "+models.LikeExpr("organizations.name")+")",
			p, p, p, p)
	}
	if models.ValidCategory(f.Category) {
		q = q.Where("accounts.category = ?", f.Category)
	}
	q = q.Session(&gorm.Session{})
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count directory: %w", err)
	}
	var out []models.PublicAccount
	err := q.Select(publicAccountColumns).Order("CASE WHEN organizations.verified_at IS NULL THEN 1 ELSE 0 END, accounts.name, accounts.id").
		Limit(page.Limit()).Offset(page.Offset()).Scan(&out).Error
	if err != nil {
		return nil, 0, fmt.Errorf("list directory: %w", err)
	}
	return out, total, nil
}
