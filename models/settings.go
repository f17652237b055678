package models

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"gorm.io/gorm/clause"
)

// Setting is an instance-wide value shared by every Plaza process.
type Setting struct {
	Key   string `gorm:"primaryKey"`
	Value string
}

// SigningKey returns the key that signs links sent to followers, creating
// it on first use. Several instances starting at once agree on one key:
// the first insert wins and everyone reads it back.
func (s *Store) SigningKey(ctx context.Context) ([]byte, error) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	err := s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&Setting{Key: "signing_key", Value: hex.EncodeToString(b)}).Error
	if err != nil {
		return nil, fmt.Errorf("create signing key: %w", err)
	}
	var st Setting
	if err := s.conn(ctx).Where("key = ?", "signing_key").First(&st).Error; err != nil {
		return nil, fmt.Errorf("read signing key: %w", err)
	}
	key, err := hex.DecodeString(st.Value)
	if err != nil || len(key) < 32 {
		return nil, fmt.Errorf("signing key in settings is malformed")
	}
	return key, nil
}
