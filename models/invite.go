package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/plazahq/plaza/auth"
)

// InviteTTL is how long an invite link works.
const InviteTTL = 7 * 24 * time.Hour

// Invite is a one-time link that adds a person to an organization with a
// role. Only the hash of its token is stored.
type Invite struct {
	ID             int64
	OrganizationID int64
	Email          string
	Role           Role
	TokenHash      string `json:"-"`
	InvitedBy      *int64
	ExpiresAt      time.Time
	AcceptedAt     *time.Time
	AcceptedBy     *int64
	RevokedAt      *time.Time
	CreatedAt      time.Time
}

// ErrInviteUnusable covers an invite that was used, revoked or has expired;
// the person gets one clear message rather than a hint at which.
var ErrInviteUnusable = errors.New("invite link is not valid any more")

// ErrInviteForSomeoneElse is an invite opened by a signed-in person whose
// address is not the invited one: holding the link is not enough to take
// the place offered to someone else.
var ErrInviteForSomeoneElse = errors.New("invite is for another address")

// InviteIsFor reports whether inv invites u: the same address, whatever
// its capitals.
func InviteIsFor(inv *Invite, u *User) bool {
	want, _ := NormalizeEmail(inv.Email)
	got, _ := NormalizeEmail(u.Email)
	return want != "" && want == got
}

// CreateInvite makes an invite for email with role. Platform admins may
// invite into any organization (that is how the first owner arrives);
// otherwise the actor must be an owner of the organization. It returns the
// token, which is shown once and never stored.
func (s *Store) CreateInvite(ctx context.Context, actor *User, orgID int64, email string, role Role) (*Invite, string, error) {
	if !actor.IsAdmin {
		m, err := s.MemberOf(ctx, actor, orgID)
		if err != nil {
			return nil, "", err
		}
		if err := Require(m, PermManageStaff, orgID); err != nil {
			return nil, "", err
		}
	}
	var v ValidationError
	norm, ok := NormalizeEmail(email)
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
	inv := &Invite{
		OrganizationID: orgID, Email: norm, Role: role, TokenHash: auth.HashToken(token),
		InvitedBy: &actor.ID, ExpiresAt: s.Now().Add(InviteTTL),
	}
	err := s.Tx(ctx, func(tx *Store) error {
		if _, err := tx.OrganizationByID(ctx, orgID); err != nil {
			return err
		}
		if err := tx.conn(ctx).Create(inv).Error; err != nil {
			return fmt.Errorf("create invite: %w", err)
		}
		return tx.Audit(ctx, orgID, actor.ID, "staff.invite", norm, string(role))
	})
	if err != nil {
		return nil, "", err
	}
	return inv, token, nil
}

// InviteByToken finds a usable invite and its organization.
func (s *Store) InviteByToken(ctx context.Context, token string) (*Invite, *Organization, error) {
	if token == "" || len(token) > 100 {
		return nil, nil, ErrInviteUnusable
	}
	var inv Invite
	if err := s.conn(ctx).Where("token_hash = ?", auth.HashToken(token)).First(&inv).Error; err != nil {
		if e := notFound(err, "invite"); errors.Is(e, ErrNotFound) {
			return nil, nil, ErrInviteUnusable
		}
		return nil, nil, fmt.Errorf("find invite: %w", err)
	}
	if inv.AcceptedAt != nil || inv.RevokedAt != nil || !s.Now().Before(inv.ExpiresAt) {
		return nil, nil, ErrInviteUnusable
	}
	org, err := s.OrganizationByID(ctx, inv.OrganizationID)
	if err != nil {
		return nil, nil, err
	}
	return &inv, org, nil
}

// AcceptInvite spends the invite and adds user to its organization; user
// must have the invited address (ErrInviteForSomeoneElse otherwise). When
// user is nil a new account is created from newUser, with the invite's
// e-mail address whatever newUser says: the link was sent to that
// address. The invite is claimed with a conditional update, so two
// concurrent clicks cannot both succeed.
func (s *Store) AcceptInvite(ctx context.Context, token string, user *User, newUser *NewUser) (*User, *Organization, error) {
	inv, org, err := s.InviteByToken(ctx, token)
	if err != nil {
		return nil, nil, err
	}
	if user != nil && !InviteIsFor(inv, user) {
		return nil, nil, ErrInviteForSomeoneElse
	}
	err = s.Tx(ctx, func(tx *Store) error {
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
		now := s.Now()
		res := tx.conn(ctx).Model(&Invite{}).
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
		return tx.Audit(ctx, inv.OrganizationID, user.ID, "staff.join", user.Email, string(inv.Role))
	})
	if err != nil {
		return nil, nil, err
	}
	return user, org, nil
}

// PendingInvites lists the invites of an organization that can still be
// used.
func (s *Store) PendingInvites(ctx context.Context, orgID int64) ([]Invite, error) {
	var out []Invite
	err := s.conn(ctx).Where("organization_id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?",
		orgID, s.Now()).Order("created_at DESC").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("pending invites: %w", err)
	}
	return out, nil
}

// RevokeInvite cancels an invite that was not used yet; owners only.
func (s *Store) RevokeInvite(ctx context.Context, m *Member, inviteID int64) error {
	if err := Require(m, PermManageStaff, m.OrgID()); err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *Store) error {
		res := tx.conn(ctx).Model(&Invite{}).
			Where("id = ? AND organization_id = ? AND accepted_at IS NULL AND revoked_at IS NULL", inviteID, m.Org.ID).
			Update("revoked_at", s.Now())
		if res.Error != nil {
			return fmt.Errorf("revoke invite: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("invite %d: %w", inviteID, ErrNotFound)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "staff.invite_revoke", fmt.Sprint(inviteID), "")
	})
}
