package org

import (
	"context"
	"fmt"
	"strings"

	"github.com/plazahq/plaza/auth"
	"github.com/plazahq/plaza/models"
)

// NewUser is the input to CreateUser.
type NewUser struct {
	Email    string
	Name     string
	Password string
	IsAdmin  bool
}

func (n *NewUser) validate() (string, error) {
	var v models.ValidationError
	email, ok := models.NormalizeEmail(n.Email)
	if !ok {
		v.Add("email", "err.email_invalid")
	}
	if len([]rune(n.Password)) < auth.MinPasswordLength {
		v.Add("password", "err.password_short")
	}
	if len(n.Password) > 1024 {
		v.Add("password", "err.password_long")
	}
	if len([]rune(n.Name)) > 100 {
		v.Add("name", "err.too_long")
	}
	return email, v.Err()
}

// CreateUser hashes the password and stores a new user. A taken e-mail
// address is a validation error on the email field.
func (s *Service) CreateUser(ctx context.Context, in NewUser) (*models.User, error) {
	email, err := in.validate()
	if err != nil {
		return nil, err
	}
	hash, err := auth.HashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	u := &models.User{Email: email, Name: strings.TrimSpace(in.Name), PasswordHash: hash, IsAdmin: in.IsAdmin}
	if err := s.core.Conn(ctx).Create(u).Error; err != nil {
		if models.IsUniqueViolation(err) {
			return nil, models.FieldError("email", "err.email_taken")
		}
		return nil, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// UserByID loads a user.
func (s *Service) UserByID(ctx context.Context, id int64) (*models.User, error) {
	var u models.User
	if err := s.core.Conn(ctx).First(&u, id).Error; err != nil {
		return nil, models.NotFound(err, "user")
	}
	return &u, nil
}

// UserByEmail loads a user by (normalized) e-mail address.
func (s *Service) UserByEmail(ctx context.Context, email string) (*models.User, error) {
	email, _ = models.NormalizeEmail(email)
	var u models.User
	if err := s.core.Conn(ctx).Where("email = ?", email).First(&u).Error; err != nil {
		return nil, models.NotFound(err, "user")
	}
	return &u, nil
}

// Authenticate checks an e-mail and password. Unknown addresses and wrong
// passwords give the same ErrNotFound, and both cost one hash, so the
// response time does not tell which addresses exist.
func (s *Service) Authenticate(ctx context.Context, email, password string) (*models.User, error) {
	u, err := s.UserByEmail(ctx, email)
	if err != nil {
		// Spend the same work as a real check.
		_, _ = auth.HashPassword(password)
		return nil, err
	}
	ok, err := auth.CheckPassword(u.PasswordHash, password)
	if err != nil {
		return nil, fmt.Errorf("check password of user %d: %w", u.ID, err)
	}
	if !ok {
		return nil, fmt.Errorf("password: %w", models.ErrNotFound)
	}
	now := s.core.Now()
	if err := s.core.Conn(ctx).Model(u).Update("last_login_at", now).Error; err != nil {
		return nil, fmt.Errorf("record login: %w", err)
	}
	u.LastLoginAt = &now
	return u, nil
}

// SetPassword replaces a user's password.
func (s *Service) SetPassword(ctx context.Context, userID int64, password string) error {
	if len([]rune(password)) < auth.MinPasswordLength {
		return models.FieldError("password", "err.password_short")
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	if err := s.core.Conn(ctx).Model(&models.User{}).Where("id = ?", userID).
		Updates(map[string]any{"password_hash": hash, "updated_at": s.core.Now()}).Error; err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	return nil
}

// CountAdmins tells whether a first platform admin still has to be created.
func (s *Service) CountAdmins(ctx context.Context) (int64, error) {
	var n int64
	if err := s.core.Conn(ctx).Model(&models.User{}).Where("is_admin = ?", true).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count admins: %w", err)
	}
	return n, nil
}

// ChangePassword replaces the user's password after checking the current
// one, and signs out every other browser of that user: whoever changes a
// password because it leaked wants the leak closed.
func (s *Service) ChangePassword(ctx context.Context, u *models.User, current, next, keepSession string) error {
	ok, err := auth.CheckPassword(u.PasswordHash, current)
	if err != nil {
		return fmt.Errorf("check password of user %d: %w", u.ID, err)
	}
	if !ok {
		return models.FieldError("current", "err.password_wrong")
	}
	if len(next) > 1024 {
		return models.FieldError("password", "err.password_long")
	}
	return s.core.Tx(ctx, func(c models.Core) error {
		if err := s.with(c).SetPassword(ctx, u.ID, next); err != nil {
			return err
		}
		err := c.Conn(ctx).Where("user_id = ? AND id <> ?", u.ID, auth.HashToken(keepSession)).Delete(&Session{}).Error
		if err != nil {
			return fmt.Errorf("end other sessions: %w", err)
		}
		return nil
	})
}
