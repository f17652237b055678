package account

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"gorm.io/gorm/clause"
)

// setting is an instance-wide value shared by every Plaza process.
type setting struct {
	Key   string `gorm:"primaryKey"`
	Value string
}

// TableName is the table's name, which gorm would not guess from the
// unexported type's.
func (setting) TableName() string { return "settings" }

// SigningKey returns the key that signs links sent to followers, creating
// it on first use. Several instances starting at once agree on one key:
// the first insert wins and everyone reads it back.
func (s *Service) SigningKey(ctx context.Context) ([]byte, error) {
	return s.instanceKey(ctx, "signing_key")
}

// StoredSecretKey is the key that encrypts channel credentials when the
// configuration gives none. Kept beside the data it protects, it guards
// only against a leak of one table, which is why README says to set one.
func (s *Service) StoredSecretKey(ctx context.Context) ([]byte, error) {
	return s.instanceKey(ctx, "secret_key")
}

func (s *Service) instanceKey(ctx context.Context, name string) ([]byte, error) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	err := s.core.Conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&setting{Key: name, Value: hex.EncodeToString(b)}).Error
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", name, err)
	}
	var st setting
	if err := s.core.Conn(ctx).Where("key = ?", name).First(&st).Error; err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	key, err := hex.DecodeString(st.Value)
	if err != nil || len(key) < 32 {
		return nil, fmt.Errorf("%s in settings is malformed", name)
	}
	return key, nil
}

// InstanceValue returns the instance-wide value called name, making it
// with generate on first use; several instances starting at once agree on
// the first one written (the VAPID keys of Web Push).
func (s *Service) InstanceValue(ctx context.Context, name string, generate func() (string, error)) (string, error) {
	var st setting
	if err := s.core.Conn(ctx).Where("key = ?", name).Limit(1).Find(&st).Error; err != nil {
		return "", fmt.Errorf("read %s: %w", name, err)
	}
	if st.Key != "" {
		return st.Value, nil
	}
	v, err := generate()
	if err != nil {
		return "", fmt.Errorf("generate %s: %w", name, err)
	}
	if err := s.core.Conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&setting{Key: name, Value: v}).Error; err != nil {
		return "", fmt.Errorf("create %s: %w", name, err)
	}
	if err := s.core.Conn(ctx).Where("key = ?", name).First(&st).Error; err != nil {
		return "", fmt.Errorf("read %s: %w", name, err)
	}
	return st.Value, nil
}
