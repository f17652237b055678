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
