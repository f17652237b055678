package models

import (
	"context"
	"fmt"
	"strings"
)

// APINotices pages through an account's notices for the API, newest
// first, after the notice id before (0: from the newest).
func (s *Store) APINotices(ctx context.Context, m *Member, a *Account, status string, before int64, limit int) ([]Notice, error) {
	if err := Require(m, PermView, a.OrgID()); err != nil {
		return nil, err
	}
	q := s.conn(ctx).Where("account_id = ?", a.ID)
	if status != "" {
		q = q.Where("status = ?", status)
	}
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	var out []Notice
	if err := q.Order("id DESC").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("api notices: %w", err)
	}
	return out, nil
}

// APIFollowers pages through an account's followers by id, after the id
// after, with their tags.
func (s *Store) APIFollowers(ctx context.Context, m *Member, a *Account, after int64, limit int) ([]Follower, error) {
	if err := Require(m, PermView, a.OrgID()); err != nil {
		return nil, err
	}
	var out []Follower
	if err := s.conn(ctx).Where("account_id = ? AND id > ?", a.ID, after).Order("id").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("api followers: %w", err)
	}
	if err := s.loadTags(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// APIAddFollower adds an active follower whose consent the calling system
// vouches for, and reports whether it was new; an existing follower of the
// same address is returned unchanged.
func (s *Store) APIAddFollower(ctx context.Context, m *Member, a *Account, channel, address, name, language string, tags []string) (*Follower, bool, error) {
	if err := Require(m, PermManageFollowers, a.OrgID()); err != nil {
		return nil, false, err
	}
	var v ValidationError
	address, name = strings.TrimSpace(address), strings.TrimSpace(name)
	switch channel {
	case ChannelEmail:
		if e, ok := NormalizeEmail(address); ok {
			address = e
		} else {
			v.Add("address", "err.email_invalid")
		}
	case ChannelWebhook:
		if address == "" || len(address) > 200 || strings.ContainsAny(address, "\r\n\x00") {
			v.Add("address", "err.required")
		}
	default:
		v.Add("channel", "err.choose_one")
	}
	if language == "" {
		language = "en"
	}
	if language != "en" && language != "zh" {
		v.Add("language", "err.choose_one")
	}
	if len([]rune(name)) > 200 {
		v.Add("name", "err.too_long")
	}
	clean, bad := NormalizeTags(tags)
	if bad != "" {
		v.Add("tags", "err.tag_format")
	}
	if err := v.Err(); err != nil {
		return nil, false, err
	}
	var existing Follower
	if err := s.conn(ctx).Where("account_id = ? AND channel = ? AND address = ?", a.ID, channel, address).Limit(1).Find(&existing).Error; err != nil {
		return nil, false, fmt.Errorf("find follower: %w", err)
	}
	if existing.ID != 0 {
		existing.Tags, _ = s.tagsOf(ctx, existing.ID)
		return &existing, false, nil
	}
	f, err := s.SeedFollower(ctx, a.ID, channel, address, name, language, clean, 0, "")
	if err != nil {
		return nil, false, err
	}
	if err := s.conn(ctx).Model(&Follower{}).Where("id = ?", f.ID).Update("source", "api").Error; err != nil {
		return nil, false, fmt.Errorf("mark follower source: %w", err)
	}
	f.Source = "api"
	f.Tags = clean
	return f, true, nil
}
