package models

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"
)

// chatCacheTTL is how long an instance reuses what it read of an
// account's chat setup. A change made on this instance takes effect at
// once (the cache is cleared); one made on another instance, within this
// time.
const chatCacheTTL = 5 * time.Second

// chatCacheSize bounds each cache; past it the cache starts over.
const chatCacheSize = 10000

// chatCache keeps what the chat paths read for every message: the
// account and decrypted settings behind an endpoint a platform calls,
// the keyword list the router checks, and the credentials the sending
// channels use. A platform posting thousands of messages a second, or a
// broadcast to thousands of followers, then costs no lookups and
// decryptions for each.
type chatCache struct {
	endpoints ttlMap[chatEndpoint]
	keywords  ttlMap[[]ChatKeyword]
	// settings holds nil for a platform the account has not set up.
	settings ttlMap[*ChatSettings]
}

type chatEndpoint struct {
	account  Account
	settings ChatSettings
}

func newChatCache() *chatCache { return &chatCache{} }

func (c *chatCache) clear() {
	if c == nil {
		return
	}
	c.endpoints.reset()
	c.keywords.reset()
	c.settings.reset()
}

// ttlMap remembers values for chatCacheTTL.
type ttlMap[V any] struct {
	mu sync.Mutex
	m  map[string]ttlEntry[V]
}

type ttlEntry[V any] struct {
	v     V
	until time.Time
}

// get returns the value remembered for key, or loads and remembers it. A
// load that fails is not remembered.
func (t *ttlMap[V]) get(key string, load func() (V, error)) (V, error) {
	now := time.Now()
	t.mu.Lock()
	e, ok := t.m[key]
	t.mu.Unlock()
	if ok && now.Before(e.until) {
		return e.v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	t.mu.Lock()
	if t.m == nil || len(t.m) >= chatCacheSize {
		t.m = map[string]ttlEntry[V]{}
	}
	t.m[key] = ttlEntry[V]{v: v, until: now.Add(chatCacheTTL)}
	t.mu.Unlock()
	return v, nil
}

func (t *ttlMap[V]) reset() {
	t.mu.Lock()
	t.m = nil
	t.mu.Unlock()
}

// CachedChatSettings is ChatSettingsOf through the cache, for the channels
// that send: a broadcast to thousands of followers needs the account's
// credentials once, not once a message. A copy is returned.
func (s *Store) CachedChatSettings(ctx context.Context, accountID int64, channel string) (*ChatSettings, error) {
	cs, err := s.chat.settings.get(strconv.FormatInt(accountID, 10)+"/"+channel, func() (*ChatSettings, error) {
		cs, err := s.ChatSettingsOf(ctx, accountID, channel)
		if errors.Is(err, ErrNotFound) {
			return nil, nil
		}
		return cs, err
	})
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return nil, ErrNotFound
	}
	c := *cs
	return &c, nil
}

// CachedChatKeywords is ChatKeywords through the cache, for the router,
// which checks every message against them. The list is shared: read it,
// do not change it.
func (s *Store) CachedChatKeywords(ctx context.Context, accountID int64) ([]ChatKeyword, error) {
	return s.chat.keywords.get(strconv.FormatInt(accountID, 10), func() ([]ChatKeyword, error) {
		return s.ChatKeywords(ctx, accountID)
	})
}

// errChannelOff is an endpoint whose platform the account has not
// enabled.
var errChannelOff = errors.New("channel not enabled")

// ChatEndpoint returns the account with handle and its enabled settings
// for channel, as the endpoint a platform calls needs them. ErrNotFound
// when there is no such account or the channel is not enabled.
func (s *Store) ChatEndpoint(ctx context.Context, handle, channel string) (*Account, *ChatSettings, error) {
	e, err := s.chat.endpoints.get(channel+"/"+handle, func() (chatEndpoint, error) {
		pa, err := s.AccountByHandle(ctx, handle)
		if err != nil {
			return chatEndpoint{}, err
		}
		cs, err := s.ChatSettingsOf(ctx, pa.Account.ID, channel)
		if err != nil {
			return chatEndpoint{}, err
		}
		if !cs.Enabled {
			return chatEndpoint{}, errors.Join(ErrNotFound, errChannelOff)
		}
		return chatEndpoint{account: pa.Account, settings: *cs}, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return &e.account, &e.settings, nil
}
