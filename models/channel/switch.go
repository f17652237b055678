package channel

import (
	"context"
	"fmt"

	"github.com/plazahq/plaza/models"
)

// Which channels an account offers. A row of account_channels exists for
// each channel an account has set up; the e-mail row is made with the
// account, and its switch and Web Push's are the ones turned without
// settings (the chat platforms' rows are written with their settings, in
// service.go).

// ChannelEnabled reports whether the account offers channel.
func (s *Service) ChannelEnabled(ctx context.Context, accountID int64, channel string) (bool, error) {
	var n int64
	err := s.core.Conn(ctx).Table("account_channels").
		Where("account_id = ? AND channel = ? AND enabled = ?", accountID, channel, true).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("account channel: %w", err)
	}
	return n > 0, nil
}

// AccountChannels lists every channel the account has set up, on or
// off, for the follower filters (models/follower reaches it through its
// Channels interface).
func (s *Service) AccountChannels(ctx context.Context, accountID int64) ([]string, error) {
	var out []string
	if err := s.core.Conn(ctx).Table("account_channels").Where("account_id = ?", accountID).Order("channel").
		Pluck("channel", &out).Error; err != nil {
		return nil, fmt.Errorf("channels: %w", err)
	}
	return out, nil
}

// EnabledChannels lists the channels an account offers, for its follow page.
func (s *Service) EnabledChannels(ctx context.Context, accountID int64) ([]string, error) {
	var out []string
	err := s.core.Conn(ctx).Table("account_channels").Where("account_id = ? AND enabled = ?", accountID, true).
		Order("channel").Pluck("channel", &out).Error
	if err != nil {
		return nil, fmt.Errorf("account channels: %w", err)
	}
	return out, nil
}

// SetChannel turns e-mail or Web Push of the account on or off. Turning
// one off only closes the follow page to new followers on it; who already
// follows keeps getting messages until they stop.
func (s *Service) SetChannel(ctx context.Context, m *models.Member, a *models.Account, channel string, enabled bool) error {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return err
	}
	if channel != models.ChannelEmail && channel != models.ChannelWebPush {
		return models.FieldError("channel", "err.choose_one")
	}
	defer s.Forget()
	return s.core.Tx(ctx, func(tx models.Core) error {
		err := tx.Conn(ctx).Exec(`INSERT INTO account_channels (account_id, channel, enabled, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (account_id, channel) DO UPDATE SET enabled = excluded.enabled`, a.ID, channel, enabled, tx.Now()).Error
		if err != nil {
			return fmt.Errorf("set channel: %w", err)
		}
		detail := "off"
		if enabled {
			detail = "on"
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "account.channel", "@"+a.Handle, channel+" "+detail)
	})
}

// EnableEmailChannel turns on the e-mail channel of a new account, which
// every account starts with. It writes through tx, the accounts' domain
// transaction that has just created the account, so that no account
// exists without it.
func (s *Service) EnableEmailChannel(ctx context.Context, tx models.Core, accountID int64) error {
	if err := tx.Conn(ctx).Exec("INSERT INTO account_channels (account_id, channel, enabled, created_at) VALUES (?, ?, ?, ?)",
		accountID, models.ChannelEmail, true, tx.Now()).Error; err != nil {
		return fmt.Errorf("enable e-mail channel: %w", err)
	}
	return nil
}

// ClearChatCache forgets what the chat endpoints cached, the accounts'
// names among it, after an account is edited (account.Channels and
// chat.Channels call it).
func (s *Service) ClearChatCache() { s.Forget() }
