package models

import (
	"context"
	"fmt"
)

// This file is where the accounts' domain, package models/account, meets
// what is still in Store: what it needs of the channels (a new account's
// e-mail channel, the chat endpoints' cache of account names).

// EnableEmailChannel turns on the e-mail channel of a new account, which
// every account starts with. It writes through tx, the accounts' domain
// transaction that has just created the account, so that no account
// exists without it.
func (s *Store) EnableEmailChannel(ctx context.Context, tx Core, accountID int64) error {
	if err := tx.Conn(ctx).Exec("INSERT INTO account_channels (account_id, channel, enabled, created_at) VALUES (?, ?, ?, ?)",
		accountID, ChannelEmail, true, tx.Now()).Error; err != nil {
		return fmt.Errorf("enable e-mail channel: %w", err)
	}
	return nil
}

// ClearChatCache forgets what the chat endpoints cached, the accounts'
// names among it, after an account is edited.
func (s *Store) ClearChatCache() {
	if s.channels != nil {
		s.channels.Forget()
	}
}
