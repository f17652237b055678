package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// OrgKind is what sort of body runs an organization.
type OrgKind string

const (
	KindAgency   OrgKind = "agency"
	KindNGO      OrgKind = "ngo"
	KindBusiness OrgKind = "business"
)

// OrgKinds lists the kinds in display order.
func OrgKinds() []OrgKind { return []OrgKind{KindAgency, KindNGO, KindBusiness} }

// Valid reports whether k is a known kind.
func (k OrgKind) Valid() bool {
	return k == KindAgency || k == KindNGO || k == KindBusiness
}

// Organization is an agency, NGO or business that runs official accounts.
type Organization struct {
	ID         int64
	Name       string
	Kind       OrgKind
	VerifiedAt *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Verified reports whether a platform admin has verified the organization.
func (o *Organization) Verified() bool { return o.VerifiedAt != nil }

// OrgInput is the editable part of an organization.
type OrgInput struct {
	Name string
	Kind OrgKind
}

func (in *OrgInput) validate() error {
	var v ValidationError
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
func (s *Store) CreateOrganization(ctx context.Context, actor *User, in OrgInput) (*Organization, error) {
	if !actor.IsAdmin {
		return nil, ErrForbidden
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	o := &Organization{Name: in.Name, Kind: in.Kind}
	err := s.Tx(ctx, func(tx *Store) error {
		if err := tx.conn(ctx).Create(o).Error; err != nil {
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
func (s *Store) UpdateOrganization(ctx context.Context, m *Member, in OrgInput) error {
	if err := Require(m, PermManageSettings, m.OrgID()); err != nil {
		return err
	}
	if err := in.validate(); err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.conn(ctx).Model(&Organization{}).Where("id = ?", m.Org.ID).
			Updates(map[string]any{"name": in.Name, "kind": in.Kind, "updated_at": s.Now()}).Error; err != nil {
			return fmt.Errorf("update organization: %w", err)
		}
		m.Org.Name, m.Org.Kind = in.Name, in.Kind
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "org.update", in.Name, string(in.Kind))
	})
}

// SetVerified marks an organization verified or not; platform admins only.
func (s *Store) SetVerified(ctx context.Context, actor *User, orgID int64, verified bool) error {
	if !actor.IsAdmin {
		return ErrForbidden
	}
	var at *time.Time
	action := "org.unverify"
	if verified {
		now := s.Now()
		at, action = &now, "org.verify"
	}
	return s.Tx(ctx, func(tx *Store) error {
		res := tx.conn(ctx).Model(&Organization{}).Where("id = ?", orgID).
			Updates(map[string]any{"verified_at": at, "updated_at": s.Now()})
		if res.Error != nil {
			return fmt.Errorf("verify organization: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("organization %d: %w", orgID, ErrNotFound)
		}
		return tx.Audit(ctx, orgID, actor.ID, action, "", "")
	})
}

// OrganizationByID loads one organization.
func (s *Store) OrganizationByID(ctx context.Context, id int64) (*Organization, error) {
	var o Organization
	if err := s.conn(ctx).First(&o, id).Error; err != nil {
		return nil, notFound(err, "organization")
	}
	return &o, nil
}

// OrgSummary is an organization with counts for the admin list.
type OrgSummary struct {
	Organization
	Staff    int64
	Accounts int64
}

// ListOrganizations pages through every organization, newest first, for
// platform admins.
func (s *Store) ListOrganizations(ctx context.Context, q string, page Page) ([]OrgSummary, int64, error) {
	base := s.conn(ctx).Model(&Organization{})
	if q = strings.TrimSpace(q); q != "" {
		base = base.Where(LikeExpr("name"), LikePattern(q))
	}
	base = base.Session(&gorm.Session{})
	var total int64
	if err := base.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count organizations: %w", err)
	}
	var out []OrgSummary
	err := base.Select(`organizations.*,
		(SELECT COUNT(*) FROM memberships m WHERE m.organization_id = organizations.id) AS staff,
		(SELECT COUNT(*) FROM accounts a WHERE a.organization_id = organizations.id) AS accounts`).
		Order("organizations.id DESC").Limit(page.Limit()).Offset(page.Offset()).Scan(&out).Error
	if err != nil {
		return nil, 0, fmt.Errorf("list organizations: %w", err)
	}
	return out, total, nil
}
