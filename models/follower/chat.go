package follower

import (
	"context"
	"errors"
	"fmt"

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
// follower stays blocked (ErrBlocked). changed reports whether anything
// changed. The chat router calls it through InTx, so the follow commits
// with the rest of the message's turn.
func (s *Service) FollowFromChat(ctx context.Context, accountID int64, channel, address, lang, scene string) (f *models.Follower, changed bool, err error) {
	lang = models.LegacyLang(lang)
	var row models.Follower
	err = s.tx(ctx, func(tx *Service) error {
		now := tx.core.Now()
		row = models.Follower{AccountID: accountID, Channel: channel, Address: address, Language: lang, Status: models.StatusActive,
			Source: "chat", Scene: scene, ConsentAt: &now, ConfirmedAt: &now}
		res := tx.core.Conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if res.Error != nil {
			return fmt.Errorf("create chat follower: %w", res.Error)
		}
		if res.RowsAffected == 1 {
			changed = true
			return tx.recordEvent(ctx, &row, "follow")
		}
		row = models.Follower{}
		if err := tx.core.Conn(ctx).Where("account_id = ? AND channel = ? AND address = ?", accountID, channel, address).First(&row).Error; err != nil {
			return fmt.Errorf("find chat follower: %w", err)
		}
		switch row.Status {
		case models.StatusActive:
			return nil
		case models.StatusBlocked:
			return ErrBlocked
		}
		moved, err := tx.moveFollower(ctx, &row, []string{models.StatusPending, models.StatusUnsubscribed, models.StatusBounced}, map[string]any{
			"status": models.StatusActive, "language": lang, "consent_at": now, "confirmed_at": now, "unsubscribed_at": nil, "updated_at": now})
		if err != nil || !moved {
			return err
		}
		changed, row.Status = true, models.StatusActive
		return tx.recordEvent(ctx, &row, "follow")
	})
	if err != nil {
		return nil, false, err
	}
	return &row, changed, nil
}
