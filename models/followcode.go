package models

import (
	"context"
	"crypto/rand"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// FollowCode is a named QR code of an account: its short link /q/{code}
// opens the follow page with the code's scene.
type FollowCode struct {
	ID        int64
	AccountID int64
	Code      string
	Name      string
	Scene     string
	ExpiresAt *time.Time
	CreatedBy *int64
	CreatedAt time.Time
}

// Expired reports whether the code no longer leads to the follow page.
func (c *FollowCode) Expired(now time.Time) bool {
	return c.ExpiresAt != nil && !now.Before(*c.ExpiresAt)
}

// Scan is one opening of a follow code's link.
type Scan struct {
	ID        int64
	CodeID    int64
	Device    string
	CreatedAt time.Time
}

// FollowCodeByCode loads a code by its short code.
func (s *Store) FollowCodeByCode(ctx context.Context, code string) (*FollowCode, error) {
	code = strings.ToLower(code)
	if code == "" || len(code) > 32 {
		return nil, fmt.Errorf("follow code: %w", ErrNotFound)
	}
	var c FollowCode
	if err := s.conn(ctx).Where("code = ?", code).First(&c).Error; err != nil {
		return nil, notFound(err, "follow code")
	}
	return &c, nil
}

// RecordScan counts one scan of code from a device class (phone, tablet,
// desktop, bot, other). No address or identifier of the visitor is kept.
func (s *Store) RecordScan(ctx context.Context, codeID int64, device string) error {
	if err := s.conn(ctx).Create(&Scan{CodeID: codeID, Device: device, CreatedAt: s.Now()}).Error; err != nil {
		return fmt.Errorf("record scan: %w", err)
	}
	return nil
}

// DeviceClass turns a User-Agent into a coarse class, the only thing about
// the visitor a scan keeps.
func DeviceClass(userAgent string) string {
	ua := strings.ToLower(userAgent)
	switch {
	case ua == "":
		return "other"
	case strings.Contains(ua, "bot") || strings.Contains(ua, "spider") || strings.Contains(ua, "crawl") ||
		strings.Contains(ua, "curl/") || strings.Contains(ua, "wget/") || strings.Contains(ua, "python-"):
		return "bot"
	case strings.Contains(ua, "ipad") || strings.Contains(ua, "tablet") ||
		(strings.Contains(ua, "android") && !strings.Contains(ua, "mobile")):
		return "tablet"
	case strings.Contains(ua, "mobile") || strings.Contains(ua, "iphone") || strings.Contains(ua, "android") ||
		strings.Contains(ua, "micromessenger"):
		return "phone"
	case strings.Contains(ua, "windows") || strings.Contains(ua, "macintosh") || strings.Contains(ua, "x11") ||
		strings.Contains(ua, "linux") || strings.Contains(ua, "cros"):
		return "desktop"
	}
	return "other"
}

// FollowCodeInput is what staff fill in to make a follow code.
type FollowCodeInput struct {
	Name      string
	Scene     string
	ExpiresAt *time.Time
}

var sceneRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// CreateFollowCode makes a new code for the account. The scene is the
// label a follow carries (which poster, which stop); it is unique per
// account so per-scene counts stay meaningful.
func (s *Store) CreateFollowCode(ctx context.Context, m *Member, a *Account, in FollowCodeInput) (*FollowCode, error) {
	if !m.Can(PermWrite) || a.OrganizationID != m.Org.ID {
		return nil, ErrForbidden
	}
	var v ValidationError
	in.Name = strings.TrimSpace(in.Name)
	in.Scene = strings.ToLower(strings.TrimSpace(in.Scene))
	switch n := len([]rune(in.Name)); {
	case n == 0:
		v.Add("name", "err.required")
	case n > 100:
		v.Add("name", "err.too_long")
	}
	if !sceneRE.MatchString(in.Scene) {
		v.Add("scene", "err.scene_format")
	}
	if in.ExpiresAt != nil && !in.ExpiresAt.After(s.Now()) {
		v.Add("expires_at", "err.expiry_past")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	c := &FollowCode{AccountID: a.ID, Name: in.Name, Scene: in.Scene, ExpiresAt: in.ExpiresAt, CreatedBy: &m.User.ID, CreatedAt: s.Now()}
	err := s.Tx(ctx, func(tx *Store) error {
		var taken int64
		if err := tx.conn(ctx).Model(&FollowCode{}).Where("account_id = ? AND scene = ?", a.ID, in.Scene).Count(&taken).Error; err != nil {
			return fmt.Errorf("check scene: %w", err)
		}
		if taken > 0 {
			return FieldError("scene", "err.scene_taken")
		}
		c.Code = newShortCode()
		if err := tx.conn(ctx).Create(c).Error; err != nil {
			return fmt.Errorf("create follow code: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "code.create", "@"+a.Handle, in.Scene)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// newShortCode is 10 characters from an alphabet without look-alikes:
// about 50 bits, so codes cannot be guessed or collide in practice.
func newShortCode() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// FollowCodeByScene loads an account's code for a scene.
func (s *Store) FollowCodeByScene(ctx context.Context, accountID int64, scene string) (*FollowCode, error) {
	var c FollowCode
	if err := s.conn(ctx).Where("account_id = ? AND scene = ?", accountID, scene).First(&c).Error; err != nil {
		return nil, notFound(err, "follow code")
	}
	return &c, nil
}
