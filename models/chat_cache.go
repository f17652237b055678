package models

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"
)

// chatCacheTTL is how long an instance reuses an account's chat settings.
// A change made on this instance takes effect at once; one made on
// another instance, within this time.
const chatCacheTTL = 5 * time.Second

// chatCacheSize bounds the cache; past it the cache starts over.
const chatCacheSize = 10000

// chatCache keeps what the chat endpoints read for every inbound message
// (the account and its decrypted settings for the platform), so a
// platform posting thousands of messages a second costs no lookups and
// decryptions for each.
type chatCache struct {
	mu       sync.Mutex
	entries  map[string]chatCacheEntry
	keywords map[int64]keywordsEntry
	settings map[string]settingsEntry
}

type settingsEntry struct {
	settings *ChatSettings
	err      error
	until    time.Time
}

type keywordsEntry struct {
	list  []ChatKeyword
	until time.Time
}

type chatCacheEntry struct {
	account  Account
	settings ChatSettings
	until    time.Time
}

func newChatCache() *chatCache {
	return &chatCache{entries: map[string]chatCacheEntry{}, keywords: map[int64]keywordsEntry{}, settings: map[string]settingsEntry{}}
}

func (c *chatCache) clear() {
	if c == nil {
		return
	}
	c.mu.Lock()
	clear(c.entries)
	clear(c.keywords)
	clear(c.settings)
	c.mu.Unlock()
}

// CachedChatSettings is ChatSettingsOf through the cache, for the channels
// that send: a broadcast to thousands of followers needs the account's
// credentials once, not once a message. A copy is returned.
func (s *Store) CachedChatSettings(ctx context.Context, accountID int64, channel string) (*ChatSettings, error) {
	key := strconv.FormatInt(accountID, 10) + "/" + channel
	now := time.Now()
	if s.chat != nil {
		s.chat.mu.Lock()
		e, ok := s.chat.settings[key]
		s.chat.mu.Unlock()
		if ok && now.Before(e.until) {
			if e.err != nil {
				return nil, e.err
			}
			cs := *e.settings
			return &cs, nil
		}
	}
	cs, err := s.ChatSettingsOf(ctx, accountID, channel)
	if err != nil && !errors.Is(err, ErrNotFound) {
		// A database hiccup is not remembered.
		return nil, err
	}
	if s.chat != nil {
		s.chat.mu.Lock()
		if len(s.chat.settings) >= chatCacheSize {
			clear(s.chat.settings)
		}
		s.chat.settings[key] = settingsEntry{settings: cs, err: err, until: now.Add(chatCacheTTL)}
		s.chat.mu.Unlock()
	}
	if err != nil {
		return nil, err
	}
	c := *cs
	return &c, nil
}

// CachedChatKeywords is ChatKeywords through the cache, for the router,
// which checks every message against them.
func (s *Store) CachedChatKeywords(ctx context.Context, accountID int64) ([]ChatKeyword, error) {
	now := time.Now()
	if s.chat != nil {
		s.chat.mu.Lock()
		e, ok := s.chat.keywords[accountID]
		s.chat.mu.Unlock()
		if ok && now.Before(e.until) {
			return e.list, nil
		}
	}
	list, err := s.ChatKeywords(ctx, accountID)
	if err != nil || s.chat == nil {
		return list, err
	}
	s.chat.mu.Lock()
	if len(s.chat.keywords) >= chatCacheSize {
		clear(s.chat.keywords)
	}
	s.chat.keywords[accountID] = keywordsEntry{list: list, until: now.Add(chatCacheTTL)}
	s.chat.mu.Unlock()
	return list, nil
}

// ChatEndpoint returns the account with handle and its enabled settings
// for channel, as the endpoint a platform calls needs them. ErrNotFound
// when there is no such account or the channel is not enabled.
func (s *Store) ChatEndpoint(ctx context.Context, handle, channel string) (*Account, *ChatSettings, error) {
	key := channel + "/" + handle
	now := time.Now()
	if s.chat != nil {
		s.chat.mu.Lock()
		e, ok := s.chat.entries[key]
		s.chat.mu.Unlock()
		if ok && now.Before(e.until) {
			a, cs := e.account, e.settings
			return &a, &cs, nil
		}
	}
	pa, err := s.AccountByHandle(ctx, handle)
	if err != nil {
		return nil, nil, err
	}
	cs, err := s.ChatSettingsOf(ctx, pa.Account.ID, channel)
	if err != nil {
		return nil, nil, err
	}
	if !cs.Enabled {
		return nil, nil, errors.Join(ErrNotFound, errors.New(channel+" is not enabled"))
	}
	if s.chat != nil {
		s.chat.mu.Lock()
		if len(s.chat.entries) >= chatCacheSize {
			clear(s.chat.entries)
		}
		s.chat.entries[key] = chatCacheEntry{account: pa.Account, settings: *cs, until: now.Add(chatCacheTTL)}
		s.chat.mu.Unlock()
	}
	return &pa.Account, cs, nil
}
