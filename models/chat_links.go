package models

import (
	"context"
	"fmt"
)

// This file is where the other domains meet package models/chat, which
// owns the chat messages, conversations in progress, the inbox and the
// keyword replies: what that package needs of accounts and of the chat
// endpoints' cache, and what erasing a follower needs of it.

// ChatSessions is what erasing a follower needs of the chat domain: the
// conversation in progress with them is its row, and must go in the
// erasure's transaction. Package models cannot import models/chat, so
// the service is handed in (WithChatSessions).
type ChatSessions interface {
	EndChatSession(ctx context.Context, tx Core, accountID int64, channel, address string) error
}

// WithChatSessions returns a store whose follower erasure ends the
// person's conversation in progress through c.
func (s *Store) WithChatSessions(c ChatSessions) *Store {
	n := *s
	n.sessions = c
	return &n
}

// EndChatSession forgets the person's conversation in progress, through
// the chat domain, in s's transaction.
func (s *Store) EndChatSession(ctx context.Context, accountID int64, channel, address string) error {
	if s.sessions == nil {
		return fmt.Errorf("end chat session of %s:%s: no chat domain configured", channel, address)
	}
	return s.sessions.EndChatSession(ctx, s.Core, accountID, channel, address)
}

// WriteChatWelcome stores the account's chat welcome messages through tx,
// the chat domain's transaction, which has checked the member and the
// text.
func (s *Store) WriteChatWelcome(ctx context.Context, tx Core, a *Account, en, zh string) error {
	if err := tx.Conn(ctx).Model(&Account{}).Where("id = ?", a.ID).
		Updates(map[string]any{"chat_welcome_en": en, "chat_welcome_zh": zh}).Error; err != nil {
		return fmt.Errorf("set welcome: %w", err)
	}
	a.ChatWelcomeEn, a.ChatWelcomeZh = en, zh
	return nil
}

// ClearChatCache makes the chat endpoints read accounts and settings
// again, after a change to what they keep (the welcome message).
func (s *Store) ClearChatCache() { s.chat.clear() }
