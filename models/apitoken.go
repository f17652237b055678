package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/plazahq/plaza/auth"
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

// APIScopes lists every scope a token can be given.
func APIScopes() []string {
	return []string{ScopeNoticesRead, ScopeNoticesWrite, ScopeFollowersRead, ScopeFollowersWrite, ScopeProjectsRead, ScopeFeedbackRead}
}

// tokenPrefix marks Plaza API tokens, so a leaked one is recognisable
// (and secret scanners can look for it).
const tokenPrefix = "plz_"

// APIToken is a token of the JSON API.
type APIToken struct {
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

// ScopeList splits Scopes.
func (t *APIToken) ScopeList() []string { return splitList(t.Scopes) }

// Has reports whether the token carries scope.
func (t *APIToken) Has(scope string) bool { return slices.Contains(t.ScopeList(), scope) }

// ErrBadToken is returned for a token that is unknown or revoked.
var ErrBadToken = errors.New("unknown or revoked API token")

// CreateAPIToken makes a token for the member's organization and returns
// it with its one and only plain-text copy.
func (s *Store) CreateAPIToken(ctx context.Context, m *Member, name string, scopes []string) (*APIToken, string, error) {
	if err := Require(m, PermManageSettings, m.OrgID()); err != nil {
		return nil, "", err
	}
	var v ValidationError
	name = strings.TrimSpace(name)
	if name == "" {
		v.Add("name", "err.required")
	} else if len([]rune(name)) > 80 {
		v.Add("name", "err.too_long")
	}
	var clean []string
	for _, sc := range scopes {
		if !slices.Contains(APIScopes(), sc) {
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
	t := &APIToken{OrganizationID: m.Org.ID, Name: name, TokenHash: auth.HashToken(plain), Prefix: plain[:len(tokenPrefix)+6],
		Scopes: strings.Join(clean, ","), CreatedBy: &m.User.ID, CreatedAt: s.Now()}
	err := s.Tx(ctx, func(tx *Store) error {
		if err := tx.conn(ctx).Create(t).Error; err != nil {
			return fmt.Errorf("create api token: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "api.token_create", name, t.Scopes)
	})
	if err != nil {
		return nil, "", err
	}
	return t, plain, nil
}

// APITokens lists the organization's tokens, newest first.
func (s *Store) APITokens(ctx context.Context, m *Member) ([]APIToken, error) {
	if err := Require(m, PermManageSettings, m.OrgID()); err != nil {
		return nil, err
	}
	var out []APIToken
	if err := s.conn(ctx).Where("organization_id = ?", m.Org.ID).Order("id DESC").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("api tokens: %w", err)
	}
	return out, nil
}

// APITokenByID loads one of the organization's tokens.
func (s *Store) APITokenByID(ctx context.Context, m *Member, id int64) (*APIToken, error) {
	if err := Require(m, PermManageSettings, m.OrgID()); err != nil {
		return nil, err
	}
	var t APIToken
	if err := s.conn(ctx).Where("id = ? AND organization_id = ?", id, m.Org.ID).First(&t).Error; err != nil {
		return nil, notFound(err, "api token")
	}
	return &t, nil
}

// RevokeAPIToken stops a token from working at once.
func (s *Store) RevokeAPIToken(ctx context.Context, m *Member, id int64) error {
	t, err := s.APITokenByID(ctx, m, id)
	if err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *Store) error {
		res := tx.conn(ctx).Model(&APIToken{}).Where("id = ? AND revoked_at IS NULL", t.ID).Update("revoked_at", tx.Now())
		if res.Error != nil {
			return fmt.Errorf("revoke api token: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return nil
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "api.token_revoke", t.Name, t.Prefix)
	})
}

// APIMember resolves a bearer token to the organization it acts for. The
// token acts with an editor's powers (write, publish, manage followers),
// narrowed further by its scopes; it never manages staff or settings.
func (s *Store) APIMember(ctx context.Context, plain string) (*Member, *APIToken, error) {
	if !strings.HasPrefix(plain, tokenPrefix) || len(plain) > 100 {
		return nil, nil, ErrBadToken
	}
	var t APIToken
	err := s.conn(ctx).Where("token_hash = ? AND revoked_at IS NULL", auth.HashToken(plain)).First(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil, ErrBadToken
	}
	if err != nil {
		return nil, nil, fmt.Errorf("api token: %w", err)
	}
	var org Organization
	if err := s.conn(ctx).First(&org, t.OrganizationID).Error; err != nil {
		return nil, nil, notFound(err, "organization")
	}
	// The audit log names the person who made the token.
	u := &User{Email: "api:" + t.Name}
	if t.CreatedBy != nil {
		u.ID = *t.CreatedBy
	}
	now := s.Now()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		// Recorded at most once a minute: a busy integration must not
		// turn every read into a write.
		s.conn(ctx).Model(&APIToken{}).Where("id = ?", t.ID).Update("last_used_at", now)
	}
	return &Member{User: u, Org: &org, Role: RoleEditor}, &t, nil
}

// IdempotentResponse is a stored answer to a POST with an Idempotency-Key.
// Status 0 means the first request with the key is still running.
type IdempotentResponse struct {
	RequestHash string
	Status      int
	Response    string
}

// ErrIdempotencyReused is returned when a key comes back with a different
// request.
var ErrIdempotencyReused = errors.New("idempotency key reused with a different request")

const (
	// IdempotencyLease is how long a claimed key stays "in progress"
	// before a retry of the same request may take it over: an instance
	// that crashed (or lost its database) mid-request never finishes or
	// releases its claim, and without a lease every retry would be
	// refused forever. API requests take well under a second, so a
	// minute is far beyond a live request.
	IdempotencyLease = time.Minute
	// IdempotencyKeyLife is how long a key and its stored response are
	// kept: clients retry within minutes, and a day covers a retry after
	// an outage. An older key is new again, and housekeeping deletes it.
	IdempotencyKeyLife = 24 * time.Hour
)

// ClaimIdempotencyKey reserves (token, key) for this request. It returns
// nil when the caller now owns the key and must run the request, then
// call FinishIdempotencyKey (or ReleaseIdempotencyKey if it failed);
// otherwise the response stored by the first request (Status 0 while that
// one is still running). Reserving before running is what keeps two
// identical requests racing each other from both publishing.
//
// The caller also owns a key past IdempotencyKeyLife, whatever it held,
// and a claim of the same request left in progress for longer than
// IdempotencyLease. One upsert decides, so of two retries racing for a
// stale claim only one takes it over.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, tokenID int64, key, requestHash string) (*IdempotentResponse, error) {
	now := s.Now()
	res := s.conn(ctx).Exec(`INSERT INTO idempotency_keys (token_id, key, request_hash, status, response, created_at)
		VALUES (?, ?, ?, 0, '', ?)
		ON CONFLICT (token_id, key) DO UPDATE SET request_hash = excluded.request_hash, status = 0, response = '',
			created_at = excluded.created_at
		WHERE idempotency_keys.created_at < ?
			OR (idempotency_keys.status = 0 AND idempotency_keys.request_hash = excluded.request_hash
				AND idempotency_keys.created_at < ?)`,
		tokenID, key, requestHash, now, now.Add(-IdempotencyKeyLife), now.Add(-IdempotencyLease))
	if res.Error != nil {
		return nil, fmt.Errorf("claim idempotency key: %w", res.Error)
	}
	if res.RowsAffected == 1 {
		return nil, nil
	}
	var r IdempotentResponse
	if err := s.conn(ctx).Table("idempotency_keys").Select("request_hash, status, response").
		Where("token_id = ? AND key = ?", tokenID, key).Take(&r).Error; err != nil {
		return nil, fmt.Errorf("read idempotency key: %w", err)
	}
	if r.RequestHash != requestHash {
		return nil, ErrIdempotencyReused
	}
	return &r, nil
}

// DeleteExpiredIdempotencyKeys removes keys older than IdempotencyKeyLife,
// for housekeeping; ClaimIdempotencyKey already treats them as new.
func (s *Store) DeleteExpiredIdempotencyKeys(ctx context.Context) (int64, error) {
	res := s.conn(ctx).Exec(`DELETE FROM idempotency_keys WHERE created_at < ?`, s.Now().Add(-IdempotencyKeyLife))
	if res.Error != nil {
		return 0, fmt.Errorf("delete expired idempotency keys: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// FinishIdempotencyKey stores the response of a claimed key.
func (s *Store) FinishIdempotencyKey(ctx context.Context, tokenID int64, key string, status int, body string) error {
	err := s.conn(ctx).Exec(`UPDATE idempotency_keys SET status = ?, response = ? WHERE token_id = ? AND key = ?`,
		status, body, tokenID, key).Error
	if err != nil {
		return fmt.Errorf("store idempotent response: %w", err)
	}
	return nil
}

// ReleaseIdempotencyKey forgets a claimed key whose request failed on our
// side, so the client's retry runs it again.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, tokenID int64, key string) error {
	err := s.conn(ctx).Exec(`DELETE FROM idempotency_keys WHERE token_id = ? AND key = ? AND status = 0`, tokenID, key).Error
	if err != nil {
		return fmt.Errorf("release idempotency key: %w", err)
	}
	return nil
}
