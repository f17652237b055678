package org

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/plazahq/plaza/models"
)

// Service is the organizations' domain; see the package comment.
type Service struct {
	core models.Core
}

// New builds the service on the shared core (store.Core in app).
func New(core models.Core) *Service { return &Service{core: core} }

// with is the service bound to a transaction's core, for a transaction
// that calls the service's own methods.
func (s *Service) with(tx models.Core) *Service { return &Service{core: tx} }

// Input is the editable part of an organization.
type Input struct {
	Name string
	Kind models.OrgKind
}

func (in *Input) validate() error {
	var v models.ValidationError
	in.Name = strings.TrimSpace(in.Name)
	switch n := len([]rune(in.Name)); {
	case n == 0:
		v.Add("name", "err.required")
	case n > 120:
		v.Add("name", "err.too_long")
	}
	if !in.Kind.Valid() {
		v.Add("kind", "err.choose_one")
	}
	return v.Err()
}

// CreateOrganization stores a new organization on behalf of a platform admin.
func (s *Service) CreateOrganization(ctx context.Context, actor *models.User, in Input) (*models.Organization, error) {
	if !actor.IsAdmin {
		return nil, models.ErrForbidden
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	o := &models.Organization{Name: in.Name, Kind: in.Kind}
	err := s.core.Tx(ctx, func(tx models.Core) error {
		if err := tx.Conn(ctx).Create(o).Error; err != nil {
			return fmt.Errorf("create organization: %w", err)
		}
		return tx.Audit(ctx, o.ID, actor.ID, "org.create", o.Name, string(o.Kind))
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// UpdateOrganization changes an organization's name and kind; owners only.
func (s *Service) UpdateOrganization(ctx context.Context, m *models.Member, in Input) error {
	if err := models.Require(m, models.PermManageSettings, m.OrgID()); err != nil {
		return err
	}
	if err := in.validate(); err != nil {
		return err
	}
	return s.core.Tx(ctx, func(tx models.Core) error {
		if err := tx.Conn(ctx).Model(&models.Organization{}).Where("id = ?", m.Org.ID).
			Updates(map[string]any{"name": in.Name, "kind": in.Kind, "updated_at": s.core.Now()}).Error; err != nil {
			return fmt.Errorf("update organization: %w", err)
		}
		m.Org.Name, m.Org.Kind = in.Name, in.Kind
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "org.update", in.Name, string(in.Kind))
	})
}

// MaxGeocodeName is the longest geocode value name.
const MaxGeocodeName = 64

// SetGeocodeName sets the CAP <geocode> valueName the organization's
// feeds give its districts' codes (e.g. "SAME"); empty is Plaza's own.
// Owners only.
func (s *Service) SetGeocodeName(ctx context.Context, m *models.Member, name string) error {
	if err := models.Require(m, models.PermManageSettings, m.OrgID()); err != nil {
		return err
	}
	name = strings.TrimSpace(name)
	switch {
	case len([]rune(name)) > MaxGeocodeName:
		return models.FieldError("geocode_name", "err.too_long")
	case strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return models.FieldError("geocode_name", "district.err_geocode_name")
	}
	return s.core.Tx(ctx, func(tx models.Core) error {
		if err := tx.Conn(ctx).Model(&models.Organization{}).Where("id = ?", m.Org.ID).
			Updates(map[string]any{"geocode_name": name, "updated_at": s.core.Now()}).Error; err != nil {
			return fmt.Errorf("set geocode name: %w", err)
		}
		m.Org.GeocodeName = name
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "org.geocode_name", name, "")
	})
}

// SetVerified marks an organization verified or not; platform admins only.
func (s *Service) SetVerified(ctx context.Context, actor *models.User, orgID int64, verified bool) error {
	if !actor.IsAdmin {
		return models.ErrForbidden
	}
	var at *time.Time
	action := "org.unverify"
	if verified {
		now := s.core.Now()
		at, action = &now, "org.verify"
	}
	return s.core.Tx(ctx, func(tx models.Core) error {
		res := tx.Conn(ctx).Model(&models.Organization{}).Where("id = ?", orgID).
			Updates(map[string]any{"verified_at": at, "updated_at": s.core.Now()})
		if res.Error != nil {
			return fmt.Errorf("verify organization: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("organization %d: %w", orgID, models.ErrNotFound)
		}
		return tx.Audit(ctx, orgID, actor.ID, action, "", "")
	})
}

// OrganizationByID loads one organization.
func (s *Service) OrganizationByID(ctx context.Context, id int64) (*models.Organization, error) {
	var o models.Organization
	if err := s.core.Conn(ctx).First(&o, id).Error; err != nil {
		return nil, models.NotFound(err, "organization")
	}
	return &o, nil
}

// ListOrganizations pages through every organization, newest first, for
// platform admins.
func (s *Service) ListOrganizations(ctx context.Context, q string, page models.Page) ([]models.OrgSummary, int64, error) {
	base := s.core.Conn(ctx).Model(&models.Organization{})
	if q = strings.TrimSpace(q); q != "" {
		base = base.Where(models.LikeExpr("name"), models.LikePattern(q))
	}
	base = base.Session(&gorm.Session{})
	var total int64
	if err := base.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count organizations: %w", err)
	}
	var out []models.OrgSummary
	err := base.Select(`organizations.*,
		(SELECT COUNT(*) FROM memberships m WHERE m.organization_id = organizations.id) AS staff,
		(SELECT COUNT(*) FROM accounts a WHERE a.organization_id = organizations.id) AS accounts`).
		Order("organizations.id DESC").Limit(page.Limit()).Offset(page.Offset()).Scan(&out).Error
	if err != nil {
		return nil, 0, fmt.Errorf("list organizations: %w", err)
	}
	return out, total, nil
}

// SystemMember acts for an organization when no person does (an imported
// feed): an editor with no user, so the audit log shows the system.
func (s *Service) SystemMember(ctx context.Context, orgID int64) (*models.Member, error) {
	var o models.Organization
	if err := s.core.Conn(ctx).First(&o, orgID).Error; err != nil {
		return nil, models.NotFound(err, "organization")
	}
	return &models.Member{User: &models.User{Email: "system"}, Org: &o, Role: models.RoleEditor}, nil
}
