package follower

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"gorm.io/gorm/clause"

	"github.com/plazahq/plaza/models"
)

// ErrBlocked is a follow from someone staff blocked.
var ErrBlocked = errors.New("follower is blocked")

// ChatFollower finds the follower behind a chat address, or nil.
func (s *Service) ChatFollower(ctx context.Context, accountID int64, channel, address string) (*models.Follower, error) {
	var f models.Follower
	err := s.core.Conn(ctx).Where("account_id = ? AND channel = ? AND address = ?", accountID, channel, address).Limit(1).Find(&f).Error
	if err != nil {
		return nil, fmt.Errorf("chat follower: %w", err)
	}
	if f.ID == 0 {
		return nil, nil
	}
	return &f, nil
}

// FollowFromChat makes the person behind a chat address an active
// follower: on a chat platform, following is the person's own act (they
// sent "follow" or pressed the platform's follow button), so there is
// nothing to confirm. Someone who had stopped follows again; a blocked
// follower stays blocked (ErrBlocked). lang is the language tag the
// router chose among the account's ("en" when empty). changed reports whether anything
// changed. scene is the follow code's scene the person came through
// ("" for none) and codeID that code, when the account has it (the
// router looks it up): a follow is credited to the code it came through
// and to no other, so a person who comes back by plain FOLLOW is not
// credited to the poster of their first follow. The chat router calls it
// through InTx, so the follow commits with the rest of the message's
// turn.
func (s *Service) FollowFromChat(ctx context.Context, accountID int64, channel, address, lang, scene string, codeID *int64) (f *models.Follower, changed bool, err error) {
	source := "chat"
	if channel == models.ChannelSMS {
		source = "sms"
	}
	return s.followActive(ctx, accountID, channel, address, chatLang(lang), source, via{scene, codeID}, nil)
}

// via is where a follow came from: the scene of the follow code, and
// the code when there is one.
type via struct {
	scene  string
	codeID *int64
}

// BrowserChoice is what a browser subscribing from the follow page chose
// in its form: topics (of the account's) and where alerts are for.
type BrowserChoice struct {
	Topics []string
	Area   AreaChoice
	// Scene and CodeID are the follow code whose page the browser
	// subscribed on, if any: the follow is credited to it.
	Scene  string
	CodeID *int64
}

// FollowFromBrowser makes a browser's push subscription (address, its
// JSON) an active follower on channel, as FollowFromChat does for a chat
// address: the person pressed the button and allowed notifications in
// their browser, which is their consent, so there is nothing to confirm.
// lang is one of the account's languages (its default otherwise). choice
// is what the follow page's form said, checked as a follow by e-mail
// checks it (a *models.ValidationError, and nothing stored); nil (the
// account page, which has no form) leaves a returning browser's choices
// as they were and gives a new one everything. Each call counts against
// client's follow limit (clientOf on the web; a LimitError past it), as
// a follow by e-mail does.
func (s *Service) FollowFromBrowser(ctx context.Context, accountID int64, channel, address, lang, client string, choice *BrowserChoice) (f *models.Follower, changed bool, err error) {
	if client != "" {
		if err := s.core.TakeLimit(ctx, s.limits.FollowPerClient, client); err != nil {
			return nil, false, err
		}
	}
	if choice != nil {
		if _, err := choice.Area.Clean(); err != nil {
			return nil, false, err
		}
	}
	a, err := s.accounts.AccountByID(ctx, accountID)
	if err != nil {
		return nil, false, err
	}
	var then func(tx *Service, f *models.Follower) error
	from, source := via{}, "web"
	if choice != nil {
		from = via{choice.Scene, choice.CodeID}
		if choice.CodeID != nil {
			source = "qr"
		}
		then = func(tx *Service, f *models.Follower) error {
			if err := tx.setTopics(ctx, f.ID, a, choice.Topics); err != nil {
				return err
			}
			return tx.setArea(ctx, f, a, choice.Area)
		}
	}
	return s.followActive(ctx, accountID, channel, address, a.FollowerLang(lang), source, from, then)
}

// followActive makes the follower active, then, when then is not nil,
// calls it in the same transaction (a blocked follower aside), so that
// what it refuses stores nothing.
func (s *Service) followActive(ctx context.Context, accountID int64, channel, address, lang, source string, from via, then func(tx *Service, f *models.Follower) error) (f *models.Follower, changed bool, err error) {
	var row models.Follower
	err = s.tx(ctx, func(tx *Service) error {
		now := tx.core.Now()
		row = models.Follower{AccountID: accountID, Channel: channel, Address: address, Language: lang, Status: models.StatusActive,
			Source: source, Scene: from.scene, CodeID: from.codeID, ConsentAt: &now, ConfirmedAt: &now}
		res := tx.core.Conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if res.Error != nil {
			return fmt.Errorf("create chat follower: %w", res.Error)
		}
		if res.RowsAffected == 1 {
			changed = true
			if err := tx.recordEvent(ctx, &row, "follow"); err != nil {
				return err
			}
			return chosen(tx, &row, then)
		}
		row = models.Follower{}
		if err := tx.core.Conn(ctx).Where("account_id = ? AND channel = ? AND address = ?", accountID, channel, address).First(&row).Error; err != nil {
			return fmt.Errorf("find chat follower: %w", err)
		}
		switch row.Status {
		case models.StatusActive:
			return chosen(tx, &row, then)
		case models.StatusBlocked:
			return ErrBlocked
		}
		// Coming back is a follow of its own: it carries the scene and
		// code it came through (none for a plain FOLLOW), as a new follow
		// by e-mail does, so the follow event credits no earlier poster.
		moved, err := tx.moveFollower(ctx, &row, []string{models.StatusPending, models.StatusUnsubscribed, models.StatusBounced}, map[string]any{
			"status": models.StatusActive, "language": lang, "consent_at": now, "confirmed_at": now, "unsubscribed_at": nil, "updated_at": now,
			"scene": from.scene, "code_id": from.codeID})
		if err != nil || !moved {
			return err
		}
		changed, row.Status, row.Scene, row.CodeID = true, models.StatusActive, from.scene, from.codeID
		if err := tx.recordEvent(ctx, &row, "follow"); err != nil {
			return err
		}
		return chosen(tx, &row, then)
	})
	if err != nil {
		return nil, false, err
	}
	return &row, changed, nil
}

// chosen calls then, if any, on f.
func chosen(tx *Service, f *models.Follower, then func(tx *Service, f *models.Follower) error) error {
	if then == nil {
		return nil
	}
	return then(tx, f)
}

// languageTag is the shape of a BCP 47 tag as Plaza stores them ("en",
// "zh-Hant", "es-419").
var languageTag = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

// chatLang is the language a follow from chat stores: the one the router
// chose among the account's languages, the "zh" of older callers being
// Simplified Chinese; English when it is not a language tag at all.
func chatLang(lang string) string {
	switch {
	case lang == "zh":
		return "zh-Hans"
	case languageTag.MatchString(lang):
		return lang
	}
	return "en"
}

// StopFromChat records that a chat address with no follower asked to
// stop: a follower row, unsubscribed from the start, so that an import
// or an API call adding the address later finds it opted out and nothing
// is sent to it until the person follows again by their own act (START).
// Carriers require that for text messages. No follow or unfollow is
// counted, as the person never followed. An address that turns out to
// have a follower by now (a follow racing the STOP) has that follow
// ended, as Unsubscribe would.
func (s *Service) StopFromChat(ctx context.Context, accountID int64, channel, address, lang string) (*models.Follower, error) {
	var row models.Follower
	err := s.tx(ctx, func(tx *Service) error {
		now := tx.core.Now()
		source := "chat"
		if channel == models.ChannelSMS {
			source = "sms"
		}
		row = models.Follower{AccountID: accountID, Channel: channel, Address: address, Language: chatLang(lang), Status: models.StatusUnsubscribed,
			Source: source, UnsubscribedAt: &now}
		res := tx.core.Conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if res.Error != nil {
			return fmt.Errorf("record stop from chat: %w", res.Error)
		}
		if res.RowsAffected == 1 {
			return nil
		}
		row = models.Follower{}
		if err := tx.core.Conn(ctx).Where("account_id = ? AND channel = ? AND address = ?", accountID, channel, address).First(&row).Error; err != nil {
			return fmt.Errorf("find chat follower: %w", err)
		}
		moved, err := tx.endFollow(ctx, &row, models.StatusUnsubscribed, map[string]any{"unsubscribed_at": now, "updated_at": now})
		if moved {
			row.UnsubscribedAt = &now
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &row, nil
}
