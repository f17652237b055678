package org

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/plazahq/plaza/auth"
	"github.com/plazahq/plaza/models"
)

// InviteTTL is how long an invite link works.
const InviteTTL = 7 * 24 * time.Hour

// ErrInviteUnusable covers an invite that was used, revoked or has expired;
// the person gets one clear message rather than a hint at which.
var ErrInviteUnusable = errors.New("invite link is not valid any more")

// ErrInviteForSomeoneElse is an invite opened by a signed-in person whose
// address is not the invited one: holding the link is not enough to take
// the place offered to someone else.
var ErrInviteForSomeoneElse = errors.New("invite is for another address")

// InviteIsFor reports whether inv invites u: the same address, whatever
// its capitals.
func InviteIsFor(inv *models.Invite, u *models.User) bool {
	want, _ := models.NormalizeEmail(inv.Email)
	got, _ := models.NormalizeEmail(u.Email)
	return want != "" && want == got
}

// CreateInvite makes an invite for email with role. Platform admins may
// invite into any organization (that is how the first owner arrives);
// otherwise the actor must be an owner of the organization. It returns the
// token, which is shown once and never stored.
func (s *Service) CreateInvite(ctx context.Context, actor *models.User, orgID int64, email string, role models.Role) (*models.Invite, string, error) {
	if !actor.IsAdmin {
		m, err := s.MemberOf(ctx, actor, orgID)
		if err != nil {
			return nil, "", err
		}
		if err := models.Require(m, models.PermManageStaff, orgID); err != nil {
			return nil, "", err
		}
	}
	var v models.ValidationError
	norm, ok := models.NormalizeEmail(email)
	if !ok {
		v.Add("email", "err.email_invalid")
	}
	if !role.Valid() {
		v.Add("role", "err.choose_one")
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	token := auth.NewToken()
	inv := &models.Invite{
		OrganizationID: orgID, Email: norm, Role: role, TokenHash: auth.HashToken(token),
		InvitedBy: &actor.ID, ExpiresAt: s.core.Now().Add(InviteTTL),
	}
	err := s.core.Tx(ctx, func(c models.Core) error {
		if _, err := s.with(c).OrganizationByID(ctx, orgID); err != nil {
			return err
		}
		if err := c.Conn(ctx).Create(inv).Error; err != nil {
			return fmt.Errorf("create invite: %w", err)
		}
		return c.Audit(ctx, orgID, actor.ID, "staff.invite", norm, string(role))
	})
	if err != nil {
		return nil, "", err
	}
	return inv, token, nil
}

// InviteByToken finds a usable invite and its organization.
func (s *Service) InviteByToken(ctx context.Context, token string) (*models.Invite, *models.Organization, error) {
	if token == "" || len(token) > 100 {
		return nil, nil, ErrInviteUnusable
	}
	var inv models.Invite
	if err := s.core.Conn(ctx).Where("token_hash = ?", auth.HashToken(token)).First(&inv).Error; err != nil {
		if e := models.NotFound(err, "invite"); errors.Is(e, models.ErrNotFound) {
			return nil, nil, ErrInviteUnusable
		}
		return nil, nil, fmt.Errorf("find invite: %w", err)
	}
	if inv.AcceptedAt != nil || inv.RevokedAt != nil || !s.core.Now().Before(inv.ExpiresAt) {
		return nil, nil, ErrInviteUnusable
	}
	o, err := s.OrganizationByID(ctx, inv.OrganizationID)
	if err != nil {
		return nil, nil, err
	}
	return &inv, o, nil
}

// AcceptInvite spends the invite and adds user to its organization; user
// must have the invited address (ErrInviteForSomeoneElse otherwise). When
// user is nil a new account is created from newUser, with the invite's
// e-mail address whatever newUser says: the link was sent to that
// address. The invite is claimed with a conditional update, so two
// concurrent clicks cannot both succeed.
func (s *Service) AcceptInvite(ctx context.Context, token string, user *models.User, newUser *NewUser) (*models.User, *models.Organization, error) {
	inv, o, err := s.InviteByToken(ctx, token)
	if err != nil {
		return nil, nil, err
	}
	if user != nil && !InviteIsFor(inv, user) {
		return nil, nil, ErrInviteForSomeoneElse
	}
	err = s.core.Tx(ctx, func(c models.Core) error {
		tx := s.with(c)
		if user == nil {
			if newUser == nil {
				return errors.New("accept invite: no user given")
			}
			in := *newUser
			in.Email, in.IsAdmin = inv.Email, false
			u, err := tx.CreateUser(ctx, in)
			if err != nil {
				return err
			}
			user = u
		}
		now := s.core.Now()
		res := c.Conn(ctx).Model(&models.Invite{}).
			Where("id = ? AND accepted_at IS NULL AND revoked_at IS NULL", inv.ID).
			Updates(map[string]any{"accepted_at": now, "accepted_by": user.ID})
		if res.Error != nil {
			return fmt.Errorf("claim invite: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrInviteUnusable
		}
		if err := tx.addMember(ctx, inv.OrganizationID, user.ID, inv.Role); err != nil {
			return err
		}
		return c.Audit(ctx, inv.OrganizationID, user.ID, "staff.join", user.Email, string(inv.Role))
	})
	if err != nil {
		return nil, nil, err
	}
	return user, o, nil
}

// PendingInvites lists the invites of an organization that can still be
// used.
func (s *Service) PendingInvites(ctx context.Context, orgID int64) ([]models.Invite, error) {
	var out []models.Invite
	err := s.core.Conn(ctx).Where("organization_id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?",
		orgID, s.core.Now()).Order("created_at DESC").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("pending invites: %w", err)
	}
	return out, nil
}

// RevokeInvite cancels an invite that was not used yet; owners only.
func (s *Service) RevokeInvite(ctx context.Context, m *models.Member, inviteID int64) error {
	if err := models.Require(m, models.PermManageStaff, m.OrgID()); err != nil {
		return err
	}
	return s.core.Tx(ctx, func(tx models.Core) error {
		res := tx.Conn(ctx).Model(&models.Invite{}).
			Where("id = ? AND organization_id = ? AND accepted_at IS NULL AND revoked_at IS NULL", inviteID, m.Org.ID).
			Update("revoked_at", s.core.Now())
		if res.Error != nil {
			return fmt.Errorf("revoke invite: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("invite %d: %w", inviteID, models.ErrNotFound)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "staff.invite_revoke", fmt.Sprint(inviteID), "")
	})
}
