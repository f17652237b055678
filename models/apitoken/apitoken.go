package apitoken

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/plazahq/plaza/auth"
	"github.com/plazahq/plaza/models"
)

// API scopes.
const (
	ScopeNoticesRead    = "notices:read"
	ScopeNoticesWrite   = "notices:write"
	ScopeFollowersRead  = "followers:read"
	ScopeFollowersWrite = "followers:write"
	ScopeProjectsRead   = "projects:read"
	ScopeFeedbackRead   = "feedback:read"
)

// AllScopes lists every scope a token can be given.
func AllScopes() []string {
	return []string{ScopeNoticesRead, ScopeNoticesWrite, ScopeFollowersRead, ScopeFollowersWrite, ScopeProjectsRead, ScopeFeedbackRead}
}

// tokenPrefix marks Plaza API tokens, so a leaked one is recognisable
// (and secret scanners can look for it).
const tokenPrefix = "plz_"

// Token is a token of the JSON API.
type Token struct {
	ID             int64
	OrganizationID int64
	Name           string
	TokenHash      string
	Prefix         string
	Scopes         string
	CreatedBy      *int64
	CreatedAt      time.Time
	LastUsedAt     *time.Time
	RevokedAt      *time.Time
}

// TableName names the table this package owns (gorm would say "tokens").
func (Token) TableName() string { return "api_tokens" }

// ScopeList splits Scopes.
func (t *Token) ScopeList() []string {
	var out []string
	for _, p := range strings.Split(t.Scopes, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Has reports whether the token carries scope.
func (t *Token) Has(scope string) bool { return slices.Contains(t.ScopeList(), scope) }

// ErrBadToken is returned for a token that is unknown or revoked.
var ErrBadToken = errors.New("unknown or revoked API token")

// Organizations is what the service needs of the organizations' domain:
// a token names its organization by id, and the organization's rows are
// not this package's to query. app.NewDomains wires it.
type Organizations interface {
	OrganizationByID(ctx context.Context, id int64) (*models.Organization, error)
}

// Service is the API-token domain: tokens and their scopes, bearer
// authentication, and the idempotency keys of API requests. It owns the
// tables api_tokens and idempotency_keys.
type Service struct {
	core models.Core
	orgs Organizations
}

// New builds the service on core (a Store's Core), reading organizations
// through orgs.
func New(core models.Core, orgs Organizations) *Service {
	return &Service{core: core, orgs: orgs}
}

// Create makes a token for the member's organization and returns it with
// its one and only plain-text copy.
func (s *Service) Create(ctx context.Context, m *models.Member, name string, scopes []string) (*Token, string, error) {
	if err := models.Require(m, models.PermManageSettings, m.OrgID()); err != nil {
		return nil, "", err
	}
	var v models.ValidationError
	name = strings.TrimSpace(name)
	if name == "" {
		v.Add("name", "err.required")
	} else if len([]rune(name)) > 80 {
		v.Add("name", "err.too_long")
	}
	var clean []string
	for _, sc := range scopes {
		if !slices.Contains(AllScopes(), sc) {
			v.Add("scopes", "err.choose_one")
		} else if !slices.Contains(clean, sc) {
			clean = append(clean, sc)
		}
	}
	if len(clean) == 0 {
		v.Add("scopes", "api.err_scopes")
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	plain := tokenPrefix + auth.NewToken()
	t := &Token{OrganizationID: m.Org.ID, Name: name, TokenHash: auth.HashToken(plain), Prefix: plain[:len(tokenPrefix)+6],
		Scopes: strings.Join(clean, ","), CreatedBy: &m.User.ID, CreatedAt: s.core.Now()}
	err := s.core.Tx(ctx, func(tx models.Core) error {
		if err := tx.Conn(ctx).Create(t).Error; err != nil {
			return fmt.Errorf("create api token: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "api.token_create", name, t.Scopes)
	})
	if err != nil {
		return nil, "", err
	}
	return t, plain, nil
}

// List lists the organization's tokens, newest first.
func (s *Service) List(ctx context.Context, m *models.Member) ([]Token, error) {
	if err := models.Require(m, models.PermManageSettings, m.OrgID()); err != nil {
		return nil, err
	}
	var out []Token
	if err := s.core.Conn(ctx).Where("organization_id = ?", m.Org.ID).Order("id DESC").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("api tokens: %w", err)
	}
	return out, nil
}

// ByID loads one of the organization's tokens.
func (s *Service) ByID(ctx context.Context, m *models.Member, id int64) (*Token, error) {
	if err := models.Require(m, models.PermManageSettings, m.OrgID()); err != nil {
		return nil, err
	}
	var t Token
	if err := s.core.Conn(ctx).Where("id = ? AND organization_id = ?", id, m.Org.ID).First(&t).Error; err != nil {
		return nil, models.NotFound(err, "api token")
	}
	return &t, nil
}

// Revoke stops a token from working at once.
func (s *Service) Revoke(ctx context.Context, m *models.Member, id int64) error {
	t, err := s.ByID(ctx, m, id)
	if err != nil {
		return err
	}
	return s.core.Tx(ctx, func(tx models.Core) error {
		res := tx.Conn(ctx).Model(&Token{}).Where("id = ? AND revoked_at IS NULL", t.ID).Update("revoked_at", tx.Now())
		if res.Error != nil {
			return fmt.Errorf("revoke api token: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return nil
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "api.token_revoke", t.Name, t.Prefix)
	})
}

// Authenticate resolves a bearer token to the organization it acts for.
// The token acts with an editor's powers (write, publish, manage
// followers), narrowed further by its scopes; it never manages staff or
// settings.
func (s *Service) Authenticate(ctx context.Context, plain string) (*models.Member, *Token, error) {
	if !strings.HasPrefix(plain, tokenPrefix) || len(plain) > 100 {
		return nil, nil, ErrBadToken
	}
	var t Token
	err := s.core.Conn(ctx).Where("token_hash = ? AND revoked_at IS NULL", auth.HashToken(plain)).First(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil, ErrBadToken
	}
	if err != nil {
		return nil, nil, fmt.Errorf("api token: %w", err)
	}
	org, err := s.orgs.OrganizationByID(ctx, t.OrganizationID)
	if err != nil {
		return nil, nil, err
	}
	// The audit log names the person who made the token.
	u := &models.User{Email: "api:" + t.Name}
	if t.CreatedBy != nil {
		u.ID = *t.CreatedBy
	}
	now := s.core.Now()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		// Recorded at most once a minute: a busy integration must not
		// turn every read into a write. A failure to record it must not
		// refuse a valid token, so its error is dropped.
		_ = s.core.Conn(ctx).Model(&Token{}).Where("id = ?", t.ID).Update("last_used_at", now).Error
	}
	return &models.Member{User: u, Org: org, Role: models.RoleEditor}, &t, nil
}
