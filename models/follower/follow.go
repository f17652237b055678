package follower

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"gorm.io/gorm/clause"

	"github.com/plazahq/plaza/jobs"
	"github.com/plazahq/plaza/models"
)

// FollowRequest is a person asking to follow an account on a channel.
type FollowRequest struct {
	AccountID int64
	Channel   string
	Address   string
	Language  string
	Scene     string
	CodeID    *int64
	Topics    []string
	// Area is where they want alerts for (the zero choice: everything).
	Area AreaChoice
	// Client is who asks (clientOf on the web), for FollowPerClient.
	Client string
}

// ErrChannelDisabled means the account does not offer that channel.
var ErrChannelDisabled = errors.New("channel not enabled for this account")

// RequestFollow starts a double opt-in follow by e-mail: the follower is
// pending until they confirm from the message enqueued here. Asking again
// re-sends the confirmation; an active follower is left alone, and the
// answer is the same either way so the page does not reveal who follows.
// Every request counts against the client's and the typed address's
// limits (a LimitError past them), valid or not.
func (s *Service) RequestFollow(ctx context.Context, req FollowRequest) (*models.Follower, error) {
	lim := s.limits
	if req.Client != "" {
		if err := s.core.TakeLimit(ctx, lim.FollowPerClient, req.Client); err != nil {
			return nil, err
		}
	}
	if err := s.core.TakeLimit(ctx, lim.FollowPerAddress, models.AddressSubject(req.Address)); err != nil {
		return nil, err
	}
	var v models.ValidationError
	addr, ok := models.NormalizeEmail(req.Address)
	if !ok {
		v.Add("address", "err.email_invalid")
	}
	if _, err := req.Area.Clean(); err != nil {
		if av, ok := models.AsValidation(err); ok {
			for f, k := range av.Fields {
				v.Add(f, k)
			}
		}
	}
	a, err := s.accounts.AccountByID(ctx, req.AccountID)
	if err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	// One of the account's languages; anything else gets its default.
	req.Language = a.FollowerLang(req.Language)
	if on, err := s.channels.ChannelEnabled(ctx, a.ID, models.ChannelEmail); err != nil {
		return nil, err
	} else if !on {
		return nil, ErrChannelDisabled
	}
	source := "web"
	if req.CodeID != nil {
		source = "qr"
	}
	var f models.Follower
	err = s.tx(ctx, func(tx *Service) error {
		now := tx.core.Now()
		// Insert or find: two requests for a new address at the same moment
		// meet at the unique key, and the second one sees the first's row.
		f = models.Follower{AccountID: a.ID, Channel: models.ChannelEmail, Address: addr, Language: req.Language,
			Status: models.StatusPending, Source: source, Scene: req.Scene, CodeID: req.CodeID, ConsentAt: &now}
		res := tx.core.Conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&f)
		if res.Error != nil {
			return fmt.Errorf("create follower: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			f = models.Follower{}
			err := tx.core.Conn(ctx).Where("account_id = ? AND channel = ? AND address = ?", a.ID, models.ChannelEmail, addr).First(&f).Error
			if err != nil {
				return fmt.Errorf("find follower: %w", err)
			}
			if f.Status == models.StatusActive || f.Status == models.StatusBlocked {
				return nil
			}
			err = tx.core.Conn(ctx).Model(&f).Updates(map[string]any{
				"status": models.StatusPending, "language": req.Language, "scene": req.Scene, "code_id": req.CodeID,
				"consent_at": now, "updated_at": now,
			}).Error
			if err != nil {
				return fmt.Errorf("renew follow request: %w", err)
			}
		}
		if err := tx.setTopics(ctx, f.ID, a, req.Topics); err != nil {
			return err
		}
		if err := tx.setArea(ctx, &f, a, req.Area); err != nil {
			return err
		}
		return tx.enqueue(ctx, jobs.FollowerMail{FollowerID: f.ID, Template: jobs.MailConfirm})
	})
	if err != nil {
		return nil, err
	}
	return &f, nil
}

func intersect(want, allowed []string) []string {
	ok := map[string]bool{}
	for _, t := range allowed {
		ok[t] = true
	}
	var out []string
	for _, t := range want {
		if ok[t] {
			out = append(out, t)
			delete(ok, t)
		}
	}
	return out
}

// ConfirmFollow activates a pending follower (the second step of double
// opt-in), records the follow and enqueues the welcome message. Confirming
// twice is harmless.
func (s *Service) ConfirmFollow(ctx context.Context, followerID int64) (*models.Follower, error) {
	var f models.Follower
	err := s.tx(ctx, func(tx *Service) error {
		if err := tx.core.Conn(ctx).First(&f, followerID).Error; err != nil {
			return models.NotFound(err, "follower")
		}
		now := tx.core.Now()
		moved, err := tx.moveFollower(ctx, &f, []string{models.StatusPending}, map[string]any{
			"status": models.StatusActive, "confirmed_at": now, "unsubscribed_at": nil, "updated_at": now,
		})
		if err != nil {
			return err
		}
		if !moved {
			if f.Status == models.StatusActive {
				return nil
			}
			return models.ErrLinkUsed
		}
		f.Status, f.ConfirmedAt = models.StatusActive, &now
		if err := tx.recordEvent(ctx, &f, "follow"); err != nil {
			return err
		}
		return tx.enqueue(ctx, jobs.FollowerMail{FollowerID: f.ID, Template: jobs.MailWelcome})
	})
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// moveFollower changes the follower's status with one conditional UPDATE
// that applies only while the status is one of from, so two changes racing
// (a person and a mail scanner confirming, a confirm and an unsubscribe)
// cannot both act on the same old status. It reports whether this call
// made the change, and otherwise reloads f to show what won.
func (s *Service) moveFollower(ctx context.Context, f *models.Follower, from []string, updates map[string]any) (bool, error) {
	res := s.core.Conn(ctx).Model(&models.Follower{}).Where("id = ? AND status IN ?", f.ID, from).Updates(updates)
	if res.Error != nil {
		return false, fmt.Errorf("change follower %d: %w", f.ID, res.Error)
	}
	if res.RowsAffected == 1 {
		return true, nil
	}
	if err := s.core.Conn(ctx).First(f, f.ID).Error; err != nil {
		return false, models.NotFound(err, "follower")
	}
	return false, nil
}

// endFollow moves an active or pending follower to status (unsubscribed,
// bounced), recording an unfollow when they were active. It reports whether
// anything changed.
func (s *Service) endFollow(ctx context.Context, f *models.Follower, status string, updates map[string]any) (bool, error) {
	updates["status"] = status
	wasActive, err := s.moveFollower(ctx, f, []string{models.StatusActive}, updates)
	if err != nil {
		return false, err
	}
	if wasActive {
		f.Status = status
		return true, s.recordEvent(ctx, f, "unfollow")
	}
	moved, err := s.moveFollower(ctx, f, []string{models.StatusPending}, updates)
	if moved {
		f.Status = status
	}
	return moved, err
}

func (s *Service) recordEvent(ctx context.Context, f *models.Follower, kind string) error {
	return s.recordEventAt(ctx, f, kind, s.core.Now())
}

// recordEventAt records an event that happened at a given time (a seeded
// follow in the past).
func (s *Service) recordEventAt(ctx context.Context, f *models.Follower, kind string, at time.Time) error {
	id := f.ID
	e := &models.FollowEvent{AccountID: f.AccountID, FollowerID: &id, CodeID: f.CodeID, Channel: f.Channel, Kind: kind, CreatedAt: at}
	if err := s.core.Conn(ctx).Create(e).Error; err != nil {
		return fmt.Errorf("record %s: %w", kind, err)
	}
	return nil
}

// Unsubscribe stops every message to the follower. It is idempotent, so a
// mail provider's one-click POST and the person's own click can both land.
func (s *Service) Unsubscribe(ctx context.Context, followerID int64) (*models.Follower, error) {
	var f models.Follower
	err := s.tx(ctx, func(tx *Service) error {
		if err := tx.core.Conn(ctx).First(&f, followerID).Error; err != nil {
			return models.NotFound(err, "follower")
		}
		now := tx.core.Now()
		moved, err := tx.endFollow(ctx, &f, models.StatusUnsubscribed, map[string]any{"unsubscribed_at": now, "updated_at": now})
		if moved {
			f.UnsubscribedAt = &now
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// FollowerByID loads a follower with its tags and chosen districts.
func (s *Service) FollowerByID(ctx context.Context, id int64) (*models.Follower, error) {
	var f models.Follower
	if err := s.core.Conn(ctx).First(&f, id).Error; err != nil {
		return nil, models.NotFound(err, "follower")
	}
	tags, err := s.tagsOf(ctx, id)
	if err != nil {
		return nil, err
	}
	f.Tags = tags
	if f.AreaMode == models.AreaDistricts {
		if f.Districts, err = s.districtsOf(ctx, id); err != nil {
			return nil, err
		}
	}
	return &f, nil
}

func (s *Service) tagsOf(ctx context.Context, followerID int64) ([]string, error) {
	var tags []string
	err := s.core.Conn(ctx).Model(&models.FollowerTag{}).Where("follower_id = ?", followerID).Order("tag").Pluck("tag", &tags).Error
	if err != nil {
		return nil, fmt.Errorf("tags of follower %d: %w", followerID, err)
	}
	return tags, nil
}

// setTags replaces a follower's tags.
func (s *Service) setTags(ctx context.Context, followerID int64, tags []string) error {
	if err := s.core.Conn(ctx).Where("follower_id = ?", followerID).Delete(&models.FollowerTag{}).Error; err != nil {
		return fmt.Errorf("clear tags: %w", err)
	}
	if len(tags) == 0 {
		return nil
	}
	rows := make([]models.FollowerTag, len(tags))
	for i, t := range tags {
		rows[i] = models.FollowerTag{FollowerID: followerID, Tag: t}
	}
	if err := s.core.Conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error; err != nil {
		return fmt.Errorf("set tags: %w", err)
	}
	return nil
}

// setTopics sets which of the account's topics the follower chose. Tags
// that are not topics were set by staff (donor, vip) and are kept.
func (s *Service) setTopics(ctx context.Context, followerID int64, a *models.Account, chosen []string) error {
	current, err := s.tagsOf(ctx, followerID)
	if err != nil {
		return err
	}
	offered := a.TopicList()
	tags := intersect(chosen, offered)
	for _, t := range current {
		if !slices.Contains(offered, t) {
			tags = append(tags, t)
		}
	}
	sort.Strings(tags)
	return s.setTags(ctx, followerID, tags)
}

// UpdatePreferences is the follower's own change of topics, language
// and, when area is not nil, where they want alerts for, from their
// signed preferences link.
func (s *Service) UpdatePreferences(ctx context.Context, followerID int64, language string, topics []string, area *AreaChoice) (*models.Follower, error) {
	f, err := s.FollowerByID(ctx, followerID)
	if err != nil {
		return nil, err
	}
	a, err := s.accounts.AccountByID(ctx, f.AccountID)
	if err != nil {
		return nil, err
	}
	// One of the account's languages, as on the follow page; "zh" is
	// what pages from before language tags post.
	if language == "zh" {
		language = "zh-Hans"
	}
	language = a.FollowerLang(language)
	err = s.tx(ctx, func(tx *Service) error {
		if err := tx.core.Conn(ctx).Model(&models.Follower{}).Where("id = ?", f.ID).
			Updates(map[string]any{"language": language, "updated_at": tx.core.Now()}).Error; err != nil {
			return fmt.Errorf("update preferences: %w", err)
		}
		if area != nil {
			if err := tx.setArea(ctx, f, a, *area); err != nil {
				return err
			}
		}
		return tx.setTopics(ctx, f.ID, a, topics)
	})
	if err != nil {
		return nil, err
	}
	return s.FollowerByID(ctx, followerID)
}

// SeedFollower adds an active follower who consented elsewhere (the demo
// uses it), recording the follow like any other. It sends nothing. An
// existing follower of the same address is returned unchanged. A codeID
// other than 0 credits the follow to that follow code and its scene.
func (s *Service) SeedFollower(ctx context.Context, accountID int64, channel, address, name, language string, tags []string, codeID int64, scene string) (*models.Follower, error) {
	return s.SeedFollowerAt(ctx, time.Time{}, accountID, channel, address, name, language, tags, codeID, scene)
}

// SeedFollowerAt is SeedFollower for a follow made at a past time: the
// follower, its consent and its follow event carry that time, so a demo's
// growth chart and follower list show weeks of follows rather than one
// minute. A zero time is now.
func (s *Service) SeedFollowerAt(ctx context.Context, at time.Time, accountID int64, channel, address, name, language string, tags []string, codeID int64, scene string) (*models.Follower, error) {
	var f models.Follower
	err := s.tx(ctx, func(tx *Service) error {
		err := tx.core.Conn(ctx).Where("account_id = ? AND channel = ? AND address = ?", accountID, channel, address).Limit(1).Find(&f).Error
		if err != nil || f.ID != 0 {
			return err
		}
		now := tx.core.Now()
		if !at.IsZero() && at.Before(now) {
			now = at.UTC()
		}
		f = models.Follower{AccountID: accountID, Channel: channel, Address: address, Name: name, Language: language,
			Status: models.StatusActive, Source: "import", ConsentAt: &now, ConfirmedAt: &now, CreatedAt: now, UpdatedAt: now}
		if codeID != 0 {
			f.CodeID, f.Scene, f.Source = &codeID, scene, "qr"
		}
		if err := tx.core.Conn(ctx).Create(&f).Error; err != nil {
			return fmt.Errorf("seed follower: %w", err)
		}
		if err := tx.setTags(ctx, f.ID, tags); err != nil {
			return err
		}
		return tx.recordEventAt(ctx, &f, "follow", now)
	})
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// MarkBounced stops mail to a follower whose address the mail server
// refused. Bouncing ends a follow like an unsubscribe does.
func (s *Service) MarkBounced(ctx context.Context, followerID int64) error {
	return s.tx(ctx, func(tx *Service) error {
		var f models.Follower
		if err := tx.core.Conn(ctx).First(&f, followerID).Error; err != nil {
			return models.NotFound(err, "follower")
		}
		_, err := tx.endFollow(ctx, &f, models.StatusBounced, map[string]any{"updated_at": tx.core.Now()})
		return err
	})
}
