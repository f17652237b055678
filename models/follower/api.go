package follower

import (
	"context"
	"fmt"

	"github.com/plazahq/plaza/models"
)

// APIFollowers pages through an account's followers by id, after the id
// after, with their tags; only those on channel when it is not "".
func (s *Service) APIFollowers(ctx context.Context, m *models.Member, a *models.Account, channel string, after int64, limit int) ([]models.Follower, error) {
	if err := models.Require(m, models.PermView, a.OrgID()); err != nil {
		return nil, err
	}
	var out []models.Follower
	q := s.core.Conn(ctx).Where("account_id = ? AND id > ?", a.ID, after)
	if channel != "" {
		q = q.Where("channel = ?", channel)
	}
	if err := q.Order("id").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("api followers: %w", err)
	}
	if err := s.loadTags(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// APIAddFollower adds an active follower whose consent the calling system
// vouches for, and reports whether it was new; an existing follower of the
// same address is returned unchanged. in is checked by Validate.
func (s *Service) APIAddFollower(ctx context.Context, m *models.Member, a *models.Account, in Input) (*models.Follower, bool, error) {
	if err := models.Require(m, models.PermManageFollowers, a.OrgID()); err != nil {
		return nil, false, err
	}
	in, err := Validate(in)
	if err != nil {
		return nil, false, err
	}
	if in.Channel == models.ChannelSMS {
		if in.Address, err = s.SMSNumber(ctx, a.ID, in.Address); err != nil {
			return nil, false, err
		}
	}
	var existing models.Follower
	if err := s.core.Conn(ctx).Where("account_id = ? AND channel = ? AND address = ?", a.ID, in.Channel, in.Address).Limit(1).Find(&existing).Error; err != nil {
		return nil, false, fmt.Errorf("find follower: %w", err)
	}
	if existing.ID != 0 {
		existing.Tags, _ = s.tagsOf(ctx, existing.ID)
		return &existing, false, nil
	}
	lang := in.Language
	if lang == "" {
		lang = models.AccountDefaultLang(a)
	} else if !a.HasLanguage(lang) {
		return nil, false, models.FieldError("language", "err.not_account_language")
	}
	f, err := s.SeedFollower(ctx, a.ID, in.Channel, in.Address, in.Name, lang, in.Tags, 0, "")
	if err != nil {
		return nil, false, err
	}
	if err := s.core.Conn(ctx).Model(&models.Follower{}).Where("id = ?", f.ID).Update("source", "api").Error; err != nil {
		return nil, false, fmt.Errorf("mark follower source: %w", err)
	}
	f.Source = "api"
	f.Tags = in.Tags
	return f, true, nil
}

// APIFollower loads a follower of the member's organization with its tags,
// and its account; the API names followers by id alone. A follower of
// another organization is ErrNotFound, as a missing one is, so the API
// does not reveal what other organizations hold; any other failure comes
// back as it is, so that the caller answers "try again" rather than
// telling an integration its follower is gone.
func (s *Service) APIFollower(ctx context.Context, m *models.Member, id int64) (*models.Account, *models.Follower, error) {
	if err := models.Require(m, models.PermView, m.OrgID()); err != nil {
		return nil, nil, err
	}
	var f models.Follower
	if err := s.core.Conn(ctx).First(&f, id).Error; err != nil {
		return nil, nil, models.NotFound(err, "follower")
	}
	// The account is the accounts domain's row, read through it; Require
	// then answers a follower of another organization as a missing one.
	a, err := s.accounts.AccountByID(ctx, f.AccountID)
	if err != nil {
		return nil, nil, err
	}
	if err := models.Require(m, models.PermView, a.OrgID()); err != nil {
		return nil, nil, fmt.Errorf("follower: %w", err)
	}
	if f.Tags, err = s.tagsOf(ctx, f.ID); err != nil {
		return nil, nil, err
	}
	return a, &f, nil
}
