package org

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/plazahq/plaza/auth"
	"github.com/plazahq/plaza/models"
)

// SessionTTL is how long a staff sign-in lasts.
const SessionTTL = 14 * 24 * time.Hour

// Session is a signed-in browser. Sessions live in the database so that
// every instance behind a load balancer sees the same ones; the id is the
// hash of the cookie's token.
type Session struct {
	ID        string
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
	UserAgent string
}

// CreateSession starts a session for user and returns the cookie token.
func (s *Service) CreateSession(ctx context.Context, userID int64, userAgent string) (string, *Session, error) {
	token := auth.NewToken()
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	// A header may hold any bytes, and the cut may split a character;
	// PostgreSQL stores only valid UTF-8.
	userAgent = strings.ToValidUTF8(userAgent, "")
	now := s.core.Now()
	sess := &Session{ID: auth.HashToken(token), UserID: userID, CreatedAt: now, ExpiresAt: now.Add(SessionTTL), UserAgent: userAgent}
	if err := s.core.Conn(ctx).Create(sess).Error; err != nil {
		return "", nil, fmt.Errorf("create session: %w", err)
	}
	return token, sess, nil
}

// SessionUser resolves a cookie token to its user; expired and unknown
// tokens give ErrNotFound.
func (s *Service) SessionUser(ctx context.Context, token string) (*models.User, error) {
	if token == "" || len(token) > 100 {
		return nil, fmt.Errorf("session: %w", models.ErrNotFound)
	}
	var u models.User
	err := s.core.Conn(ctx).Table("users").Select("users.*").
		Joins("JOIN sessions ON sessions.user_id = users.id").
		Where("sessions.id = ? AND sessions.expires_at > ?", auth.HashToken(token), s.core.Now()).
		Take(&u).Error
	if err != nil {
		return nil, models.NotFound(err, "session")
	}
	return &u, nil
}

// DeleteSession signs a browser out.
func (s *Service) DeleteSession(ctx context.Context, token string) error {
	if err := s.core.Conn(ctx).Where("id = ?", auth.HashToken(token)).Delete(&Session{}).Error; err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes sessions past their expiry.
func (s *Service) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	res := s.core.Conn(ctx).Where("expires_at <= ?", s.core.Now()).Delete(&Session{})
	if res.Error != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", res.Error)
	}
	return res.RowsAffected, nil
}
