package channel

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/plazahq/plaza/database"
)

type chatToken struct {
	Key       string `gorm:"primaryKey"`
	Token     string
	ExpiresAt time.Time
	UpdatedAt time.Time
}

func (chatToken) TableName() string { return "chat_tokens" }

// readToken returns the stored, unexpired token for key, decrypted.
func (s *Service) readToken(db *gorm.DB, key string, lock bool) (string, error) {
	q := "SELECT key, token, expires_at, updated_at FROM chat_tokens WHERE key = ?"
	if lock && s.core.Dialect() == database.Postgres {
		q += " FOR UPDATE"
	}
	var t chatToken
	err := db.Raw(q, key).Scan(&t).Error
	if err != nil {
		return "", fmt.Errorf("read access token: %w", err)
	}
	if t.Token == "" || !t.ExpiresAt.After(s.core.Now()) {
		return "", nil
	}
	raw, err := s.open(t.Token)
	if err != nil {
		return "", err
	}
	return string(raw), nil
}

// AccessToken returns a chat platform's access token for key, shared by
// every instance on the database. A token is fetched when none is stored,
// the stored one has expired, or it is stale (the caller was just refused
// with it). The row is locked while fetching, so instances that find the
// token missing at the same moment fetch it once: the others wait and
// take the new one.
func (s *Service) AccessToken(ctx context.Context, key, stale string, fetch func(context.Context) (string, time.Duration, error)) (string, error) {
	if tok, err := s.readToken(s.core.Conn(ctx), key, false); err != nil || (tok != "" && tok != stale) {
		return tok, err
	}
	var out string
	err := s.core.Conn(ctx).Transaction(func(db *gorm.DB) error {
		// The insert makes a row to lock the first time (on SQLite it takes
		// the database's write lock, which serializes the same way).
		if err := db.Exec(`INSERT INTO chat_tokens (key, token, expires_at, updated_at) VALUES (?, '', ?, ?)
			ON CONFLICT (key) DO NOTHING`, key, time.Unix(0, 0).UTC(), s.core.Now()).Error; err != nil {
			return fmt.Errorf("access token row: %w", err)
		}
		tok, err := s.readToken(db, key, true)
		if err != nil {
			return err
		}
		if tok != "" && tok != stale {
			out = tok
			return nil
		}
		tok, ttl, err := fetch(ctx)
		if err != nil {
			return fmt.Errorf("fetch access token: %w", err)
		}
		if tok == "" {
			return errors.New("fetch access token: empty token")
		}
		sealed, err := s.seal([]byte(tok))
		if err != nil {
			return err
		}
		now := s.core.Now()
		if err := db.Exec("UPDATE chat_tokens SET token = ?, expires_at = ?, updated_at = ? WHERE key = ?",
			sealed, now.Add(ttl), now, key).Error; err != nil {
			return fmt.Errorf("store access token: %w", err)
		}
		out = tok
		return nil
	})
	return out, err
}
