package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/plazahq/plaza/auth"
	"github.com/plazahq/plaza/models/followerimport"
)

// User is a staff member (or a platform admin) who signs in to the studio.
type User struct {
	ID           int64
	Email        string
	Name         string
	PasswordHash string `json:"-"`
	IsAdmin      bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
	LastLoginAt  *time.Time
}

// DisplayName is the name, or the e-mail address when no name is set.
func (u *User) DisplayName() string {
	if u.Name != "" {
		return u.Name
	}
	return u.Email
}

// NormalizeEmail lower-cases and trims an address and checks its form.
// The rule is followerimport's, so that an imported address and a typed
// one are the same address.
func NormalizeEmail(s string) (string, bool) { return followerimport.NormalizeEmail(s) }

// NewUser is the input to CreateUser.
type NewUser struct {
	Email    string
	Name     string
	Password string
	IsAdmin  bool
}

func (n *NewUser) validate() (string, error) {
	var v ValidationError
	email, ok := NormalizeEmail(n.Email)
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
func (s *Store) CreateUser(ctx context.Context, in NewUser) (*User, error) {
	email, err := in.validate()
	if err != nil {
		return nil, err
	}
	hash, err := auth.HashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	u := &User{Email: email, Name: strings.TrimSpace(in.Name), PasswordHash: hash, IsAdmin: in.IsAdmin}
	if err := s.conn(ctx).Create(u).Error; err != nil {
		if isUniqueViolation(err) {
			return nil, FieldError("email", "err.email_taken")
		}
		return nil, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// UserByID loads a user.
func (s *Store) UserByID(ctx context.Context, id int64) (*User, error) {
	var u User
	if err := s.conn(ctx).First(&u, id).Error; err != nil {
		return nil, notFound(err, "user")
	}
	return &u, nil
}

// UserByEmail loads a user by (normalized) e-mail address.
func (s *Store) UserByEmail(ctx context.Context, email string) (*User, error) {
	email, _ = NormalizeEmail(email)
	var u User
	if err := s.conn(ctx).Where("email = ?", email).First(&u).Error; err != nil {
		return nil, notFound(err, "user")
	}
	return &u, nil
}

// Authenticate checks an e-mail and password. Unknown addresses and wrong
// passwords give the same ErrNotFound, and both cost one hash, so the
// response time does not tell which addresses exist.
func (s *Store) Authenticate(ctx context.Context, email, password string) (*User, error) {
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
		return nil, fmt.Errorf("password: %w", ErrNotFound)
	}
	now := s.Now()
	if err := s.conn(ctx).Model(u).Update("last_login_at", now).Error; err != nil {
		return nil, fmt.Errorf("record login: %w", err)
	}
	u.LastLoginAt = &now
	return u, nil
}

// SetPassword replaces a user's password.
func (s *Store) SetPassword(ctx context.Context, userID int64, password string) error {
	if len([]rune(password)) < auth.MinPasswordLength {
		return FieldError("password", "err.password_short")
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	if err := s.conn(ctx).Model(&User{}).Where("id = ?", userID).
		Updates(map[string]any{"password_hash": hash, "updated_at": s.Now()}).Error; err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	return nil
}

// CountAdmins tells whether a first platform admin still has to be created.
func (s *Store) CountAdmins(ctx context.Context) (int64, error) {
	var n int64
	if err := s.conn(ctx).Model(&User{}).Where("is_admin = ?", true).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count admins: %w", err)
	}
	return n, nil
}

// ChangePassword replaces the user's password after checking the current
// one, and signs out every other browser of that user: whoever changes a
// password because it leaked wants the leak closed.
func (s *Store) ChangePassword(ctx context.Context, u *User, current, next, keepSession string) error {
	ok, err := auth.CheckPassword(u.PasswordHash, current)
	if err != nil {
		return fmt.Errorf("check password of user %d: %w", u.ID, err)
	}
	if !ok {
		return FieldError("current", "err.password_wrong")
	}
	if len(next) > 1024 {
		return FieldError("password", "err.password_long")
	}
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.SetPassword(ctx, u.ID, next); err != nil {
			return err
		}
		err := tx.conn(ctx).Where("user_id = ? AND id <> ?", u.ID, auth.HashToken(keepSession)).Delete(&Session{}).Error
		if err != nil {
			return fmt.Errorf("end other sessions: %w", err)
		}
		return nil
	})
}
