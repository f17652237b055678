package apitoken_test

import (
	"context"
	"errors"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/apitoken"
)

// TestServiceAnswersOneRule holds the token services to Require's rule
// (models.TestServicesAnswerOneRule, which had the List row before the
// domain moved here): no member gets ErrNotFound, and a member whose role
// lacks the permission gets ErrForbidden, before the service looks at its
// input or its rows.
func TestServiceAnswersOneRule(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		ctx := t.Context()
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		s := a.APITokens
		calls := []struct {
			name string
			call func(ctx context.Context, m *models.Member) error
		}{
			{"List", func(ctx context.Context, m *models.Member) error { _, err := s.List(ctx, m); return err }},
			{"ByID", func(ctx context.Context, m *models.Member) error { _, err := s.ByID(ctx, m, 1); return err }},
			{"Create", func(ctx context.Context, m *models.Member) error {
				_, _, err := s.Create(ctx, m, "Ops", apitoken.AllScopes())
				return err
			}},
			{"Revoke", func(ctx context.Context, m *models.Member) error { return s.Revoke(ctx, m, 1) }},
		}
		for _, c := range calls {
			if err := c.call(ctx, nil); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("%s as no member: %v; want %v", c.name, err, models.ErrNotFound)
			}
			for _, r := range models.AllRoles() {
				if r.Can(models.PermManageSettings) {
					continue
				}
				if err := c.call(ctx, f.Member(r)); !errors.Is(err, models.ErrForbidden) {
					t.Errorf("%s as %s: %v; want %v", c.name, r, err, models.ErrForbidden)
				}
			}
		}
	})
}

// TestTokenLifecycle: a token is made with clean scopes and audited, acts
// for its organization as an editor, is listed without its secret, and
// stops working once revoked; another organization cannot see it.
func TestTokenLifecycle(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		ctx := t.Context()
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		s, owner := a.APITokens, f.Member(models.RoleOwner)

		for _, tt := range []struct {
			name, field string
			scopes      []string
		}{
			{"", "name", []string{apitoken.ScopeNoticesRead}},
			{"Ops", "scopes", nil},
			{"Ops", "scopes", []string{"everything"}},
		} {
			_, _, err := s.Create(ctx, owner, tt.name, tt.scopes)
			if v, ok := models.AsValidation(err); !ok || v.Fields[tt.field] == "" {
				t.Errorf("Create(%q, %v): %v; want an error on %s", tt.name, tt.scopes, err, tt.field)
			}
		}
		tok, plain, err := s.Create(ctx, owner, " Ops ", []string{apitoken.ScopeNoticesRead, apitoken.ScopeNoticesRead, apitoken.ScopeFeedbackRead})
		if err != nil {
			t.Fatal(err)
		}
		if tok.Name != "Ops" || tok.Scopes != "notices:read,feedback:read" || !tok.Has(apitoken.ScopeFeedbackRead) || tok.Has(apitoken.ScopeNoticesWrite) {
			t.Fatalf("created %+v", tok)
		}
		var audited int64
		if err := a.DB.Gorm.Model(&models.AuditEntry{}).Where("organization_id = ? AND action = 'api.token_create' AND target = 'Ops'", f.Org.ID).
			Count(&audited).Error; err != nil || audited != 1 {
			t.Fatalf("audit entries of the creation: %d, %v", audited, err)
		}

		m, got, err := s.Authenticate(ctx, plain)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != tok.ID || m.Org.ID != f.Org.ID || m.Role != models.RoleEditor || m.User.ID != owner.User.ID {
			t.Fatalf("authenticated as %+v with %+v", m, got)
		}
		for _, bad := range []string{"", "plz_nope", "abc", plain + "x"} {
			if _, _, err := s.Authenticate(ctx, bad); !errors.Is(err, apitoken.ErrBadToken) {
				t.Errorf("Authenticate(%q): %v; want ErrBadToken", bad, err)
			}
		}

		list, err := s.List(ctx, owner)
		if err != nil || len(list) != 1 || list[0].ID != tok.ID || list[0].LastUsedAt == nil {
			t.Fatalf("List: %+v, %v; want the one token, used", list, err)
		}
		other := &models.Member{User: f.Outside, Org: f.Other, Role: models.RoleOwner}
		if _, err := s.ByID(ctx, other, tok.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("another organization's ByID: %v; want ErrNotFound", err)
		}
		if err := s.Revoke(ctx, other, tok.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("another organization's Revoke: %v; want ErrNotFound", err)
		}
		if err := s.Revoke(ctx, owner, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Authenticate(ctx, plain); !errors.Is(err, apitoken.ErrBadToken) {
			t.Fatalf("revoked token: %v; want ErrBadToken", err)
		}
	})
}

// TestIdempotencyKeyClaims: the first claim owns the key, a second one
// sees it running, then its stored answer; a different request under the
// same key is refused; a released claim is free again, a finished one is
// not released.
func TestIdempotencyKeyClaims(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		ctx := t.Context()
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		s := a.APITokens
		tok, _, err := s.Create(ctx, f.Member(models.RoleOwner), "Ops", apitoken.AllScopes())
		if err != nil {
			t.Fatal(err)
		}
		claim := func(key, hash string) *apitoken.IdempotentResponse {
			t.Helper()
			r, err := s.ClaimIdempotencyKey(ctx, tok.ID, key, hash)
			if err != nil {
				t.Fatalf("claim %s: %v", key, err)
			}
			return r
		}
		if r := claim("k1", "h1"); r != nil {
			t.Fatalf("first claim: %+v; want ownership", r)
		}
		if r := claim("k1", "h1"); r == nil || r.Status != 0 {
			t.Fatalf("claim while running: %+v; want status 0", r)
		}
		if _, err := s.ClaimIdempotencyKey(ctx, tok.ID, "k1", "h2"); !errors.Is(err, apitoken.ErrIdempotencyReused) {
			t.Fatalf("another request under the key: %v; want ErrIdempotencyReused", err)
		}
		if err := s.FinishIdempotencyKey(ctx, tok.ID, "k1", 201, `{"id":1}`); err != nil {
			t.Fatal(err)
		}
		if err := s.ReleaseIdempotencyKey(ctx, tok.ID, "k1"); err != nil {
			t.Fatal(err)
		}
		if r := claim("k1", "h1"); r == nil || r.Status != 201 || r.Response != `{"id":1}` {
			t.Fatalf("claim after finish (and a release, which must not drop it): %+v", r)
		}
		claim("k2", "h1")
		if err := s.ReleaseIdempotencyKey(ctx, tok.ID, "k2"); err != nil {
			t.Fatal(err)
		}
		if r := claim("k2", "h1"); r != nil {
			t.Fatalf("claim after release: %+v; want ownership", r)
		}
		if n, err := s.DeleteExpiredIdempotencyKeys(ctx); err != nil || n != 0 {
			t.Fatalf("DeleteExpiredIdempotencyKeys on fresh keys: %d, %v", n, err)
		}
	})
}
